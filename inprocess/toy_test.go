package inprocess

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// toyKind is a model kind defined only here: value i of its one family is
// i*i plus the sum of a column. It reaches the coordinator and the workers
// through the registry alone.
type toyKind struct{}

type toySpec struct {
	Column string `json:"column"`
	N      int    `json:"n"`
	// Gated tasks wait for toyGate to close.
	Gated bool `json:"gated,omitempty"`
	// Panic names the step of the model that panics: "prepare", "lead" or
	// "execute".
	Panic string `json:"panic,omitempty"`
}

// toyGate holds the tasks of gated toy models until a test closes it.
var toyGate = make(chan struct{})

func (toyKind) Name() string { return "toy" }

func (toyKind) DecodeSpec(raw []byte) (model.Spec, error) {
	var s toySpec
	if err := model.DecodeStrict(raw, &s); err != nil {
		return nil, err
	}
	if s.N < 1 {
		return nil, fmt.Errorf("toy: n = %d, want at least 1", s.N)
	}
	return s, nil
}

func (toyKind) WriteText(w io.Writer, result []byte) error {
	_, err := fmt.Fprintf(w, "toy result %s\n", result)
	return err
}

func (s toySpec) Encode() []byte {
	raw, _ := model.EncodeCanonical(s)
	return raw
}

func (s toySpec) Prepare(t *panel.Table) (model.Model, error) {
	if s.Panic == "prepare" {
		panic("toy: prepare")
	}
	col, err := t.Numbers(s.Column)
	if err != nil {
		return nil, fmt.Errorf("toy: %w", err)
	}
	sum := 0.0
	for _, v := range col {
		sum += v
	}
	return toyModel{n: s.N, sum: sum, gated: s.Gated, panic: s.Panic}, nil
}

type toyModel struct {
	n     int
	sum   float64
	gated bool
	panic string
}

func (m toyModel) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	v, err := r.Run(ctx, model.Family{Name: "square", Key: "sq", N: m.n, Phase: "toy", Counter: "toy"})
	if err != nil {
		return nil, err
	}
	if m.panic == "lead" {
		var values []float64
		return json.Marshal(values[len(v)]) // index out of range
	}
	return json.Marshal(v)
}

func (m toyModel) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	if t.Family != "square" {
		return nil, fmt.Errorf("toy: no family %q", t.Family)
	}
	if m.panic == "execute" {
		panic(fmt.Sprintf("toy: execute [%d, %d)", t.First, t.Last))
	}
	if m.gated {
		select {
		case <-toyGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []float64
	for i := t.First; i < t.Last; i++ {
		out = append(out, float64(i*i)+m.sum)
	}
	return out, nil
}

// TestToyKind registers a kind the coordinator and worker packages do not
// know and runs it through etcd, a coordinator and two workers; a
// specification the kind refuses, or a cluster without the kind, fails the
// submission with the kind's message.
func TestToyKind(t *testing.T) {
	registry := kinds.Builtin()
	registry.Register(toyKind{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data := []byte("id,year,y\na,1,1.5\na,2,2\nb,1,-1\nb,2,0.5\n")
	run := func(opts Options, spec string) ([][]byte, error) {
		return connect(t, ctx, opts).Run(ctx, data, []*pb.Specification{{Kind: "toy", Spec: []byte(spec)}}, nil)
	}

	results, err := run(Options{Workers: 2, Kinds: registry}, `{"column":"y","n":300}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	if err := json.Unmarshal(results[0], &got); err != nil || len(got) != 300 {
		t.Fatalf("result %.80s: %v", results[0], err)
	}
	for i, v := range got {
		if v != float64(i*i)+3 {
			t.Fatalf("value %d = %v, want %v", i, v, float64(i*i)+3)
		}
	}

	for _, tt := range []struct {
		opts       Options
		spec, want string
	}{
		{Options{Kinds: registry}, `{"column":"z","n":3}`, `"z"`},
		{Options{Kinds: registry}, `{"column":"y","n":0}`, "toy: n = 0"},
		{Options{}, `{"column":"y","n":3}`, `unknown model kind "toy"`},
	} {
		if _, err := run(tt.opts, tt.spec); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.spec, err, tt.want)
		}
	}
}

// TestToyKindPanics checks that a panic in a kind's Prepare, Lead or
// Execute fails its job with the panic's message, and that the coordinator
// and the workers live on: the next job on the same cluster succeeds.
func TestToyKindPanics(t *testing.T) {
	registry := kinds.Builtin()
	registry.Register(toyKind{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data := []byte("id,year,y\na,1,1.5\na,2,2\nb,1,-1\nb,2,0.5\n")
	c := connect(t, ctx, Options{Workers: 2, Kinds: registry})
	run := func(spec string) ([][]byte, error) {
		return c.Run(ctx, data, []*pb.Specification{{Kind: "toy", Spec: []byte(spec)}}, nil)
	}
	for _, tt := range []struct{ step, want string }{
		{"prepare", `internal error in kind "toy": Prepare: toy: prepare (a bug`},
		{"lead", `internal error in kind "toy": Lead: runtime error: index out of range [4] with length 0`},
		{"execute", `internal error in kind "toy": Execute of a "square" task: toy: execute [`},
	} {
		_, err := run(fmt.Sprintf(`{"column":"y","n":4,"panic":%q}`, tt.step))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("panic in %s: %v, want %q", tt.step, err, tt.want)
		}
		results, err := run(`{"column":"y","n":2}`)
		if err != nil || string(results[0]) != "[3,4]" {
			t.Fatalf("after a panic in %s: %s, %v; want [3,4]", tt.step, results, err)
		}
	}
}

// TestJobAPIStrictSpec submits threshold configurations through the job
// API as a client other than the CLI may write them: the coordinator holds
// them to the command line's rules instead of defaulting a level of 0 to
// 95%, reading 5 as 5% or an empty list as its default, or taking labels
// that differ only in case.
func TestJobAPIStrictSpec(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := connect(t, ctx, Options{Workers: 1})
	data := []byte("id,year,y,x,q\na,1,1.5,0.2,0.1\na,2,2,0.4,0.5\nb,1,-1,0.3,0.2\nb,2,0.5,0.1,0.9\n")
	for _, tt := range []struct {
		name string
		edit func(*threshold.Config)
		want string
	}{
		{"level 0", func(c *threshold.Config) { c.Level = 0 }, "confidence level 0: give a percent"},
		{"level 5", func(c *threshold.Config) { c.Level = 5 }, "confidence level 5: give a percent"},
		{"level 0.01", func(c *threshold.Config) { c.Level = 0.01 }, "confidence level 0.01: give a percent"},
		{"empty bs", func(c *threshold.Config) { c.Bs = []int{} }, "bs is an empty list"},
		{"empty trim", func(c *threshold.Config) { c.Trim = []float64{} }, "trim is an empty list"},
	} {
		cfg := threshold.DefaultConfig
		cfg.Depvar, cfg.Rx, cfg.Qx = "y", []string{"x"}, "q"
		tt.edit(&cfg)
		_, err := c.Run(ctx, data, []*pb.Specification{{Kind: threshold.KindName, Spec: cfg.Encode()}}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	cfg := threshold.DefaultConfig
	cfg.Depvar, cfg.Rx, cfg.Qx = "y", []string{"x"}, "q"
	_, err := c.Run(ctx, data, []*pb.Specification{{Kind: threshold.KindName, Label: "A", Spec: cfg.Encode()},
		{Kind: threshold.KindName, Label: "a", Spec: cfg.Encode()}}, nil)
	if want := `specifications 1 and 2 have the labels "A" and "a", which differ only in case`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("labels A and a: %v, want %q", err, want)
	}
}
