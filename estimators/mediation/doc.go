// Package mediation runs the Baron and Kenny (1986) causal-steps mediation
// analysis of the applied paper (its eqs. (1)-(3) and Table 5) with two-way
// fixed effects, Sobel-type tests and a unit-cluster bootstrap of the
// indirect effect.
//
// # Equations
//
// With outcome Y, treatment X, mediator M and controls C, each equation is
// fitted by package twfe (unit fixed effects by the within transformation,
// optional period dummies, Stata's xtreg, fe vce(cluster unit) errors):
//
//	(1)  Y = c X  + C'g1 + a_i + d_t + e      total effect c
//	(2)  M = a X  + C'g2 + a_i + d_t + e      effect of X on M
//	(3)  Y = c'X + b M + C'g3 + a_i + d_t + e direct effect c', effect b of M
//
// The indirect effect is a*b. On a common sample least squares gives
// c = c' + a*b exactly.
//
// # Tests of the indirect effect
//
// The standard errors s_a and s_b are the unit-clustered ones of a in (2) and
// b in (3) (twfe.Coefficient.SECluster). With z = a b / se:
//
//	Sobel (1982)     se^2 = b^2 s_a^2 + a^2 s_b^2
//	Aroian (1947)    se^2 = b^2 s_a^2 + a^2 s_b^2 + s_a^2 s_b^2
//	Goodman (1960)   se^2 = b^2 s_a^2 + a^2 s_b^2 - s_a^2 s_b^2
//
// and the two-sided normal p-value 2 Phi(-|z|). A test whose se^2 is not
// positive (Goodman's can be negative) is reported as undefined: null
// se, z and p with a note.
//
// # Bootstrap
//
// Replication r draws n units with replacement (n = units in the sample)
// from its own stream, stream.New(Seed, stream.MediationBootstrap, 1, r),
// as n successive IntN(n) draws. Each drawn unit enters with all its rows as
// a new unit, so a unit drawn twice gives two units, two sets of fixed
// effects and two clusters. Equations (2) and (3) are refitted on the
// resample and the replication returns a* b*. If either refit fails (a
// regressor collinear or constant within units in the resample, no residual
// degrees of freedom, a zero standard error), the replication discards that
// resample and draws the next n units from the same stream, up to MaxDraws
// resamples; beyond that Bootstrap fails with ErrBootstrap. A replication's
// value therefore depends only on the data, the specification and (Seed, r),
// never on the range of replications a call computes or on their order.
//
// # Intervals
//
// For B draws sorted as x_(1) <= ... <= x_(B), the quantile at probability
// p is the order statistic
//
//	Q(p) = x_(k),  k = ceil(p B - 1e-9) clamped to 1..B
//
// (the inverse of the empirical distribution function, Hyndman and Fan's
// type 1; the 1e-9 absorbs the binary rounding of p B when it is an
// integer). With alpha = 1 - level and z = Phi^{-1}(1 - alpha/2):
//
//	percentile       [Q(alpha/2), Q(1 - alpha/2)]
//	bias-corrected   z0 = Phi^{-1}(#{x_r < estimate} / B),
//	                 [Q(Phi(2 z0 - z)), Q(Phi(2 z0 + z))]   (Efron 1982)
//
// When every draw lies on one side of the estimate (none below, or all
// below), z0 is infinite and the bias-corrected interval is reported as
// undefined with a note. The bootstrap standard error is the standard
// deviation of the draws with divisor B - 1.
package mediation
