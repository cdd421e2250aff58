package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/internal/ctxio"
)

// defaultMaxDatasetBytes is the largest dataset a client reads and a
// coordinator accepts by default (256 MiB).
const defaultMaxDatasetBytes = 256 << 20

// errTooLarge reports a dataset above --max-dataset-bytes.
var errTooLarge = errors.New("dataset too large")

// registerMaxDataset registers the client's --max-dataset-bytes.
func registerMaxDataset(fs *flag.FlagSet) *int {
	limit := defaultMaxDatasetBytes
	fs.Var(intValue{&limit, 1, math.MaxInt}, "max-dataset-bytes",
		"largest dataset to read, in bytes (a coordinator has its own limit, --max-dataset-bytes of 'thresher coordinator')")
	return &limit
}

// readData reads a CSV dataset of at most limit bytes and checks its format
// locally first, so that file-level errors name the file as they would
// without a cluster. The size is checked before parsing: from the file's
// metadata for a regular file, by reading at most limit+1 bytes from a pipe
// or a device. Opening, reading and checking stop when ctx ends.
func readData(ctx context.Context, path string, limit int) ([]byte, error) {
	f, err := ctxio.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	if info.Mode().IsRegular() && info.Size() > int64(limit) {
		return nil, fmt.Errorf("%s: %w: the file has %d bytes (%s), more than --max-dataset-bytes %d (%s); raise --max-dataset-bytes to read it",
			path, errTooLarge, info.Size(), megabytes(info.Size()), limit, megabytes(int64(limit)))
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read data: %w", err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: %w: reading stopped after more than --max-dataset-bytes %d (%s); raise --max-dataset-bytes to read it",
			path, errTooLarge, limit, megabytes(int64(limit)))
	}
	if err := interruptible(ctx, func() error {
		return panel.CheckCSV(ctxio.Reader(ctx, bytes.NewReader(data)))
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// megabytes writes a size in MB (10^6 bytes).
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
