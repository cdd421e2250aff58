package threshold

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
)

// Kind is the threshold model as a model kind (package model): its
// specification is a Config, its result a Result.
type Kind struct{}

// KindName is the name of the threshold kind.
const KindName = "threshold"

// Task families of the threshold kind.
const (
	familyProfile   = "profile"
	familyBootstrap = "bootstrap"
)

// profileShards is the number of candidates per profile task of the
// reference kernel, whose cost grows with the candidates; the fast kernel
// computes a whole profile at once.
const profileShards = 32

// Name returns KindName.
func (Kind) Name() string { return KindName }

// DecodeSpec decodes a Config encoded by Config.Encode and parses it.
func (Kind) DecodeSpec(raw []byte) (model.Spec, error) {
	var c Config
	if err := model.DecodeConfig(raw, &c, &c.Version, ConfigVersion, "threshold configuration"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	s, alg, err := c.Spec()
	if err != nil {
		return nil, err
	}
	return kindSpec{config: c, spec: s, alg: alg}, nil
}

// WriteText writes the report of a result (see Result.WriteText) with the
// standard errors of the inference it used.
func (Kind) WriteText(w io.Writer, result []byte) error {
	res, err := DecodeResult(result)
	if err != nil {
		return err
	}
	vce, err := ParseVCE(res.Model.VCE)
	if err != nil {
		return fmt.Errorf("threshold result: %w", err)
	}
	return res.WriteText(w, vce)
}

// DecodeResult decodes the JSON of a Result.
func DecodeResult(raw []byte) (*Result, error) {
	var res Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("threshold result: %w", err)
	}
	if len(res.Stages) == 0 {
		return nil, errors.New("threshold result: no stages")
	}
	return &res, nil
}

type kindSpec struct {
	config Config
	spec   Spec
	alg    Algorithm
}

func (s kindSpec) Encode() []byte { return s.config.Encode() }

// Work estimates the cost of the model on rows observations (see
// Spec.Work), with its kernel: the threshold kind is model.Costed.
func (s kindSpec) Work(rows int) (float64, error) { return s.spec.Work(rows, s.alg) }

// Schema returns Spec.Schema: the threshold kind is model.Schemed.
func (s kindSpec) Schema() panel.Schema { return s.spec.Schema() }

func (s kindSpec) Prepare(t *panel.Table) (model.Model, error) {
	p, err := Prepare(t, s.spec)
	if err != nil {
		return nil, err
	}
	return &kindModel{p: p, alg: s.alg}, nil
}

// kindModel runs a prepared problem with one kernel.
type kindModel struct {
	p   *Problem
	alg Algorithm
}

// profileWork is the work of a profile family.
type profileWork struct {
	Fixed []float64 `json:"fixed"`
	Trim  float64   `json:"trim"`
}

// Lead computes the profiles of the point estimation, then every stage's
// bootstrap at once, as task families, and assembles the result.
func (m *kindModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	shard := 1 << 30
	if m.alg == Reference {
		shard = profileShards
	}
	est, err := m.p.PointEstimatesWith(func(fixed []float64, trim float64) ([]float64, error) {
		work, err := json.Marshal(profileWork{Fixed: fixed, Trim: trim})
		if err != nil {
			return nil, err
		}
		return r.Run(ctx, model.Family{Name: familyProfile, Key: "p" + profileKey(fixed, trim), Work: work,
			N: m.p.Candidates(), Shard: shard, Phase: "point estimates"})
	})
	if err != nil {
		return nil, err
	}
	reps := m.p.Spec().Reps
	stats := make([][]float64, len(est.Stages))
	errs := make([]error, len(est.Stages))
	var wg sync.WaitGroup
	for k, st := range est.Stages {
		if reps[k] == 0 {
			continue
		}
		work, err := json.Marshal(st.Setup())
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats[k], errs[k] = r.Run(ctx, model.Family{Name: familyBootstrap, Key: fmt.Sprintf("k%d", st.K), Work: work,
				N: reps[k], Stage: st.K, Phase: "bootstrap", Counter: fmt.Sprint(st.K)})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res, err := m.p.Assemble(est, stats)
	if err != nil {
		return nil, err
	}
	return res.JSON()
}

// Execute computes a range of a profile or of a stage's bootstrap.
func (m *kindModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	switch t.Family {
	case familyProfile:
		var w profileWork
		if err := model.DecodeStrict(t.Work, &w); err != nil {
			return nil, fmt.Errorf("%w: profile task: %v", ErrSpec, err)
		}
		return m.p.Profile(m.alg, w.Fixed, w.Trim, t.First, t.Last)
	case familyBootstrap:
		var setup BootstrapSetup
		if err := model.DecodeStrict(t.Work, &setup); err != nil {
			return nil, fmt.Errorf("%w: bootstrap task: %v", ErrSpec, err)
		}
		return model.Chunked(ctx, t.First, t.Last, func(a, b int) ([]float64, error) {
			return m.p.Bootstrap(m.alg, setup, a, b)
		})
	}
	return nil, fmt.Errorf("%w: no task family %q in a threshold model", ErrSpec, t.Family)
}

// profileKey names a profile by its fixed thresholds and trim, bit-exact.
func profileKey(fixed []float64, trim float64) string {
	h := sha256.New()
	for _, v := range fixed {
		binary.Write(h, binary.LittleEndian, math.Float64bits(v))
	}
	binary.Write(h, binary.LittleEndian, math.Float64bits(trim))
	return hex.EncodeToString(h.Sum(nil)[:8])
}
