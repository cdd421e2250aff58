package model

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/thresher/thresher/estimators/panel"
)

// PanicError is a panic raised by a kind's code (decoding, preparation,
// Lead or Execute) and recovered at the model boundary: the job that ran
// the code fails with its message instead of taking down the process, and
// a coordinator does not take the job up again after a restart.
type PanicError struct {
	// Where names the call that panicked, e.g. `kind "threshold": Lead`.
	Where string
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack, for logs.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error in %s: %v (a bug: please report it with the input)", e.Where, e.Value)
}

// recoverInto turns a panic in the calling function into a PanicError in
// *err; it must be deferred directly.
func recoverInto(err *error, where string) {
	if v := recover(); v != nil {
		*err = &PanicError{Where: where, Value: v, Stack: debug.Stack()}
	}
}

// Prepare prepares a specification of the named kind on a table, as
// spec.Prepare, with a panic in the kind's code returned as a PanicError;
// the model it returns turns panics in Lead and Execute into PanicErrors
// too. Panics in goroutines that the kind's code starts itself are not
// recovered: a kind that starts goroutines recovers in them.
func Prepare(kind string, spec Spec, t *panel.Table) (m Model, err error) {
	defer recoverInto(&err, fmt.Sprintf("kind %q: Prepare", kind))
	m, err = spec.Prepare(t)
	if err != nil {
		return nil, err
	}
	return guarded{kind: kind, m: m}, nil
}

// guarded is a Model whose panics are errors.
type guarded struct {
	kind string
	m    Model
}

func (g guarded) Lead(ctx context.Context, r Runner) (result []byte, err error) {
	defer recoverInto(&err, fmt.Sprintf("kind %q: Lead", g.kind))
	return g.m.Lead(ctx, r)
}

func (g guarded) Execute(ctx context.Context, t Task) (values []float64, err error) {
	defer recoverInto(&err, fmt.Sprintf("kind %q: Execute of a %q task", g.kind, t.Family))
	return g.m.Execute(ctx, t)
}
