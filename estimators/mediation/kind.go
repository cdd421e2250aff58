package mediation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
)

// KindName is the name of the mediation kind.
const KindName = "mediation"

// ConfigVersion is the version of Config's encoding.
const ConfigVersion = 1

// familyBootstrap is the task family of the bootstrap replications.
const familyBootstrap = "mediation"

// Config is a mediation analysis on a panel as a cluster carries it: the
// panel's layout and the specification.
type Config struct {
	// Version is ConfigVersion; Encode sets it.
	Version int    `json:"version"`
	ID      string `json:"id"`
	Time    string `json:"time"`
	Spec
}

// Encode returns the canonical JSON encoding of the configuration, at
// ConfigVersion.
func (c Config) Encode() []byte {
	c.Version = ConfigVersion
	raw, err := model.EncodeCanonical(c)
	if err != nil {
		// Only a NaN or infinite level fails, and DecodeSpec cannot
		// produce one from JSON.
		panic(fmt.Sprintf("mediation: encoding a configuration: %v", err))
	}
	return raw
}

// Kind is the mediation analysis as a model kind (package model): its
// specification is a Config, its result a Result.
type Kind struct{}

// Name returns KindName.
func (Kind) Name() string { return KindName }

// DecodeSpec decodes a Config encoded by Config.Encode and refuses a level
// outside threshold.LevelFraction's range of fractions (0 included).
func (Kind) DecodeSpec(raw []byte) (model.Spec, error) {
	var c Config
	if err := model.DecodeConfig(raw, &c, &c.Version, ConfigVersion, "mediation configuration"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	// A job states its level (threshold.LevelFraction's range, as a
	// fraction): a Spec's 0 for the default is the Go API's, not the wire's.
	if !(c.Level >= threshold.MinLevelPercent/100.0 && c.Level <= threshold.MaxLevelPercent/100.0) {
		return nil, fmt.Errorf("%w: confidence level %v: give a fraction between %v and %v (0.95)",
			ErrSpec, c.Level, threshold.MinLevelPercent/100.0, threshold.MaxLevelPercent/100.0)
	}
	return c, nil
}

// WriteText writes the report of a result (see Result.WriteText).
func (Kind) WriteText(w io.Writer, result []byte) error {
	var res Result
	if err := json.Unmarshal(result, &res); err != nil {
		return fmt.Errorf("mediation result: %w", err)
	}
	return res.WriteText(w)
}

// Config estimates its cost with Spec.Work.
var _ model.Costed = Config{}

// Prepare prepares the analysis on a dataset.
func (c Config) Prepare(t *panel.Table) (model.Model, error) {
	p, err := Prepare(t, panel.Layout{ID: c.ID, Time: c.Time}, c.Spec)
	if err != nil {
		return nil, err
	}
	return kindModel{p}, nil
}

type kindModel struct{ p *Problem }

// Lead fits the equations here and runs the bootstrap of the indirect
// effect as one task family.
func (m kindModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	steps, err := m.p.Steps()
	if err != nil {
		return nil, err
	}
	var draws []float64
	if n := m.p.Spec().Reps; n > 0 {
		draws, err = r.Run(ctx, model.Family{Name: familyBootstrap, Key: "m", N: n, Stage: 1,
			Phase: "mediation bootstrap", Counter: "mediation"})
		if err != nil {
			return nil, err
		}
	}
	res, err := m.p.Assemble(steps, draws)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Execute computes a range of bootstrap replications.
func (m kindModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	if t.Family != familyBootstrap {
		return nil, fmt.Errorf("%w: no task family %q in a mediation analysis", ErrSpec, t.Family)
	}
	return model.Chunked(ctx, t.First, t.Last, m.p.Bootstrap)
}
