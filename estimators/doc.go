// Package estimators groups the numerics of thresher. Its subpackages are
// pure Go on gonum and import no network, etcd or Prometheus package, so
// they can be read, tested and benchmarked alone:
//
//	panel      CSV panels, Stata-style variable lists with lags, validation
//	within     the fixed-effect transformation in Stata's and Hansen's forms
//	ols        least squares with classical, White and clustered errors
//	stream     per-replication random streams for deterministic bootstraps
//	threshold  Hansen's (1999) panel threshold model: grids, the reference
//	           and fast kernels, bootstrap tests, LR confidence intervals
//	dynthreshold  Seo and Shin's (2016) dynamic panel threshold model by
//	           first-difference GMM, sup-Wald linearity test
//	twfe       two-way fixed-effects regressions (Stata xtreg, fe i.year)
//	mediation  Baron-Kenny mediation, Sobel-type tests, cluster bootstrap
//	pca        composite indices by principal components
//	ioc        input-output export-implied carbon intensity
//	simulate   synthetic panels with known effects
package estimators
