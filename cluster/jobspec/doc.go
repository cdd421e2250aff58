// Package jobspec holds what the client and the coordinator share about a
// job's specifications: how messages name them (Label) and the estimate and
// bound of their work (Work, CheckWork), from the model kinds' own
// estimates (model.Costed), the same way on both sides; and how a refused
// specification whose fault lies in an option, not in the data, is marked
// on the wire (Refusal, IsOption), so that a client reports a usage
// mistake.
package jobspec
