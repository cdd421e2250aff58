// Package pca builds a composite index from several indicators by principal
// component analysis, as the digital-economy index of the applied paper is
// built (five indicators, one index per province and year).
//
// # Standardisation
//
// Each indicator j is standardised over all N observations:
//
//	z_rj = (x_rj - mean_j) / sd_j,   sd_j^2 = sum_r (x_rj - mean_j)^2 / (N - 1)
//
// (ddof = 1, the sample standard deviation of Stata's summarize and egen
// std). The correlation matrix is R = Z'Z / (N - 1) with its diagonal set to
// exactly 1; it does not depend on ddof, the component scores below scale
// with sqrt((N-1)/N) if ddof = 0 is preferred.
//
// # Components
//
// R = V diag(lambda) V' is factorised by mat.EigenSym; the eigenvalues are
// reported in decreasing order, lambda_1 >= ... >= lambda_p, with variance
// shares lambda_k / p (p = trace R), and the unit-length eigenvectors v_k as
// the loadings (Stata's pca "components" table). The sign of an eigenvector
// is arbitrary; each v_k is oriented so that the sum of its entries is
// positive, so that a component rises when all indicators rise together.
// When that sum is zero (|sum| < 1e-10), the first entry with |v_kj| > 1e-10
// is made positive. The score of component k is F_k = Z v_k (variance
// lambda_k).
//
// # Weighting rules
//
//	FirstComponent  index = F_1; one component with weight 1.
//	VarianceShare   retain the m components with lambda_k > 1 (Kaiser's
//	                rule) and weight them by their share of the retained
//	                variance: w_k = lambda_k / sum_{l<=m} lambda_l,
//	                index = sum_{k<=m} w_k F_k.
//
// Either way index = Z beta with beta = sum_k w_k v_k, reported as the
// indicator coefficients, so an index can be recomputed from the means, the
// standard deviations and beta. VarianceShare fails with ErrNoComponent when
// no eigenvalue exceeds 1, which happens only when R is the identity
// (uncorrelated indicators), where components are not identified.
//
// # Errors
//
// Fewer than two indicators (ErrTooFewIndicators) or observations
// (ErrTooFewRows), a NaN or infinite value (ErrNotFinite; missing cells in a
// table wrap panel.ErrMissingValue), and an indicator with the same value in
// every observation (ErrConstant) are errors naming the indicator; columns
// of different lengths are a programming error and panic.
package pca
