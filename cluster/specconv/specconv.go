package specconv

import (
	"fmt"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// ThresholdToProto converts a threshold model and its algorithm.
func ThresholdToProto(s threshold.Spec, alg threshold.Algorithm) *pb.ThresholdSpec {
	out := &pb.ThresholdSpec{
		Id: s.ID, Time: s.Time, Depvar: s.Depvar, Indep: s.Indep, Rx: s.Rx, Qx: s.Qx,
		Thresholds: int32(s.Thresholds), GridPoints: int32(s.Grid.Points), Trim: s.Trim,
		Level: s.Level, Seed: s.Seed, Given: s.Given, Bootstrap: s.Bootstrap.String(), KeepDraws: s.KeepDraws,
	}
	if s.Convention == threshold.Hansen {
		out.Convention = pb.Convention_CONVENTION_HANSEN
	}
	if s.Residuals == threshold.AlternativeResiduals {
		out.Residuals = pb.Residuals_RESIDUALS_ALTERNATIVE
	}
	if alg == threshold.Reference {
		out.Algorithm = pb.Algorithm_ALGORITHM_REFERENCE
	}
	for _, r := range s.Reps {
		out.Reps = append(out.Reps, int32(r))
	}
	return out
}

// ThresholdFromProto converts back.
func ThresholdFromProto(p *pb.ThresholdSpec) (threshold.Spec, threshold.Algorithm, error) {
	if p == nil {
		return threshold.Spec{}, 0, fmt.Errorf("%w: missing threshold specification", threshold.ErrSpec)
	}
	s := threshold.Spec{
		ID: p.Id, Time: p.Time, Depvar: p.Depvar, Indep: p.Indep, Rx: p.Rx, Qx: p.Qx,
		Thresholds: int(p.Thresholds), Grid: threshold.Grid{Points: int(p.GridPoints)}, Trim: p.Trim,
		Level: p.Level, Seed: p.Seed, Given: p.Given, KeepDraws: p.KeepDraws,
	}
	switch p.Convention {
	case pb.Convention_CONVENTION_XTHREG:
		s.Convention = threshold.Xthreg
	case pb.Convention_CONVENTION_HANSEN:
		s.Convention = threshold.Hansen
	default:
		return s, 0, fmt.Errorf("%w: unknown convention %v", threshold.ErrSpec, p.Convention)
	}
	switch p.Residuals {
	case pb.Residuals_RESIDUALS_NULL:
		s.Residuals = threshold.NullResiduals
	case pb.Residuals_RESIDUALS_ALTERNATIVE:
		s.Residuals = threshold.AlternativeResiduals
	default:
		return s, 0, fmt.Errorf("%w: unknown residuals %v", threshold.ErrSpec, p.Residuals)
	}
	alg := threshold.Fast
	switch p.Algorithm {
	case pb.Algorithm_ALGORITHM_FAST:
	case pb.Algorithm_ALGORITHM_REFERENCE:
		alg = threshold.Reference
	default:
		return s, 0, fmt.Errorf("%w: unknown algorithm %v", threshold.ErrSpec, p.Algorithm)
	}
	var err error
	if s.Bootstrap, err = threshold.ParseBootstrap(p.Bootstrap); p.Bootstrap != "" && err != nil {
		return s, 0, err
	}
	if p.GridPoints < 0 {
		return s, 0, fmt.Errorf("%w: negative grid points %d", threshold.ErrSpec, p.GridPoints)
	}
	for _, r := range p.Reps {
		s.Reps = append(s.Reps, int(r))
	}
	return s, alg, nil
}

// MediationToProto converts a mediation model and the panel's layout.
func MediationToProto(layout panel.Layout, s mediation.Spec) *pb.MediationSpec {
	return &pb.MediationSpec{Id: layout.ID, Time: layout.Time, Outcome: s.Outcome, Treatment: s.Treatment,
		Mediator: s.Mediator, Controls: s.Controls, YearEffects: s.PeriodEffects, Reps: int32(s.Reps),
		Level: s.Level, Seed: s.Seed, KeepDraws: s.KeepDraws}
}

// MediationFromProto converts back.
func MediationFromProto(p *pb.MediationSpec) (panel.Layout, mediation.Spec, error) {
	if p == nil {
		return panel.Layout{}, mediation.Spec{}, fmt.Errorf("%w: missing mediation specification", mediation.ErrSpec)
	}
	return panel.Layout{ID: p.Id, Time: p.Time}, mediation.Spec{Outcome: p.Outcome, Treatment: p.Treatment,
		Mediator: p.Mediator, Controls: p.Controls, PeriodEffects: p.YearEffects, Reps: int(p.Reps),
		Level: p.Level, Seed: p.Seed, KeepDraws: p.KeepDraws}, nil
}
