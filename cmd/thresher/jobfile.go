package main

import (
	"context"
	"flag"
	"fmt"
)

// jobFileFlags are the flags of the commands that run the job a file
// describes, sweep and montecarlo: the file, its data, the report's format
// and file, the in-process cluster's flags and a remote cluster's.
type jobFileFlags struct {
	spec, data, format, output string
	local                      localFlags
	maxDataset                 *int
	remote                     remoteFlags
}

// register adds the flags to fs: file says what --spec names, data what
// --data names, formats lists the values of --format that checkFormat
// accepts.
func (f *jobFileFlags) register(fs *flag.FlagSet, file, data, formats string, checkFormat func(string) error) {
	fs.StringVar(&f.spec, "spec", "", file+" (required)")
	fs.StringVar(&f.data, "data", "", data)
	f.format = "text"
	fs.Var(choiceValue{&f.format, checkFormat}, "format", "output format: "+formats)
	fs.StringVar(&f.output, "output", "", "write the report to this file instead of stdout")
	f.local.register(fs)
	f.maxDataset = registerMaxDataset(fs)
	f.remote.register(fs)
}

// parse parses args into the flags and checks, before any file is read,
// that --spec is given and that --output can be written.
func (f *jobFileFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.spec == "" {
		return fmt.Errorf("%w: --spec is required", errUsage)
	}
	return checkOutput(f.output)
}

// resolveData sets --data, when it is not given, to the data the file
// names (relative to the file), and checks that --output is neither the
// file nor the data.
func (f *jobFileFlags) resolveData(fileData string) error {
	if f.data == "" {
		f.data = sweepDataPath(f.spec, fileData)
	}
	return checkOutput(f.output, f.spec, f.data)
}

// placeholderData is the dataset of a job without data (a study without
// resample designs): the job needs one, and its models ignore it.
var placeholderData = []byte("placeholder\n0\n")

// dataset reads the CSV of --data, or returns the placeholder without one.
func (f *jobFileFlags) dataset(ctx context.Context) (*dataset, error) {
	if f.data == "" {
		return bytesDataset(placeholderData), nil
	}
	return readData(ctx, f.data, *f.maxDataset)
}
