// Package montecarlo runs Monte Carlo studies of the panel threshold model
// as one model kind (package model): a Study names data-generating designs
// (package dgp), xthreg configurations (Estimator), a number of
// replications and a seed; the result is a Summary.
//
// # Replications
//
// Every design's replications are one task family whose slots are the
// values of fixed-length records, one record per replication
// (record.go's layout); a task computes whole records. Replication r of
// design d draws its panel from the stream of (seed, dgp, d, r) inside the
// worker and runs every estimator on it with its bootstrap, in one
// goroutine, with threshold.Prepare and Problem.Estimate (lean: without the
// post-estimation statistics a record does not keep); estimators that
// differ only in the bootstrap kind share one prepared problem
// (Problem.WithBootstrap). The bootstrap's seed is drawn from the stream
// of (seed, BootstrapSeeds, d, r), so that the estimators of one replication share their bootstrap draws and
// replications do not. A record depends only on the study and (d, r):
// records are checkpointed like any family's values, and the summary is
// byte-identical for any number of workers and across failures. The
// coordinator receives records, never the simulated panels.
//
// # Summary
//
// Per design, estimator and stage k (the test of k against k-1
// thresholds): rejection rates at 10, 5 and 1% (p-value below the level)
// with Monte Carlo standard errors sqrt(r(1-r)/R); mean and quantiles
// (type 7) of F and of the bootstrap critical values; the
// Kolmogorov-Smirnov distance of the p-values from the uniform when the
// stage's null is true (the design has at most k-1 thresholds); at the
// stage whose k is the true number of thresholds, the coverage of each
// true threshold by its LR interval [lower, upper] and the bias and mean
// absolute error of the thresholds and regime slopes; per estimator, the
// frequencies of the number of thresholds the sequential tests select at
// 5%. docs/montecarlo.md documents every statistic.
package montecarlo
