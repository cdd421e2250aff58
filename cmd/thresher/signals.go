package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig syscall.Signal }

func (s signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

// Is makes a cancellation by signal an instance of context.Canceled.
func (s signalCause) Is(target error) bool { return target == context.Canceled }

// exitCode is the shell's convention for a process ended by a signal.
func (s signalCause) exitCode() int { return 128 + int(s.sig) }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// notifyContext returns a context cancelled, with a signalCause, by the
// first SIGINT or SIGTERM; a second one calls exit at once with the
// signal's exit code. stop restores the default handling.
func notifyContext(parent context.Context, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(signalCause{s.(syscall.Signal)})
		case <-done:
			return
		}
		select {
		case s := <-ch:
			exit(signalCause{s.(syscall.Signal)}.exitCode())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptible runs f, which cannot check ctx (a parser, a model's
// preparation), and returns its error, or ctx's cause as soon as ctx ends;
// f then runs on unobserved until the interrupted command exits.
func interruptible(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
