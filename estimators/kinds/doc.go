// Package kinds lists the model kinds thresher ships: Builtin returns a
// registry of the threshold model and the mediation analysis. A process
// that runs jobs (the CLI, a coordinator, a worker) starts from it.
package kinds
