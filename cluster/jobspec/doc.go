// Package jobspec holds what the client and the coordinator share about a
// job's specifications: how messages name them (Label) and the estimate and
// bound of their work (Work, CheckWork), from the model kinds' own
// estimates (model.Costed), the same way on both sides.
package jobspec
