// Package model is the contract between a kind of model (a threshold model,
// a mediation analysis, ...) and the machinery that runs it: the CLI, the
// coordinator and the workers. Neither the coordinator nor a worker knows
// what a model computes; a kind registers once in a Registry and provides:
//
//   - Kind: its name, the decoding and validation of its specification
//     (one canonical, versioned JSON encoding that flags, sweep files and
//     the wire all carry), and the text report of a result;
//   - Spec: the canonical bytes of a decoded specification, and its
//     preparation on a dataset (validation against the data, the
//     precomputations every task shares) into a Model;
//   - Model: the kind's procedure on the leader (Lead), which asks a Runner
//     for task families: N values computed by tasks over ranges of slots
//     and returned in slot order; and the computation of one task's values
//     on a worker (Execute);
//   - optionally Costed, on its Spec: an estimate of the model's work on a
//     dataset of a given size, which the client and the coordinator sum
//     over a job's specifications and bound (--max-work) before any work;
//   - optionally Schemed, on its Spec: the columns its preparation reads and
//     how, so that the dataset is read with panel.ReadSchema (only those
//     columns, parsed, no text) instead of as the text of every column.
//
// A panic in a kind's code is a bug, but it must not take a coordinator or
// a worker down with every other job (nor crash-loop a coordinator that
// takes the job up again after a restart): Registry.Decode, Prepare and the
// Model that Prepare returns recover it at this boundary as a PanicError,
// and the job fails with its message.
//
// A task's values must depend only on the specification, the dataset, the
// family's work and the slot numbers, never on how the slots are split into
// tasks or which worker computes them: that is what makes results
// byte-identical for any number of workers and across failures.
package model
