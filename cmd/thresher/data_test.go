package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thresher/thresher/internal/clustertest"
)

// TestDatasetTooLarge runs the binary on a 273 MB (sparse) file: it is
// refused from its size, before any parsing, within the 1 s, with
// the size and the flag to raise in the message.
func TestDatasetTooLarge(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(273_000_000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bin := clustertest.Binary(t)
	start := time.Now()
	p := clustertest.Start(t, "xthreg", bin, nil, "xthreg", "--data", big, "--depvar", "i", "--rx", "c", "--qx", "d")
	err = p.Wait(10 * time.Second)
	elapsed := time.Since(start)
	if code := p.Cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d (%v): %s", code, err, p.Output())
	}
	if msg := p.Output(); !strings.Contains(msg, "273000000 bytes (273.0 MB), more than --max-dataset-bytes 268435456") {
		t.Errorf("message %q", msg)
	}
	if elapsed > time.Second {
		t.Errorf("refused after %v, want within 1 s", elapsed)
	}
}

// TestDatasetLimit checks --max-dataset-bytes on regular files, a device
// and a FIFO (read up to the limit + 1 byte, then refused), and its range.
func TestDatasetLimit(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.csv")
	if err := os.WriteFile(small, []byte("id,t\n1\n"), 0o644); err != nil { // 7 bytes, a ragged row
		t.Fatal(err)
	}
	sweep := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(sweep, []byte("specs:\n  - {depvar: i, rx: [c], qx: d}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() { // the writer of the FIFO: more than the limit, then EOF
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Write([]byte(strings.Repeat("id,t\n", 1000)))
			w.Close()
		}
	}()
	xthreg := func(data string, extra ...string) []string {
		return append([]string{"xthreg", "--data", data, "--depvar", "i", "--rx", "c", "--qx", "d"}, extra...)
	}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"regular file above the limit", xthreg(small, "--max-dataset-bytes", "6"), 1, "the file has 7 bytes (0.0 MB), more than --max-dataset-bytes 6"},
		{"regular file at the limit", xthreg(small, "--max-dataset-bytes", "7"), 1, `small.csv: unknown column "c"`},
		{"device", xthreg("/dev/zero", "--max-dataset-bytes", "1000000"), 1, "/dev/zero: not a CSV text file: a NUL byte at byte 1"},
		{"FIFO", xthreg(fifo, "--max-dataset-bytes", "1000"), 1, "reading stopped after more than --max-dataset-bytes 1000"},
		{"sweep", []string{"sweep", "--spec", sweep, "--data", small, "--max-dataset-bytes", "6"}, 1, "more than --max-dataset-bytes 6"},
		{"paper", []string{"paper", "--data", small, "--out", dir, "--max-dataset-bytes", "6"}, 1, "more than --max-dataset-bytes 6"},
		{"zero limit", xthreg(small, "--max-dataset-bytes", "0"), 2, `invalid value "0" for flag --max-dataset-bytes: 0 is outside 1..`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, stderr, c.code, c.msg)
		}
	}
}

// TestReadDataStreams checks that a regular file is checked and uploaded as
// a stream, never held in memory (a client with a raised
// --max-dataset-bytes held the file and two copies of it), while a pipe's
// bytes, which cannot be read twice, are kept.
func TestReadDataStreams(t *testing.T) {
	dir := t.TempDir()
	text := "id,t,x\n" + strings.Repeat("1,2,3\n", 100_000)
	file := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Write([]byte(text))
			w.Close()
		}
	}()
	for _, c := range []struct {
		path string
		held bool
	}{{file, false}, {fifo, true}} {
		d, err := readData(context.Background(), c.path, len(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		if (d.data != nil) != c.held || d.size != int64(len(text)) || d.rows != 100_000 {
			t.Errorf("%s: held %v, %d bytes, %d rows; want held %v, %d bytes, 100000 rows",
				c.path, d.data != nil, d.size, d.rows, c.held, len(text))
		}
		for range 2 { // an upload retried on another coordinator reads it again
			r, err := d.open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || string(got) != text {
				t.Errorf("%s: upload read %d bytes (%v), want the %d of the file", c.path, len(got), err, len(text))
			}
		}
	}
}
