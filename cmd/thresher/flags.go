package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/thresher/thresher/internal/outfile"
)

// errUsage marks command-line mistakes; main exits with status 2 on them.
var errUsage = errors.New("usage")

// The environment rule: a flag of command C reads THRESHER_<C>_<FLAG>
// (--id of `thresher worker` reads THRESHER_WORKER_ID, --units of
// `thresher simulate threshold` THRESHER_SIMULATE_THRESHOLD_UNITS), and
// then the bare THRESHER_<FLAG> (--bs reads THRESHER_BS), unless the flag's
// name means different things in different commands: those, listed in
// commandScoped, read only their command's variable, so that
// THRESHER_ID=workername does not name xthreg's unit column.

// commandScoped lists the flag names that mean different things in
// different commands (TestEnvironmentScopes keeps it complete).
var commandScoped = map[string]bool{
	"id":              true, // the unit column (xthreg, xthenreg), the worker's id (worker)
	"listen":          true, // etcd's client address, a coordinator's or worker's gRPC address
	"prefix":          true, // a plot's file name prefix, the cluster's etcd prefix
	"seed":            true, // bootstrap streams, a data-generating process
	"out":             true, // the output directories of paper, simulate and plot
	"spec":            true, // a sweep file, the paper's YAML specification
	"bootstrap":       true, // xthreg's bootstrap scheme, xthenreg's linearity bootstrap
	"trim":            true, // xthreg's per-threshold trimming, xthenreg's share of q left out
	"grid":            true, // xthreg's candidate grid, xthenreg's equally spaced points
	"retention":       true, // a coordinator's default, one job's (clients)
	"defrag-interval": true, // etcd's own defragmentation, a coordinator's of an external etcd
}

// envToken turns a command or flag name into its part of a variable name.
func envToken(name string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(name))
}

// envNames returns the environment variables that back a flag of command,
// in the order they are read: THRESHER_<COMMAND>_<FLAG>, then the bare
// THRESHER_<FLAG> unless the flag's name is command-scoped.
func envNames(command, flagName string) []string {
	names := []string{"THRESHER_" + envToken(command) + "_" + envToken(flagName)}
	if !commandScoped[flagName] {
		names = append(names, "THRESHER_"+envToken(flagName))
	}
	return names
}

// newFlagSet returns a flag set whose usage lists every flag with its
// environment variable.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: thresher %s [flags]\n\n%s\n\nFlags (each also read from the environment variables shown, the first set wins):\n", name, synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s  [%s]\n      %s%s\n", f.Name, strings.Join(envNames(name, f.Name), " or "), f.Usage, def)
		})
	}
	return fs
}

// singleDash finds the flag names that package flag's errors print with
// one dash, e.g. "invalid value "x" for flag -bs".
var singleDash = regexp.MustCompile(`(flag|for|defined:|argument:) -([^-])`)

// parseFlags parses args, then fills every flag not given on the command
// line from its environment variables (envNames). Command-line flags win.
// An error is a one-line usage error naming the flag as --name; the full
// usage is printed for --help only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	positional, err := parseFlagsAndArgs(fs, args)
	if err == nil && len(positional) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, positional[0])
	}
	return err
}

// parseFlagsAndArgs is parseFlags for a command that takes arguments
// besides its flags, before, between or after them; it returns them.
func parseFlagsAndArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	var positional []string
	err := fs.Parse(args)
	for err == nil && fs.NArg() > 0 {
		positional = append(positional, fs.Arg(0))
		err = fs.Parse(fs.Args()[1:])
	}
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s", errUsage, singleDash.ReplaceAllString(err.Error(), "$1 --$2"))
	}
	return positional, fillFromEnv(fs)
}

// fillFromEnv sets every flag not given on the command line from its
// THRESHER_* environment variable.
func fillFromEnv(fs *flag.FlagSet) error {
	var err error
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		for _, env := range envNames(fs.Name(), f.Name) {
			v, ok := os.LookupEnv(env)
			if !ok {
				continue
			}
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%w: invalid value %q for %s (--%s): %v", errUsage, v, env, f.Name, e)
			}
			return
		}
	})
	return err
}

// checkOutput checks, before a job runs, that writeOutput can write path
// and that path is none of the inputs, which the result would replace.
func checkOutput(path string, inputs ...string) error {
	return checkOutputFlag("output", path, inputs...)
}

// checkOutputFlag is checkOutput for the file of the flag named flagName.
func checkOutputFlag(flagName, path string, inputs ...string) error {
	if path == "" || path == "-" {
		return nil
	}
	if err := outfile.Check(path); err != nil {
		return fmt.Errorf("%w: --%s %v", errUsage, flagName, err)
	}
	out, err := os.Stat(path)
	if err != nil {
		return nil // a new file is no input
	}
	for _, in := range inputs {
		if fi, err := os.Stat(in); err == nil && os.SameFile(out, fi) {
			return fmt.Errorf("%w: --%s %s is the input file %s; name another file", errUsage, flagName, path, in)
		}
	}
	return nil
}

// checkOutDir checks, before a job runs, that files can be written into
// dir, the value of the flag named by flagName.
func checkOutDir(flagName, dir string) error {
	if err := outfile.CheckDir(dir); err != nil {
		return fmt.Errorf("%w: --%s %v", errUsage, flagName, err)
	}
	return nil
}

// checkNewOutDir checks --flagName before a job runs: an existing directory
// that accepts files, or a new one whose parent exists (as the directory of
// an --output file must exist); the command creates only the last element.
func checkNewOutDir(flagName, dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := outfile.Check(dir); err != nil {
			return fmt.Errorf("%w: --%s %v", errUsage, flagName, err)
		}
		return nil
	}
	return checkOutDir(flagName, dir)
}

// writeOutput writes data to path with package outfile (a regular file is
// replaced atomically, a device, FIFO or link target written through), or
// to stdout when path is empty or "-".
func writeOutput(ctx context.Context, path string, stdout io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := outfile.Write(ctx, path, data, outfile.Perm); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
