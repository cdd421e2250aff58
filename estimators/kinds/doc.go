// Package kinds lists the model kinds thresher ships: Builtin returns a
// registry of the threshold model, the mediation analysis, the dynamic
// threshold model and the Monte Carlo study. A process that runs jobs (the
// CLI, a coordinator, a worker) starts from it.
package kinds
