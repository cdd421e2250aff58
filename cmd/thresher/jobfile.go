package main

import (
	"context"
	"flag"
	"fmt"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// jobFlags are the flags of the commands that run a job on a dataset
// (xthreg, xthenreg, sweep, montecarlo): the data, the report's format and
// file, the in-process cluster's flags and a remote cluster's.
type jobFlags struct {
	data, format, output string
	local                localFlags
	maxData              *int
	remote               remoteFlags
}

// register adds the flags to fs: data says what --data names, formats
// lists the values of --format that checkFormat accepts.
func (f *jobFlags) register(fs *flag.FlagSet, data, formats string, checkFormat func(string) error) {
	fs.StringVar(&f.data, "data", "", data)
	f.format = "text"
	fs.Var(choiceValue{&f.format, checkFormat}, "format", "output format: "+formats)
	fs.StringVar(&f.output, "output", "", "write the report to this file instead of stdout")
	f.local.register(fs)
	f.maxData = registerMaxDataset(fs)
	f.remote.register(fs)
}

// parseWithData parses args into the flags and checks that --data is
// given, for the commands that require it.
func (f *jobFlags) parseWithData(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.data == "" {
		return fmt.Errorf("%w: --data is required", errUsage)
	}
	return nil
}

// placeholderData is the dataset of a job without data (a study without
// resample designs): the job needs one, and its models ignore it.
var placeholderData = []byte("placeholder\n0\n")

// dataset reads the CSV of --data, or returns the placeholder without one.
func (f *jobFlags) dataset(ctx context.Context) (*dataset, error) {
	if f.data == "" {
		return bytesDataset(placeholderData), nil
	}
	return readData(ctx, f.data, *f.maxData)
}

// run reads the dataset and runs a job of specs on it, on the cluster the
// flags say; it returns the dataset too.
func (f *jobFlags) run(ctx context.Context, specs []*pb.Specification, progress *progressLog) (*dataset, [][]byte, error) {
	data, err := f.dataset(ctx)
	if err != nil {
		return nil, nil, err
	}
	results, err := runJob(ctx, &f.remote, f.local, data, specs, progress)
	return data, results, err
}

// jobFileFlags are the flags of the commands that run the job a file
// describes, sweep and montecarlo: the file and jobFlags.
type jobFileFlags struct {
	spec string
	jobFlags
}

// register adds the flags to fs: file says what --spec names, and the
// rest is jobFlags.register's.
func (f *jobFileFlags) register(fs *flag.FlagSet, file, data, formats string, checkFormat func(string) error) {
	fs.StringVar(&f.spec, "spec", "", file+" (required)")
	f.jobFlags.register(fs, data, formats, checkFormat)
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
