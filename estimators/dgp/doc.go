// Package dgp draws the simulated panels of Monte Carlo studies from the
// data-generating designs of a study spec. docs/montecarlo.md ("Designs")
// documents every field with its formula; this comment is the summary.
//
// # Designs
//
// A Design belongs to a family:
//
//	threshold  y_it = mu_i + sum_j c_j z_jit + sum_j b_j(q_it) x_jit + e_it
//	           i = 1..n, t = 1..T, b(q) = Slopes[k] for g_k < q <= g_{k+1}
//	           (g_0 = -inf, g_{K+1} = +inf), no intercept; regressors
//	           normal(mean, sd) or uniform(a, b); q uniform, normal or one of
//	           the regressors; mu_i normal(0, sd), correlated
//	           (sd v_i + load * mean_t x_it) or none; errors normal,
//	           student_t (unit variance times sd), hetero_unit (s_i uniform
//	           on (a, b)), hetero_x (sd a + b|x_it|) or ar1 (stationary,
//	           variance sd^2); a share Drop of the unit-periods dropped at
//	           random.
//	provinces  simulate.Provinces with a seed from the replication's stream:
//	           30 provinces x 13 years; lncie on lndig (regime dependent and
//	           q, threshold 5.5), lnpgdp, lnopen, lnes, lncap and a trend.
//	resample   the user's panel (regressors, q, units, periods and unit
//	           effects held fixed) with y regenerated from the design's
//	           thresholds and slopes plus residuals of a within fit of the
//	           design's model on the user's data, resampled by unit blocks
//	           or iid and scaled by sqrt(N / (N - n - K)).
//
// The fields of Design and of its parts say which family uses them; a field
// that does not apply to the family is an error of Validate, as are
// impossible designs (n or T below 2, thresholds outside q's support or not
// increasing, slope rows that do not match the regimes or the
// regime-dependent regressors, a dropped share outside [0, 1), student_t
// with df <= 2, ar1 with |rho| >= 1, unknown laws or names).
//
// # Error laws
//
// With u_it independent standard normal (docs/montecarlo.md, "Family
// threshold"):
//
//	normal       e = sd u
//	student_t    e = sd t sqrt((df-2)/df), t = u / sqrt(V/df), V = 2 G,
//	             G ~ Gamma(df/2, 1) by Marsaglia and Tsang (2000); df > 2
//	hetero_unit  e = s_i u, s_i ~ uniform(a, b) per unit
//	hetero_x     e = (a + b|x_it|) u
//	ar1          e_i1 = sd u_i1, e_it = rho e_i,t-1 + sd sqrt(1-rho^2) u_it
//
// normal, student_t and ar1 errors have variance sd^2.
//
// # Order of the draws
//
// A threshold sample draws each regressor column (units, then periods), q,
// the unit effects, the errors (hetero_unit: each unit's s_i before its
// errors) and the dropped rows (a partial Fisher-Yates shuffle), in this
// order; the golden test pins the result.
//
// # Grids
//
// N, T, Effect, Drop, Errors.DF and Errors.Rho are Grids: a number or a
// list in the spec. Expand returns one design per combination, labelled
// "<label> n=30 effect=0.1", and validates each.
//
// # Draws
//
// Replication rep of the design with index k among the expanded designs is
// a function of its stream, stream.New(seed, stream.DataGeneration, k,
// rep), alone: the same sample on any worker, in any order. Design.Prepare
// does the per-design work once (for resample: reading and fitting the
// user's data); Generator.Draw draws one Sample, whose Table is the panel
// table thresher's estimators read (written as CSV with the shortest exact
// float64 text and read back with panel.ReadCSV).
//
// # Truth
//
// Design.Truth names the columns of the correctly specified model
// (xthreg's depvar, indep, rx and qx) and the true thresholds and slopes
// that coverage and bias are measured against. A listed threshold with equal
// slopes on both sides (effect 0) is no threshold: it is left out, so
// len(Truth.Thresholds) is the true number of thresholds.
package dgp
