package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/internal/ctxio"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// montecarloEntry is a Monte Carlo study in a sweep file: its only option
// is spec, the study file, which load reads before specification is
// called.
type montecarloEntry struct {
	path string
	raw  []byte
}

func (m *montecarloEntry) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "spec", "", "study file of 'thresher montecarlo'")
}

// load reads the study file, resolved against the directory of the sweep
// file at sweepPath, stopping when ctx ends.
func (m *montecarloEntry) load(ctx context.Context, sweepPath string) error {
	if m.path == "" {
		return fmt.Errorf("%w: a montecarlo entry needs spec, its study file", errUsage)
	}
	m.path = sweepDataPath(sweepPath, m.path)
	raw, err := ctxio.ReadFile(ctx, m.path, maxSpecBytes)
	if err != nil {
		return err
	}
	m.raw = raw
	return nil
}

// specification converts the study file that load read into the job's
// specification.
func (m *montecarloEntry) specification(label string) (*pb.Specification, error) {
	file, err := parseStudy(m.raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUsage, m.path, err)
	}
	if file.data != "" {
		return nil, fmt.Errorf("%w: %s: data: a study in a sweep reads the sweep's data", errUsage, m.path)
	}
	return &pb.Specification{Label: label, Kind: montecarlo.KindName, Spec: file.study.Encode()}, nil
}
