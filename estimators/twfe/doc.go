// Package twfe fits linear panel regressions with unit and period fixed
// effects, following Stata's
//
//	xtreg y x1 ... xk i.period, fe vce(cluster unit)
//
// for balanced and unbalanced panels alike.
//
// # Estimator
//
// The model is y_it = a_i + d_t + x_it'b + e_it. Unit effects a_i are
// absorbed by the within transformation: every column v (y, each regressor,
// each period dummy) becomes v_it - mean_i(v), the mean taken over the T_i
// rows of unit i, so units may have different numbers of periods. Period
// effects enter as dummies for every period of the sample except the first
// (Stata's base level of i.period). A dummy that is a linear combination of
// the dummies before it after the transformation (a period observed only by
// units with a single row, or a sample whose units fall into groups with
// disjoint periods) is omitted, as Stata omits it, and reported in
// Result.OmittedPeriods. Options.PeriodEffects = false leaves out the
// dummies. The slopes b and period effects d are the least-squares fit
// (Householder QR, package ols) of the transformed y on the transformed
// regressors and dummies; they equal the least-squares dummy-variable (LSDV)
// estimates.
//
// With N rows, n units, K_all slopes (the named regressors plus the period
// dummies kept) and K = K_all + 1 (Stata counts the constant):
//
//	residuals      e = y~ - X~ b                   (~: within-transformed)
//	classical      V = s^2 (X~'X~)^{-1},  s^2 = e'e / (N - n - K_all)
//	clustered      V = c (X~'X~)^{-1} (sum_g X~_g'e_g e_g'X~_g) (X~'X~)^{-1},
//	               c = G/(G-1) (N-1)/(N-K),  G = n clusters (the units)
//	R^2 within     1 - e'e / y~'y~
//
// t statistics use Student's t with N - n - K_all degrees of freedom for the
// classical errors and G - 1 for the clustered errors (Stata's rule for
// vce(cluster)); p-values are two-sided.
//
// # Constant
//
// xtreg, fe reports a constant: it adds the grand means back to the
// transformed data, v~_it = v_it - mean_i(v) + mean(v), and regresses y~ on
// [X~, 1]. The slopes and residuals do not change, and
//
//	_cons = mean(y) - mean(Z)'b
//
// where Z holds the regressors and kept period dummies and the means run
// over all N rows of the estimation sample (so _cons is the row-weighted
// average of the unit effects of the LSDV fit). This package fits W = [X~, 1]
// with the within-transformed X~ (1 is orthogonal to every column of X~),
// whose coefficient on 1 is mean(y), and obtains the constant's variance as
// h'Vh with h = (-mean(Z), 1) and V the classical or clustered covariance of
// W's coefficients computed with the same df and c as above. This is exactly
// what regress computes on the augmented design [X~ + 1 mean(Z)', 1], which
// is W times an invertible matrix.
//
// # Errors
//
// Shape mismatches between arguments panic. Bad data return errors that
// name the column, row or unit: non-finite values (ErrNotFinite), fewer than
// two units (ErrFewUnits), no residual degrees of freedom (ErrTooFewRows), a
// dependent variable constant within every unit or a zero standard error
// (ErrDegenerate), and regressors that are constant within units or
// collinear with the period dummies and the regressors before them
// (wrapping ols.ErrCollinear). A column counts as constant within units
// when the norm of its within transform is at most ols.CollinearTolerance
// times its norm in levels: demeaning an exactly constant column leaves
// rounding residue rather than zeros.
package twfe
