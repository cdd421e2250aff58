package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"unicode/utf8"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/internal/ctxio"
)

// defaultMaxDatasetBytes is the largest dataset a client reads and a
// coordinator accepts by default (256 MiB).
const defaultMaxDatasetBytes = 256 << 20

// maxSpecBytes bounds a specification file (sweep, study or paper YAML)
// and the etcd password file,
// and maxResultBytes a result that plot reads: reading a device or a FIFO
// by mistake ends there (package ctxio).
const (
	maxSpecBytes   = 4 << 20
	maxResultBytes = 256 << 20
)

// errTooLarge reports a dataset above --max-dataset-bytes.
var errTooLarge = errors.New("dataset too large")

// registerMaxDataset registers the client's --max-dataset-bytes.
func registerMaxDataset(fs *flag.FlagSet) *int {
	limit := defaultMaxDatasetBytes
	fs.Var(intValue{&limit, 1, math.MaxInt}, "max-dataset-bytes",
		"largest dataset to read, in bytes (a coordinator has its own limit, --max-dataset-bytes of 'thresher coordinator')")
	return &limit
}

// dataset is a checked CSV dataset. A regular file is read again from disk
// for its upload, never held whole in memory; the bytes of a pipe or a
// device, which cannot be read twice, are kept.
type dataset struct {
	path string
	size int64
	rows int    // data rows, at most (see rowCounter)
	data []byte // the bytes of a dataset that is not a regular file
}

// bytesDataset is a dataset built in memory.
func bytesDataset(data []byte) *dataset {
	var rc rowCounter
	rc.Write(data)
	return &dataset{size: int64(len(data)), rows: rc.rows(), data: data}
}

// open returns the dataset's bytes for one upload.
func (d *dataset) open() (io.ReadCloser, error) {
	if d.data != nil || d.path == "" {
		return io.NopCloser(bytes.NewReader(d.data)), nil
	}
	f, err := os.Open(d.path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, d.size), f}, nil
}

// readData checks a CSV dataset of at most limit bytes locally, so that
// file-level errors name the file as they would without a cluster. The
// size is checked before parsing: from the file's metadata for a regular
// file, by reading at most limit+1 bytes from a pipe or a device. A
// regular file is checked as a stream, in constant memory. With a schema
// (the columns the job's specifications use, model.SchemaOf), a column the
// header lacks is refused from the header, before any row is read. Opening,
// reading and checking stop when ctx ends.
func readData(ctx context.Context, path string, limit int, schema panel.Schema) (*dataset, error) {
	f, err := ctxio.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	d := &dataset{path: path}
	var src io.Reader
	if info.Mode().IsRegular() {
		if info.Size() > int64(limit) {
			return nil, fmt.Errorf("%s: %w: the file has %d bytes (%s), more than --max-dataset-bytes %d (%s); raise --max-dataset-bytes to read it",
				path, errTooLarge, info.Size(), megabytes(info.Size()), limit, megabytes(int64(limit)))
		}
		d.size, src = info.Size(), io.LimitReader(f, info.Size())
	} else {
		d.data, err = ctxio.ReadAtMost(&textPrefix{r: f}, int64(limit))
		if errors.Is(err, ctxio.ErrTooLarge) {
			return nil, fmt.Errorf("%s: %w: reading stopped after more than --max-dataset-bytes %d (%s); raise --max-dataset-bytes to read it",
				path, errTooLarge, limit, megabytes(int64(limit)))
		} else if errors.Is(err, errNotText) {
			return nil, fmt.Errorf("%s: %w", path, err)
		} else if err != nil {
			return nil, fmt.Errorf("read data: %w", err)
		}
		d.size, src = int64(len(d.data)), bytes.NewReader(d.data)
	}
	if schema != nil {
		if src, err = checkHeader(src, schema); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	var rc rowCounter
	if err := interruptible(ctx, func() error {
		return panel.CheckCSV(ctxio.Reader(ctx, io.TeeReader(src, &rc)))
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.rows = rc.rows()
	return d, nil
}

// checkHeader reads the header line of the CSV text of src and refuses a
// column of schema it lacks (panel.ErrUnknownColumn): panel.ReadCSV, given
// the header alone and the columns to keep, decides from it, where the
// check of the whole file (80 rows of 10^6 columns) took 34 s to get to
// the job's error. Any other error of the header is left to the check of
// the whole text. It returns a reader of the whole text.
func checkHeader(src io.Reader, schema panel.Schema) (io.Reader, error) {
	br := bufio.NewReaderSize(src, 1<<16)
	header, err := br.ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read data: %w", err)
	}
	if _, err := panel.ReadCSV(bytes.NewReader(header), slices.Sorted(maps.Keys(schema))...); errors.Is(err, panel.ErrUnknownColumn) {
		return nil, err
	}
	return io.MultiReader(bytes.NewReader(header), br), nil
}

// errNotText reports input that is not UTF-8 text, such as a device.
var errNotText = errors.New("not a CSV text file")

// textPrefixBytes is how much of a pipe or device textPrefix checks.
const textPrefixBytes = 64 << 10

// textPrefix passes r through and checks its first textPrefixBytes as they
// arrive: a NUL byte or bytes that are not UTF-8, which no CSV text holds,
// end the read at once (/dev/zero, /dev/urandom), before a pipe or device
// is read up to --max-dataset-bytes for the CSV check.
type textPrefix struct {
	r    io.Reader
	seen []byte // the prefix read so far, up to textPrefixBytes
}

func (t *textPrefix) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if len(t.seen) < textPrefixBytes && n > 0 {
		start := len(t.seen)
		t.seen = append(t.seen, p[:min(n, textPrefixBytes-start)]...)
		if i := bytes.IndexByte(t.seen[start:], 0); i >= 0 {
			return 0, fmt.Errorf("%w: a NUL byte at byte %d", errNotText, start+i+1)
		}
		// A rune may continue in the next read: check up to the last
		// rune start, whole runes only.
		valid := t.seen
		if len(valid) < textPrefixBytes {
			cut := len(valid)
			for k := 0; k < utf8.UTFMax && cut > 0; k++ {
				cut--
				if utf8.RuneStart(valid[cut]) {
					break
				}
			}
			valid = valid[:cut]
		}
		if !utf8.Valid(valid) {
			return 0, fmt.Errorf("%w: bytes that are not UTF-8 in its first %d bytes", errNotText, len(t.seen))
		}
	}
	return n, err
}

// rowCounter counts the data rows of the CSV text written to it, at most:
// its lines after the header (a quoted field may span lines).
type rowCounter struct {
	lines int
	last  byte
}

func (c *rowCounter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.lines += bytes.Count(p, []byte{'\n'})
		c.last = p[len(p)-1]
	}
	return len(p), nil
}

func (c *rowCounter) rows() int {
	lines := c.lines
	if c.last != 0 && c.last != '\n' {
		lines++
	}
	return max(lines-1, 0)
}

// megabytes writes a size in MB (10^6 bytes).
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// memoryPerDatasetByte is the in-process run's soft memory limit per byte
// of its dataset (README, "Memory"): the live heap of a large dataset's run
// peaks at about 2.5 times its size (the parsed columns beside the
// estimation sample, briefly), and without a limit the collector lets
// garbage grow to as much again as the live heap before it runs. With the
// binary and the embedded etcd the resident set stays under 3 times the
// size (scripts/bench-memory.sh).
const memoryPerDatasetByte = 2.5

// limitMemory sets the Go runtime's soft memory limit of an in-process run
// on a dataset of size bytes to memoryPerDatasetByte times its size, but
// never below 256 MiB and never when GOMEMLIMIT chooses one. The limit is
// soft: a run whose live heap needs more gets it, with more frequent
// collections.
func limitMemory(size int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(max(256<<20, int64(memoryPerDatasetByte*float64(size))))
}
