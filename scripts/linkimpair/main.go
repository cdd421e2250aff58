//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

// run returns the exit status: 2 for a usage mistake, 1 when the interface
// cannot be created or a packet cannot be read or written.
func run() int {
	flags := flag.NewFlagSet("linkimpair", flag.ExitOnError)
	name := flags.String("dev", "tun0", "name of the TUN interface to create")
	var im impairment
	flags.DurationVar(&im.delay, "delay", 200*time.Millisecond, "delay of every forwarded packet")
	flags.Float64Var(&im.loss, "loss", 0.05, "share of the packets dropped, from 0 to 1")
	flags.Uint64Var(&im.seed, "seed", 1, "seed of the generator that picks the dropped packets")
	flags.IntVar(&im.limit, "limit", 1000, "packets held at once; one more is dropped (as netem's limit)")
	_ = flags.Parse(os.Args[1:]) // ExitOnError: exits 2 itself
	if flags.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "linkimpair: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return 2
	}
	if err := im.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "linkimpair: %v\n", err)
		return 2
	}
	dev, err := openTUN(*name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "linkimpair: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "linkimpair: %s ready: delay %v, loss %g, seed %d, limit %d\n",
		*name, im.delay, im.loss, im.seed, im.limit)
	var c counts
	err = impair(ctx, dev, im, &c)
	fmt.Fprintf(os.Stderr, "linkimpair: %s: %s\n", *name, c.String())
	if err != nil {
		fmt.Fprintf(os.Stderr, "linkimpair: %s: %v\n", *name, err)
		return 1
	}
	return 0
}
