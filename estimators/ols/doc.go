// Package ols fits linear regressions by least squares and computes their
// covariance matrices.
//
// Fit factorises the design with a Householder QR decomposition, X = QR, so
// beta = R^{-1} Q'y and (X'X)^{-1} = R^{-1} R^{-T}, and never forms X'X.
// A regressor whose QR pivot is negligible relative to its own norm is
// reported as constant (its norm is zero) or as collinear with the columns
// before it; no coefficient is returned for a rank-deficient design.
// RegressBlocks fits a design given as consecutive blocks of rows, never
// held whole: R of [X y] is updated block by block (R stacked on the next
// block is factorised again), so Q'y is R's last column and the design is
// rebuilt block by block for the residuals and the covariances.
//
// Three covariance estimators are provided; the caller chooses the
// small-sample scale, because conventions differ between programs:
//
//	Classical:  V = s^2 (X'X)^{-1},                 s^2 = e'e / df
//	White:      V = c (X'X)^{-1} (sum_r e_r^2 x_r x_r') (X'X)^{-1}
//	Cluster:    V = c (X'X)^{-1} (sum_g X_g'e_g e_g'X_g) (X'X)^{-1}
//
// White (1980) with c = 1 is HC0; Stata's regress, vce(robust) uses
// c = N/(N-K) and areg, vce(robust) c = (N-1)/(N-K-A) with A absorbed
// effects; Stata's cluster-robust estimator uses c = G/(G-1) (N-1)/(N-K)
// (Stata [U] 20.22; Cameron and Miller 2015, J. Human Resources 50(2)).
package ols
