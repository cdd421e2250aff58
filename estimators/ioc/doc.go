// Package ioc computes the input-output carbon measures of the applied
// paper's eqs. (5) and (6): direct emission coefficients, embodied
// (total) carbon intensities through the Leontief inverse, and the carbon
// embodied in exports with its intensity per unit of exports.
//
// # Reading of the paper
//
// The paper writes the input-output balance X = AX + Y, so
// X = (I - A)^{-1} Y, with A the direct-consumption (technical) coefficient
// matrix, a_ij the input from row i per unit of output of column j, X the
// total output and Y the final use. Its eq. (6) defines the direct emission
// coefficient of row i as the CO2 of its energy use per unit of output, and
// its eq. (5) premultiplies the Leontief inverse by the row vector of these
// coefficients. The text calls the rows "provinces" in eq. (6) and "sectors"
// in X = AX + Y; the algebra is the same for the sectors of one province's
// table and for the regions of a multi-regional table, and this package
// calls them sectors. It computes, for n sectors and m energy sources:
//
//	direct coefficient   c_i   = sum_k E_ik lambda_k / X_i               (eq. 6)
//	Leontief inverse     L     = (I - A)^{-1}
//	total intensity      eps_j = sum_i c_i L_ij,   eps = c L
//	export emissions     C_j   = eps_j EX_j,       C = sum_j C_j = c L EX (eq. 5, Y = EX)
//	export intensity     CIE   = C / sum_j EX_j
//
// with E_ik the use of energy source k by sector i, lambda_k its emission
// factor and EX the vector of exports, the export part of final use Y. Eq.
// (5) with Y = EX is the carbon embodied in exports; the paper's "implied
// carbon intensity of exports" is read as that carbon per unit of exports.
// eps_j is the CO2 emitted in the whole economy per unit of final demand for
// sector j. Units: c and eps are tonnes of CO2 per unit of output (e.g. per
// 10^4 yuan when X is in 10^4 yuan); C is in tonnes when EX is in the units
// of X; CIE is in the units of c.
//
// # Emission factors
//
// PaperFactors returns the seven factors of the paper's Table 1 (after Du
// 2010), in the printed order and with the printed values; see its
// documentation for the names and units as read.
//
// # Errors
//
// Data errors wrap a sentinel and name the sector or source: dimensions that
// disagree (ErrDimension), negative or non-finite values (ErrInvalid), a
// sector with zero output (ErrZeroOutput), no exports at all (ErrNoExports),
// and an I - A that is singular or has a condition number above
// MaxCondition (ErrSingular, "input-output matrix is singular").
package ioc
