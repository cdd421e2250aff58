package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/thresher/thresher/internal/outfile"
)

// errUsage marks command-line mistakes; main exits with status 2 on them.
var errUsage = errors.New("usage")

// envName returns the environment variable that backs a flag:
// --metrics-listen reads THRESHER_METRICS_LISTEN.
func envName(flagName string) string {
	return "THRESHER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage lists every flag with its
// environment variable.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: thresher %s [flags]\n\n%s\n\nFlags (each also read from the environment variable shown):\n", name, synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(stderr, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// parseFlags parses args, then fills every flag not given on the command
// line from its THRESHER_* environment variable. Command-line flags win.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%w: %s=%q: %v", errUsage, envName(f.Name), v, e)
			}
		}
	})
	return err
}

// listFlag is a comma-separated list of strings.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// floatsFlag is a comma- or space-separated list of numbers.
type floatsFlag []float64

func (l *floatsFlag) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (l *floatsFlag) Set(s string) error {
	*l = nil
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		*l = append(*l, v)
	}
	return nil
}

// intsFlag is a comma- or space-separated list of integers.
type intsFlag []int

func (l *intsFlag) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intsFlag) Set(s string) error {
	*l = nil
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.Atoi(part)
		if err != nil {
			return fmt.Errorf("%q is not an integer", part)
		}
		*l = append(*l, v)
	}
	return nil
}

// checkOutput checks, before a job runs, that writeOutput can write path.
func checkOutput(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if err := outfile.Check(path); err != nil {
		return fmt.Errorf("%w: --output %v", errUsage, err)
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
