// Package threshold estimates Hansen's (1999) fixed-effect panel threshold
// model and tests the number of thresholds by bootstrap.
//
// # Model
//
// For units i = 1..n and periods t,
//
//	y_it = mu_i + z_it'theta + x_it'beta_1 1(q_it <= g_1) + ... + x_it'beta_{K+1} 1(q_it > g_K) + e_it
//
// with regime-independent regressors z, regime-dependent regressors x (m of
// them), threshold variable q and K thresholds. The unit effects are removed
// by the within transformation (package within); the thresholds minimise the
// sum of squared residuals S over a grid of candidate values of q, found
// sequentially (Hansen 1999, §5): g_1; g_2 given g_1 and then g_1 again given
// g_2 (the refinement); every later g_k given the current estimates. Stage k
// tests k-1 against k thresholds with F_k = (S_{k-1} - S_k)/sigma^2_k, whose
// p-value comes from a bootstrap that holds the regressors fixed and re-runs
// the whole sequential search in every replication (§4.1, §5.2); each
// threshold gets Hansen's likelihood-ratio confidence set (§4.2).
//
// Two conventions (Convention) reproduce Hansen's GAUSS program and Stata's
// xthreg. docs/threshold-model.md in the repository describes the model, both
// conventions, the grid, the F test, the LR intervals and the bootstrap step
// by step; docs/fast-kernel.md derives the fast kernel's algebra below.
// Usage: Prepare a Problem from a panel.Table and a Spec, then Estimate in
// this process, or PointEstimatesWith / Bootstrap / Assemble to spread the
// work over a cluster. Problem.WithBootstrap derives the problem with
// another bootstrap kind without preparing it again, and Options.Lean
// leaves the post-estimation statistics out (both for Monte Carlo studies).
//
// # Examples
//
// example_test.go runs on Hansen's data and checks its output (go test runs
// it; go doc -http and pkg.go.dev show it beside the functions):
// ExampleProblem_PointEstimates reproduces his thresholds and F statistics,
// ExampleProblem_Estimate runs the whole model with 300 bootstrap
// replications per stage, ExampleProblem_Bootstrap computes a stage's
// replications in pieces and summarises them, ExampleStageResult_intervals
// reads the confidence sets of the thresholds, ExampleHeteroskedasticityTest
// prints the heteroskedasticity diagnostic, ExampleInterval_eta2 the
// robust confidence sets and ExampleFEHeader xtreg, fe's header and the
// test of equal slopes on Wang's (2015) example.
//
// # Bootstrap
//
// The definition of one bootstrap replication is the loop of
// referenceKernel.bootstrap in reference.go: draw y* for replication r
// (Problem.drawY in resample.go: the null model's fitted values plus
// resampled or reweighted unit blocks of residuals), fit the linear model to
// y*, then search thresholds 1..k in turn on y*, each given the earlier ones
// and with the stage's exclusion windows, and return
// F* = (S*_{k-1} - S*_k) / (S*_k / df) of the last step. The fast kernel
// returns the same numbers (to rounding, tested) for a batch of replications
// at once. Problem.Bootstrap and Problem.BootstrapParallel (bootstrap.go)
// are the public entry points; Summarize turns the F* of a stage into its
// p-value and critical values.
//
// With Spec.BootstrapRefine a replication of stage k >= 3 repeats the
// stage-2 refinement (re-search threshold 1 given threshold 2) before its
// later steps. With Spec.VCE robust or cluster the replications use the wild
// cluster bootstrap, the LR sets are scaled by Hansen's (2000) eta^2, and no
// heteroskedasticity diagnostic is reported (docs/threshold-model.md §11).
//
// # Files
//
//	spec.go        Spec, Grid, Residuals: the specification and its checks
//	convention.go  Convention: Hansen's GAUSS program or Stata's xthreg
//	wild.go        BootstrapKind: residual or wild bootstrap weights
//	problem.go     Prepare, Problem, WithBootstrap: data checks, within transform, linear fit
//	grid.go        candidate thresholds and exclusion windows
//	fit.go         the design at given thresholds; coefficients and standard errors
//	blocks.go      large designs built in blocks of rows for ols.RegressBlocks
//	estimate.go    Estimate, PointEstimates: the sequential search and refinement
//	lr.go          LR curves, their critical value and confidence sets
//	robust.go      Hansen's (2000) eta^2 and the heteroskedasticity diagnostic
//	header.go      xtreg, fe's header statistics (docs/postestimation.md)
//	wald.go        the Wald test of equal slopes across regimes
//	predict.go     WritePredictions: fitted values, residuals, fixed effects
//	bootstrap.go   Bootstrap, BootstrapParallel, Summarize: the bootstrap test
//	resample.go    the bootstrap plan of a stage and the draw of y*
//	kernel.go      Algorithm, the kernel interface, argmin and the F statistic
//	reference.go   the reference kernel: the definition of a search and a replication
//	fast.go        the fast kernel: sorted sweep, batched replications
//	sweep.go       per-fixed-thresholds factorisations of the fast kernel
//	cache.go       the memory-bounded cache of those factorisations
//	result.go      Result, Assemble and its canonical JSON
//	text.go        the text report in xthreg's layout
//
// # Kernels
//
// Two kernels evaluate the candidates (Algorithm). Reference fits one QR
// regression on the full transformed design per candidate, as GAUSS thr_sse
// does: O(G N p^2) per search for G candidates, N observations and p
// columns. Fast gets the same numbers from one sweep over the observations:
//
// With the design at the fixed thresholds A = T[Z, X, X∘1_f ...] (p_A
// columns, T the within transform) and the m columns a candidate g adds,
// B_g = T(X∘1_g), Frisch–Waugh–Lovell gives, with A = Q_A R_A,
//
//	S(g) = S_A - v_g' S_g^{-1} v_g
//	S_A  = y'y - w'w,              w   = R_A^{-T} A'y
//	v_g  = B_g'y - R_g'w,          R_g = R_A^{-T} A'B_g
//	S_g  = B_g'B_g - R_g'R_g       (the Schur complement)
//
// Every cross product with B_g is a prefix sum over the observations in
// increasing order of q, because 1_g switches observations into the lower
// regime one at a time. With M = T'T written through per-unit functionals
// phi_j (package within: u'Mv = u'v - sum_i sum_j phi_ij(u) phi_ij(v)),
//
//	A'B_g   = sum_{o in lower(g)} (M A)_o x_o'
//	B_g'y   = sum_{o in lower(g)} x_o (T'y)_o
//	B_g'B_g = sum_{o in lower(g)} x_o x_o' - sum_i sum_j phi_ij(g) phi_ij(g)'
//
// and adding observation o of unit i changes phi_ij by c_j(o) x_o, a rank-two
// update of the last sum. One sweep over all candidates costs
// O(N (p_A m + m^2) + G (p_A^2 m + m^3)).
//
// In the bootstrap the regressors are fixed, so R_A, R_g and the Cholesky
// factor of S_g depend only on the fixed thresholds: they form a sweep, built
// once per set of fixed thresholds and cached. A replication that fixes one
// more threshold f extends the sweep of its set without f by a Schur update,
//
//	R_{A+} = [R_A  R_f; 0  L_f'],   t_g = L_f^{-1}(E'B_g - R_f'R_g),   S+_g = S_g - t_g't_g,
//
// so only E'B_g needs a walk over the observations. Per replication only
// T'y*, the prefix sums B_g'y* and w remain; a batch of replications is
// computed at once, with V = P - R'W, the v_g of every candidate and
// replication, as one matrix product. Every number a replication produces is
// computed by the same floating-point operations whatever batch, task or
// worker computes it, and a sweep's derivation depends on its set alone, so
// results never depend on how work is split. Candidates whose Cholesky pivot
// falls below identTolerance (relative) are reported as not identified
// rather than given an SSR that rounding has destroyed.
//
// # Cost
//
// Spec.Work estimates a job's cost from the number of rows and the options
// alone, before any work: the passes over the data (one per point search
// and per bootstrap replication) times N + G, the leading terms of the
// sweep's cost above (N G for the reference kernel). Clients and
// coordinators refuse jobs above a limit with it.
//
// # Determinism
//
// Replication r of stage k draws from its own stream (package stream), keyed
// by (seed, stage, r). Ties in the SSR go to the smallest candidate. The
// p-value is the share of F* strictly above F; the critical values are the
// order statistics ceil(0.90 B), ceil(0.95 B) and ceil(0.99 B).
package threshold
