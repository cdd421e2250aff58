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

// The task families of the linearity test's replications: of the fast
// bootstrap and of the full (wild) one.
const (
	familyLinearity = "linearity"
	familyWild      = "linearity-full"
)

// Kind is the dynamic threshold model as a model kind (package model): its
// specification is a Config, its result a Result. The leader estimates the
// model and the Wald statistics over the grid; the bootstrap replications of
// the linearity test (fast or full) are one task family, computed on the
// fast path. The fast bootstrap's tasks carry the matrices their
// replications need (LinearitySetup.Work), so that a worker does not repeat
// the leader's setup; the full bootstrap's worker fits the linear model
// itself (WildBootstrap), once per prepared model.
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
// replication at most once more (it visits every unit's moments), or, in
// the full bootstrap, as often as the setup.
func (s kindSpec) Work(rows int) (float64, error) {
	passes := 2.0
	if s.spec.Boost > 0 {
		perRep := 1.0
		if s.spec.Bootstrap == BootstrapWild {
			perRep = 3
		}
		passes += 3 + perRep*float64(s.spec.Boost)
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
	return &kindModel{pr: pr, setup: newLazy[*LinearitySetup](), wild: newLazy[*WildBootstrap]()}, nil
}

// kindModel runs a prepared problem; what the replications hold fixed is
// computed once, by the first Lead or Execute that needs it.
type kindModel struct {
	pr    *Problem
	setup *lazy[*LinearitySetup]
	wild  *lazy[*WildBootstrap]
}

// lazy is a value computed on the first call of get that ctx lets finish,
// while holding the one token of lock.
type lazy[T any] struct {
	lock chan struct{}
	v    T
	done bool
}

func newLazy[T any]() *lazy[T] { return &lazy[T]{lock: make(chan struct{}, 1)} }

// get returns the value, computing it with compute unless a call did; a
// call waiting for another's computation returns ctx's error once ctx is
// done.
func (l *lazy[T]) get(ctx context.Context, compute func(context.Context) (T, error)) (T, error) {
	select {
	case l.lock <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-l.lock }()
	if !l.done {
		v, err := compute(ctx)
		if err != nil {
			return v, err
		}
		l.v, l.done = v, true
	}
	return l.v, nil
}

// Lead estimates the model here and, when the specification asks for the
// linearity test, computes its setup here and its replications as one task
// family (fast or full bootstrap), merged in replication order.
func (m *kindModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	res, err := m.pr.estimate(ctx)
	if err != nil {
		return nil, err
	}
	if reps := m.pr.spec.Boost; reps > 0 {
		setup, err := m.setup.get(ctx, m.pr.LinearitySetup)
		if err != nil {
			return nil, err
		}
		f := model.Family{Name: familyLinearity, Key: "l", Work: setup.Work(), N: reps, Stage: bootstrapStage,
			Phase: "linearity", Counter: "linearity"}
		if m.pr.spec.Bootstrap == BootstrapWild {
			f = model.Family{Name: familyWild, Key: "w", N: reps, Stage: wildStage, Phase: "linearity (full bootstrap)", Counter: "linearity"}
		}
		stats, err := r.Run(ctx, f)
		if err != nil {
			return nil, err
		}
		res.Linearity = setup.linearity(m.pr.spec.Seed, stats)
	}
	return json.Marshal(res)
}

// Execute computes a range of the linearity test's replications: of the
// fast bootstrap on its fast path, from the matrices the task's Work ships
// (LinearitySetup.Work; computed here when the leader shipped none), or of
// the full one on its fast path.
func (m *kindModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	switch t.Family {
	case familyLinearity:
		setup, err := m.setup.get(ctx, func(ctx context.Context) (*LinearitySetup, error) {
			if len(t.Work) > 0 {
				return m.pr.FastSetup(t.Work)
			}
			return m.pr.LinearitySetup(ctx)
		})
		if err != nil {
			return nil, err
		}
		return model.Chunked(ctx, t.First, t.Last, func(a, b int) ([]float64, error) {
			return setup.Replicate(Fast, m.pr.spec.Seed, a, b), nil
		})
	case familyWild:
		wild, err := m.wild.get(ctx, m.pr.WildBootstrap)
		if err != nil {
			return nil, err
		}
		return wild.Replicate(ctx, Fast, m.pr.spec.Seed, t.First, t.Last)
	}
	return nil, fmt.Errorf("%w: no task family %q in a dynamic threshold model", ErrSpec, t.Family)
}
