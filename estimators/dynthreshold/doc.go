// Package dynthreshold estimates the dynamic panel threshold model with
// endogeneity of Seo and Shin (2016) by first-difference GMM, as Stata's
// xthenreg (Seo, Kim and Kim 2019) computes it, and tests linearity by a
// multiplier bootstrap of the sup-Wald statistic. docs/dynamic-threshold.md
// in the repository describes the computation and where it departs from
// xthenreg.
//
// # Model
//
// For units i = 1..n and periods t = 1..T of a strongly balanced panel
// (Spec.Unbalanced relaxes this: a unit has the equations whose variables it
// observes, unobserved instruments are 0),
//
//	jump: y_it = x_it'beta + (1, x_it')'delta 1{q_it > gamma} + alpha_i + e_it
//	kink: y_it = x_it'beta + delta (q_it - gamma) 1{q_it > gamma} + alpha_i + e_it
//
// with x_it = (y_i,t-1, Indep) unless Static. First differences remove
// alpha_i; the equation of period t (t >= 3 dynamic, t >= 2 static) is
//
//	dy_it = dx_it'beta + delta'[(1, x_it')'1{q_it > gamma} - (1, x_i,t-1')'1{q_i,t-1 > gamma}] + de_it
//
// and its instruments form its own block of the block-diagonal Z_i: a
// constant, y_i1..y_i,t-2, dx_it of every exogenous regressor,
// v_i1..v_i,t-2 of every endogenous variable v, w_i1..w_it of every
// exogenous instrument w and every extra instrument at t.
//
// # Estimation
//
// At a fixed gamma the model is linear; with gbar1 = n^-1 sum_i Z_i'dy_i and
// G2 = n^-1 sum_i Z_i' R_i(gamma), R_i the rows of regressors,
//
//	theta(gamma) = (G2'W G2)^-1 G2'W gbar1,   J(gamma) = gbar'W gbar,   gbar = gbar1 - G2 theta
//
// Step one uses W1 = [n^-1 sum_i Z_i'H Z_i]^-1 (H: 2 on the diagonal, -1
// beside it) and picks gamma_1 = the first argmin of J over the grid; step
// two uses W2 = [n^-1 sum_i g_i g_i' - gbar gbar']^-1 from the residual
// moments g_i = Z_i'de_i at gamma_1, held fixed over the grid, and picks
// gamma. The variance is V = (G'Omega^-1 G)^-1/n with Omega from the
// residuals at gamma and G = (G2, G_gamma), G_gamma the derivative of the
// moments in gamma with the indicator smoothed by a normal kernel of
// bandwidth h = h0 1.06 n^(-1/5) sd(q) (kink: the exact derivative). The
// grid has GridNum points equally spaced between the Hyndman-Fan type-2
// quantiles Trim/2 and 1-Trim/2 of all n*T values of q.
//
// # Linearity test
//
// At every grid point, the two steps with a gamma-specific W2(gamma) give
// W(gamma) = n delta'Sigma_delta(gamma)^-1 delta, Sigma_delta the delta block
// of (G2'Omega(gamma)^-1 G2)^-1; supW is the maximum. Replication b draws
// eta_i ~ N(0,1) per unit from its own stream (package stream, keyed by
// seed and b) and recomputes, with everything else held fixed,
//
//	theta*(gamma) = (G2'W2 G2)^-1 G2'W2 n^-1 sum_i eta_i g_i(gamma)
//
// The p-value is #{supW* > supW}/B. The Reference algorithm evaluates this
// formula as written; Fast, the one Estimate uses, precomputes per
// grid point the k_delta x n matrix c = Lsigma^-1 R (G2'W2G2)^-1 G2'W2
// [g_1 .. g_n]/n (Sigma_delta = Lsigma Lsigma') so that a batch of
// replications is one product c E per grid point, E the n x batch matrix of
// multipliers, and W* = n |column of c E|^2. Tests hold the two equal to
// 1e-9 relative. LinearitySetup, Replicate and Test expose the steps, so
// that replications can be computed in slices elsewhere (a cluster task, a
// benchmark); LinearitySetup.Work encodes, per grid point, theta and
// Lsigma^-1 R (G2'W2G2)^-1 G2'W2, from which FastSetup rebuilds c in
// another process without the setup's covariances and factorisations.
//
// # Full bootstrap
//
// Spec.Bootstrap = BootstrapWild re-estimates instead (WildBootstrap): with
// beta0 the two-step estimate of the linear model and de_i its differenced
// residuals, replication b sets dy*_i = dx_i beta0 + eta_i de_i, eta_i ~
// N(0,1) per unit from its own stream, holds regressors, instruments and
// grid fixed, and recomputes supW* as the statistic is computed. Its
// Reference path runs LinearitySetup on each replication's data; Fast
// reuses G2(gamma) and the first step per grid point and solves with
// Cholesky factors; tests hold the two equal to 1e-9 relative.
package dynthreshold
