package ctxio_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/thresher/thresher/internal/ctxio"
)

var errStop = errors.New("stop")

// TestReadFileStops checks that ReadFile ends with the context's cause in
// each phase that can last forever: open of a FIFO without a writer, a read
// of a FIFO whose writer is silent, and /dev/zero.
func TestReadFileStops(t *testing.T) {
	fifo := func(t *testing.T, writer bool) string {
		path := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if writer {
			// O_RDWR opens a FIFO at once and keeps a writer that never writes.
			w, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
		}
		return path
	}
	cases := []struct {
		name string
		path func(*testing.T) string
	}{
		{"fifo without writer", func(t *testing.T) string { return fifo(t, false) }},
		{"fifo with a silent writer", func(t *testing.T) string { return fifo(t, true) }},
		{"endless device", func(*testing.T) string { return "/dev/zero" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			ctx, cancel := context.WithCancelCause(context.Background())
			time.AfterFunc(50*time.Millisecond, func() { cancel(errStop) })
			if _, err := ctxio.ReadFile(ctx, path, 1<<40); !errors.Is(err, errStop) {
				t.Errorf("ReadFile(%s) = %v, want the context's cause", path, err)
			}
		})
	}
}

// TestReadFileRegular checks that a regular file reads in full and that a
// missing one gives os.ReadFile's error.
func TestReadFileRegular(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.csv")
	want := "id,year,y\n1,2000,0.5\n"
	if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ctxio.ReadFile(context.Background(), path, 1<<20)
	if err != nil || string(got) != want {
		t.Errorf("ReadFile = %q, %v; want %q", got, err, want)
	}
	if _, err := ctxio.ReadFile(context.Background(), path+".missing", 1<<20); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReaderStops checks that a parser reading through Reader stops at its
// next read once the context ends.
func TestReaderStops(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer zero.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	r := ctxio.Reader(ctx, zero)
	buf := make([]byte, 16)
	if _, err := r.Read(buf); err != nil {
		t.Fatalf("read before cancel: %v", err)
	}
	cancel(errStop)
	if _, err := r.Read(buf); !errors.Is(err, errStop) {
		t.Errorf("read after cancel: %v, want the context's cause", err)
	}
}

// TestReadFileLimit checks that ReadFile refuses a regular file above its
// limit from its size and a device or pipe once it yields one byte more,
// and reads one at the limit in full.
func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	pipe := func(content string) string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		go func() { w.WriteString(content); w.Close() }()
		return fmt.Sprintf("/dev/fd/%d", r.Fd())
	}
	cases := []struct {
		name, path string
		limit      int64
		want       string // the content, or "" for ErrTooLarge
	}{
		{"regular at the limit", path, 10, "0123456789"},
		{"regular above the limit", path, 9, ""},
		{"device", "/dev/zero", 3 << 20, ""},
		{"pipe at the limit", pipe("abc"), 3, "abc"},
		{"pipe above the limit", pipe("abcd"), 3, ""},
	}
	for _, c := range cases {
		got, err := ctxio.ReadFile(context.Background(), c.path, c.limit)
		switch {
		case c.want == "" && !errors.Is(err, ctxio.ErrTooLarge):
			t.Errorf("%s: %d bytes, %v; want ErrTooLarge", c.name, len(got), err)
		case c.want != "" && (err != nil || string(got) != c.want):
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}
