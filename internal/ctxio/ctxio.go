package ctxio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// reader checks its context before every read.
type reader struct {
	ctx context.Context
	r   io.Reader
}

// Reader returns a reader of r that fails with ctx's cause once ctx ends.
// It checks ctx before each read, so a source that never ends (/dev/zero)
// or a parser that consumes r stops within one read; a read that blocks
// needs File.
func Reader(ctx context.Context, r io.Reader) io.Reader { return &reader{ctx, r} }

func (r *reader) Read(p []byte) (int, error) {
	if r.ctx.Err() != nil {
		return 0, context.Cause(r.ctx)
	}
	return r.r.Read(p)
}

// File is an open file whose reads end with ctx's cause once ctx ends,
// also a read that blocks on a pipe or FIFO.
type File struct {
	f    *os.File
	ctx  context.Context
	stop func() bool
}

// Open opens path for reading. It waits for open in another goroutine, so
// that a FIFO without a writer does not block past ctx; the file is closed
// when it opens after all.
func Open(ctx context.Context, path string) (*File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	var o opened
	select {
	case o = <-ch:
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, context.Cause(ctx)
	}
	if o.err != nil {
		return nil, o.err
	}
	f := &File{f: o.f, ctx: ctx}
	// Pipes and FIFOs are read through the runtime's poller: a deadline in
	// the past wakes a blocked read. Other files do not block.
	f.stop = context.AfterFunc(ctx, func() { o.f.SetReadDeadline(time.Now()) })
	return f, nil
}

// maxRead bounds one read, so that a device that fills any buffer at once
// (/dev/zero) is read in steps that each check the context.
const maxRead = 1 << 20

// Read reads like os.File.Read, at most maxRead bytes, failing with ctx's
// cause once ctx ends.
func (f *File) Read(p []byte) (int, error) {
	if f.ctx.Err() != nil {
		return 0, context.Cause(f.ctx)
	}
	n, err := f.f.Read(p[:min(len(p), maxRead)])
	if err != nil && f.ctx.Err() != nil {
		return n, context.Cause(f.ctx)
	}
	return n, err
}

// Stat returns the file's FileInfo.
func (f *File) Stat() (os.FileInfo, error) { return f.f.Stat() }

// Close closes the file.
func (f *File) Close() error {
	f.stop()
	return f.f.Close()
}

// ErrTooLarge reports a file larger than the limit of its reader.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the whole file at path, as os.ReadFile does, at most limit
// bytes, stopping when ctx ends. A regular file is refused from its size
// before any read, else read into a buffer of its size; a pipe or device
// is read in chunks of maxRead bytes, each checking ctx, and refused once
// it yields more than limit bytes. The error names path.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().IsRegular() {
		if fi.Size() > limit {
			return nil, fmt.Errorf("%s: %w: %d bytes, more than the %d this command reads", path, ErrTooLarge, fi.Size(), limit)
		}
		return readAll(io.LimitReader(f, fi.Size()), make([]byte, 0, fi.Size()+1))
	}
	data, err := ReadAtMost(f, limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, err
}

// ReadAtMost reads r to its end, failing with ErrTooLarge once it yields
// more than limit bytes. Memory grows in chunks of maxRead bytes, joined at
// the end, so that a source that never ends costs at most limit bytes.
func ReadAtMost(r io.Reader, limit int64) ([]byte, error) {
	var chunks [][]byte
	r = Limit(r, limit)
	for {
		chunk, err := readAll(io.LimitReader(r, maxRead), make([]byte, 0, maxRead+1))
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, chunk)
		if len(chunk) < maxRead {
			return bytes.Join(chunks, nil), nil
		}
	}
}

// limited is the reader of Limit.
type limited struct {
	r     io.Reader
	limit int64
	read  int64
}

// Limit returns a reader of r that fails with ErrTooLarge once r yields
// more than limit bytes, for a parser that reads a stream (a JSON decoder)
// and must tell a source that is too large from one that ends early.
func Limit(r io.Reader, limit int64) io.Reader { return &limited{r: r, limit: limit} }

func (l *limited) Read(p []byte) (int, error) {
	// One byte beyond the limit tells a source that ends at the limit from
	// a larger one.
	n, err := l.r.Read(p[:min(int64(len(p)), l.limit+1-l.read)])
	l.read += int64(n)
	if l.read > l.limit {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.limit)
	}
	return n, err
}

// readAll reads r to its end into buf, which grows only when r yields
// more than its capacity.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
