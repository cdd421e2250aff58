package inprocess

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// sleepKind is a model kind defined only here whose tasks cost a known
// time: each value sleeps Millis milliseconds instead of computing. It
// measures the coordinator apart from the machine: what share of the
// workers' time it keeps busy.
type sleepKind struct {
	busy *atomic.Int64 // nanoseconds slept by every task
}

type sleepSpec struct {
	N      int `json:"n"`
	Millis int `json:"millis"`
	busy   *atomic.Int64
}

func (sleepKind) Name() string { return "sleep" }

func (k sleepKind) DecodeSpec(raw []byte) (model.Spec, error) {
	var s sleepSpec
	if err := model.DecodeStrict(raw, &s); err != nil {
		return nil, err
	}
	if s.N < 1 || s.Millis < 0 {
		return nil, fmt.Errorf("sleep: n = %d, millis = %d", s.N, s.Millis)
	}
	s.busy = k.busy
	return s, nil
}

func (sleepKind) WriteText(w io.Writer, result []byte) error {
	_, err := w.Write(result)
	return err
}

func (s sleepSpec) Encode() []byte {
	raw, _ := model.EncodeCanonical(s)
	return raw
}

func (s sleepSpec) Prepare(*panel.Table) (model.Model, error) { return s, nil }

// Lead runs one family of N one-value tasks.
func (s sleepSpec) Lead(ctx context.Context, r model.Runner) ([]byte, error) {
	v, err := r.Run(ctx, model.Family{Name: "sleep", Key: "sleep", N: s.N, Shard: 1, Phase: "sleep", Counter: "sleep"})
	if err != nil {
		return nil, err
	}
	return json.Marshal(len(v))
}

func (s sleepSpec) Execute(ctx context.Context, t model.Task) ([]float64, error) {
	d := time.Duration(t.Last-t.First) * time.Duration(s.Millis) * time.Millisecond
	start := time.Now()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.busy.Add(int64(time.Since(start)))
	return make([]float64, t.Last-t.First), nil
}

var (
	simTaskMillis = flag.Int("sim.millis", 1000, "BenchmarkSimulatedCost: duration of a task in ms")
	simRounds     = flag.Int("sim.rounds", 10, "BenchmarkSimulatedCost: tasks per worker")
)

// BenchmarkSimulatedCost reports the share of the workers' time the
// coordinator keeps busy (busy%) with tasks of a known cost (-sim.millis,
// default 1 s) on 1, 2, 8, 32 and 64 one-slot workers, -sim.rounds tasks per
// worker: the time the tasks slept over the workers' time from the job's
// upload to its result. With 64 workers and 1-second tasks it must stay at
// or above 95% (issue 17).
func BenchmarkSimulatedCost(b *testing.B) {
	for _, workers := range []int{1, 2, 8, 32, 64} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var busy atomic.Int64
			registry := kinds.Builtin()
			registry.Register(sleepKind{busy: &busy})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			reg := prometheus.NewRegistry()
			cl := connect(b, ctx, Options{Workers: workers, Kinds: registry, Registerer: reg})
			waitForWorkers(b, reg, workers)
			spec := fmt.Sprintf(`{"millis":%d,"n":%d}`, *simTaskMillis, workers**simRounds)
			data := []byte("id,year\na,1\n")
			var share float64
			for b.Loop() {
				busy.Store(0)
				start := time.Now()
				if _, err := cl.Run(ctx, data, []*pb.Specification{{Kind: "sleep", Spec: []byte(spec)}}, nil); err != nil {
					b.Fatal(err)
				}
				share = float64(busy.Load()) / (float64(workers) * float64(time.Since(start)))
			}
			b.ReportMetric(100*share, "busy%")
			if workers == 64 && *simTaskMillis >= 1000 && share < 0.95 {
				b.Errorf("64 workers, %d ms tasks: %.1f%% of the workers' time busy, want >= 95%%", *simTaskMillis, 100*share)
			}
		})
	}
}

// waitForWorkers waits until the leader has connected to n workers and
// gives their streams a second to open: a cluster that runs for months has
// its workers connected when a job arrives.
func waitForWorkers(tb testing.TB, reg *prometheus.Registry, n int) {
	tb.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		families, err := reg.Gather()
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "thresher_workers_registered" && f.GetMetric()[0].GetGauge().GetValue() == float64(n) {
				time.Sleep(time.Second)
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the leader has not connected to %d workers after a minute", n)
		}
	}
}
