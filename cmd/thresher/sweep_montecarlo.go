package main

import (
	"context"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/internal/ctxio"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// isMontecarloEntry says whether a sweep entry has "kind: montecarlo".
func isMontecarloEntry(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" && deref(n.Content[i+1]).Value == montecarlo.KindName {
			return true
		}
	}
	return false
}

// parseMontecarloEntry reads a montecarlo entry of a sweep file: its label
// and its study file as written; kind, label and spec are its only keys.
func parseMontecarloEntry(n *yaml.Node) (label, study string, err error) {
	err = eachKey(n, func(k, v *yaml.Node) error {
		switch k.Value {
		case "kind":
		case "label", "spec":
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: %s: want a single value", v.Line, k.Value)
			}
			if k.Value == "label" {
				label = v.Value
			} else {
				study = v.Value
			}
		default:
			return fmt.Errorf("line %d: unknown key %q of a montecarlo entry (want kind, label and spec, the study file)", k.Line, k.Value)
		}
		return nil
	})
	if err == nil && study == "" {
		err = fmt.Errorf("line %d: a montecarlo entry needs spec, its study file", n.Line)
	}
	return label, study, err
}

// montecarloSpecification reads a study file into a job's specification.
func montecarloSpecification(ctx context.Context, path, label string) (*pb.Specification, error) {
	raw, err := ctxio.ReadFile(ctx, path)
	if err != nil {
		return nil, err
	}
	file, err := parseStudy(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUsage, path, err)
	}
	if file.data != "" {
		return nil, fmt.Errorf("%w: %s: data: a study in a sweep reads the sweep's data", errUsage, path)
	}
	return &pb.Specification{Label: label, Kind: montecarlo.KindName, Spec: file.study.Encode()}, nil
}
