// Package within implements the fixed-effect (within) transformation of a
// panel and the algebra the threshold kernels need from it.
//
// Two variants exist, matching the two reference programs:
//
//   - Demean (Stata xtreg, fe and xthreg): subtract each unit's time mean;
//     every row is kept, N = sum_i T_i transformed rows.
//   - DemeanDropLast (Hansen 1999, GAUSS proc tr): subtract each unit's time
//     mean over all its periods, then delete the unit's last period; each unit
//     keeps T_i - 1 rows. Hansen's text motivates the deletion by the linear
//     dependence of the demeaned errors within a unit.
//
// A Transform is a linear map T from level space (one row per observation,
// rows of a unit contiguous and in time order) to transformed space. Besides
// T itself it provides the adjoint T' and the Gram form M = T'T. For unit i
// with T_i rows M acts blockwise:
//
//	Demean:          M_i = I - 1 1'/T_i
//	DemeanDropLast:  M_i = Q_i - h_i h_i',  Q_i = I - 1 1'/T_i,  h_i = Q_i e_last
//
// so u'M v = u'v - sum_j phi_j(u) phi_j(v) with unit functionals
// phi_1(u) = 1'u / sqrt(T_i) and, when the last period is dropped,
// phi_2(u) = u_last - 1'u / T_i. Loading returns the coefficient of each
// observation in each functional; the threshold sweep uses them to update
// cross products of regime-dependent columns one observation at a time.
package within
