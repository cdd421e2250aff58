package main

import (
	"context"
	"errors"
	"io"
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
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGPIPE:
		return "SIGPIPE"
	}
	return sig.String()
}

// notifyContext returns a context cancelled, with a signalCause, by the
// first SIGINT, SIGTERM or SIGHUP (a closed terminal); a second one calls
// exit at once with the signal's exit code. stop restores the default
// handling.
func notifyContext(parent context.Context, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
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

// pipeWriter writes to a standard stream through a duplicate of its file
// descriptor and cancels a command's context, as SIGPIPE would end it, when
// the stream's reader has gone (`thresher ... 2>&1 | head -1`). The Go
// runtime kills a process whose write to descriptor 1 or 2 meets a broken
// pipe, before any cleanup (an in-process run's temporary directory); a
// write to the duplicate returns EPIPE instead.
type pipeWriter struct {
	f      *os.File
	cancel context.CancelCauseFunc
}

// stopOnBrokenPipe returns the writer of the standard stream f whose
// broken pipe calls cancel with SIGPIPE's signalCause, or f itself when its
// descriptor cannot be duplicated.
func stopOnBrokenPipe(f *os.File, cancel context.CancelCauseFunc) io.Writer {
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return f
	}
	syscall.CloseOnExec(fd)
	return &pipeWriter{os.NewFile(uintptr(fd), f.Name()), cancel}
}

func (w *pipeWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		w.cancel(signalCause{syscall.SIGPIPE})
	}
	return n, err
}
