package dynthreshold

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
)

// KindName is the name of the dynamic threshold kind.
const KindName = "dynthreshold"

// familyLinearity is the task family of the linearity test's replications.
const familyLinearity = "linearity"

// Kind is the dynamic threshold model as a model kind (package model): its
// specification is a Config, its result a Result. The leader estimates the
// model and the Wald statistics over the grid; the bootstrap replications of
// the linearity test are one task family, computed on the fast path. Each
// process that computes replications first computes the setup they hold
// fixed (LinearitySetup), once per prepared model.
type Kind struct{}

// Name returns KindName.
func (Kind) Name() string { return KindName }

// DecodeSpec decodes a Config encoded by Config.Encode and checks it.
func (Kind) DecodeSpec(raw []byte) (model.Spec, error) {
	var c Config
	if err := model.DecodeConfig(raw, &c, &c.Version, ConfigVersion, "dynamic threshold configuration"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	s, err := c.Spec()
	if err != nil {
		return nil, err
	}
	return kindSpec{config: c, spec: s}, nil
}

// WriteText writes the report of a result (see Result.WriteText).
func (Kind) WriteText(w io.Writer, result []byte) error {
	var res Result
	if err := json.Unmarshal(result, &res); err != nil {
		return fmt.Errorf("dynamic threshold result: %w", err)
	}
	return res.WriteText(w)
}

type kindSpec struct {
	config Config
	spec   Spec
}

func (s kindSpec) Encode() []byte { return s.config.Encode() }

// Work estimates the cost of the model on rows observations, counting an
// observation visited once: both GMM steps visit every observation at every
// grid point, the linearity test's setup three times more, and each
// replication at most once more (it visits every unit's moments).
func (s kindSpec) Work(rows int) (float64, error) {
	passes := 2.0
	if s.spec.Boost > 0 {
		passes += 3 + float64(s.spec.Boost)
	}
	points := s.spec.GridNum
	if len(s.spec.Gammas) > 0 {
		points = len(s.spec.Gammas)
	}
	return passes * float64(points) * float64(rows), nil
}

func (s kindSpec) Prepare(t *panel.Table) (model.Model, error) {
	pr, err := Prepare(t, s.spec)
	if err != nil {
		return nil, err
	}
	return &kindModel{pr: pr, lock: make(chan struct{}, 1)}, nil
}

// kindModel runs a prepared problem; setup is computed once, by the first
// Lead or Execute that needs it, while holding the one token of lock.
type kindModel struct {
	pr    *Problem
	lock  chan struct{}
	setup *LinearitySetup
}

// linearitySetup returns the model's LinearitySetup, computing it on the
// first call that ctx lets finish; a call waiting for another's computation
// returns ctx's error once ctx is done.
func (m *kindModel) linearitySetup(ctx context.Context) (*LinearitySetup, error) {
	select {
	case m.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-m.lock }()
	if m.setup == nil {
		s, err := m.pr.LinearitySetup(ctx)
		if err != nil {
			return nil, err
		}
		m.setup = s
	}
	return m.setup, nil
}

// Lead estimates the model here and, when the specification asks for the
// linearity test, computes its setup here and its replications as one task
// family, merged in replication order.
func (m *kindModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	res, err := m.pr.estimate(ctx)
	if err != nil {
		return nil, err
	}
	if reps := m.pr.spec.Boost; reps > 0 {
		setup, err := m.linearitySetup(ctx)
		if err != nil {
			return nil, err
		}
		stats, err := r.Run(ctx, model.Family{Name: familyLinearity, Key: "l", N: reps, Stage: bootstrapStage,
			Phase: "linearity", Counter: "linearity"})
		if err != nil {
			return nil, err
		}
		res.Linearity = setup.linearity(m.pr.spec.Seed, stats)
	}
	return json.Marshal(res)
}

// Execute computes a range of the linearity test's replications on the fast
// path.
func (m *kindModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	if t.Family != familyLinearity {
		return nil, fmt.Errorf("%w: no task family %q in a dynamic threshold model", ErrSpec, t.Family)
	}
	setup, err := m.linearitySetup(ctx)
	if err != nil {
		return nil, err
	}
	return model.Chunked(ctx, t.First, t.Last, func(a, b int) ([]float64, error) {
		return setup.Replicate(Fast, m.pr.spec.Seed, a, b), nil
	})
}
