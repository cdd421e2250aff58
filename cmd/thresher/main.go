package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/thresher/thresher/internal/shortlist"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"xthreg", "estimate a panel threshold model and bootstrap its tests", runXthreg},
		{"xthenreg", "estimate a dynamic panel threshold model (Seo-Shin GMM) and test linearity", runXthenreg},
		{"sweep", "run several threshold models on one dataset as one job", runSweep},
		{"montecarlo", "run a Monte Carlo study of the threshold tests as one job", runMontecarlo},
		{"paper", "run the applied paper's workflow: Tables 2-6 and figures", runPaper},
		{"simulate", "write a synthetic data set (provinces, threshold)", runSimulate},
		{"plot", "draw the LR curves and bootstrap distributions of a saved result", runPlot},
		{"bench", "time the fast and the reference kernel on a named scenario", runBench},
		{"jobs", "list, read again, follow, cancel or delete the jobs of a cluster", runJobs},
		{"etcd", "run a standalone embedded etcd for a local cluster", runEtcd},
		{"coordinator", "run a coordinator: job API, leader election, task scheduling", runCoordinator},
		{"worker", "run a worker that executes tasks", runWorker},
		{"certs", "create a development CA, certificates and a token for a cluster", runCerts},
		{"version", "print the version", runVersion},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	_, err := fmt.Fprintf(stdout, "thresher %s\n", version)
	return err
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "thresher: panel threshold models (Hansen 1999) at cluster scale.\n\nUsage: thresher <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'thresher <command> --help' for the flags of a command; 'thresher --version' prints the version.\n")
}

func main() {
	ctx, stop := notifyContext(context.Background(), os.Exit)
	ctx, cancel := context.WithCancelCause(ctx)
	code := run(ctx, os.Args[1:], stopOnBrokenPipe(os.Stdout, cancel), stopOnBrokenPipe(os.Stderr, cancel))
	cancel(nil)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and maps errors to exit codes: 0 success,
// 1 failure (bad data, failed job), 2 command-line mistake. A message is
// bounded in length (shortlist.Message), whatever input it echoes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var sig signalCause
		switch {
		case err == nil:
			return 0
		case errors.As(context.Cause(ctx), &sig):
			// Whatever failed, it failed because the user asked to stop.
			fmt.Fprintf(stderr, "thresher %s: %v\n", c.name, sig)
			return sig.exitCode()
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "thresher %s: %s\nRun 'thresher %s --help' for usage.\n", c.name, shortlist.Message(err.Error()), c.name)
			return 2
		default:
			fmt.Fprintf(stderr, "thresher %s: error: %s\n", c.name, shortlist.Message(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(stderr, "thresher: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}
