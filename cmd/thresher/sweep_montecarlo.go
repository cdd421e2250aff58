package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/thresher/thresher/estimators/montecarlo"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// montecarloEntry is a Monte Carlo study in a sweep file: its only option
// is spec, the study file (resolved against the sweep file's directory
// before specification is called).
type montecarloEntry struct {
	path string
}

func (m *montecarloEntry) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "spec", "", "study file of 'thresher montecarlo'")
}

// specification reads the study file into the job's specification.
func (m *montecarloEntry) specification(label string) (*pb.Specification, error) {
	if m.path == "" {
		return nil, fmt.Errorf("%w: a montecarlo entry needs spec, its study file", errUsage)
	}
	raw, err := os.ReadFile(m.path)
	if err != nil {
		return nil, err
	}
	file, err := parseStudy(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUsage, m.path, err)
	}
	if file.data != "" {
		return nil, fmt.Errorf("%w: %s: data: a study in a sweep reads the sweep's data", errUsage, m.path)
	}
	return &pb.Specification{Label: label, Kind: montecarlo.KindName, Spec: file.study.Encode()}, nil
}
