package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/specconv"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// permanentError marks a task failure that no retry can fix (bad data or
// specification); the coordinator fails the job instead of retrying.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// cancelCheckReps bounds the replications computed between two checks of a
// task's cancellation; results do not depend on it.
const cancelCheckReps = 64

// executor runs tasks with cached datasets and prepared models.
type executor struct {
	etcd       *clientv3.Client
	prefix     keys.Prefix
	datasets   *lru[*panel.Table]
	models     *lru[*threshold.Problem]
	mediations *lru[*mediation.Problem]
	metrics    *metrics
}

func (x *executor) dataset(ctx context.Context, sha string) (*panel.Table, error) {
	t, hit, err := x.datasets.get(sha, func() (*panel.Table, error) {
		data, err := datastore.Get(ctx, x.etcd, x.prefix, sha)
		if errors.Is(err, datastore.ErrNotFound) {
			return nil, permanentError{err}
		}
		if err != nil {
			return nil, err
		}
		t, err := panel.ReadCSV(bytes.NewReader(data))
		if err != nil {
			return nil, permanentError{err}
		}
		return t, nil
	})
	x.count("dataset", hit)
	return t, err
}

func (x *executor) count(cache string, hit bool) {
	if hit {
		x.metrics.cacheHits.WithLabelValues(cache).Inc()
	} else {
		x.metrics.cacheMisses.WithLabelValues(cache).Inc()
	}
}

// thresholdModel returns the prepared threshold model of a task.
func (x *executor) thresholdModel(ctx context.Context, task *pb.Task) (*threshold.Problem, threshold.Algorithm, error) {
	spec, alg, err := specconv.ThresholdFromProto(task.Spec.GetThreshold())
	if err != nil {
		return nil, 0, permanentError{err}
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(task.Spec.GetThreshold())
	if err != nil {
		return nil, 0, permanentError{err}
	}
	// The algorithm is not part of the model: both kernels share it.
	p, hit, err := x.models.get(task.DatasetSha256+"/"+string(raw), func() (*threshold.Problem, error) {
		t, err := x.dataset(ctx, task.DatasetSha256)
		if err != nil {
			return nil, err
		}
		p, err := threshold.Prepare(t, spec)
		if err != nil {
			return nil, permanentError{err}
		}
		return p, nil
	})
	x.count("model", hit)
	return p, alg, err
}

// mediationModel returns the prepared mediation model of a task.
func (x *executor) mediationModel(ctx context.Context, task *pb.Task) (*mediation.Problem, error) {
	layout, spec, err := specconv.MediationFromProto(task.Spec.GetMediation())
	if err != nil {
		return nil, permanentError{err}
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(task.Spec.GetMediation())
	if err != nil {
		return nil, permanentError{err}
	}
	p, hit, err := x.mediations.get(task.DatasetSha256+"/"+string(raw), func() (*mediation.Problem, error) {
		t, err := x.dataset(ctx, task.DatasetSha256)
		if err != nil {
			return nil, err
		}
		p, err := mediation.Prepare(t, layout, spec)
		if err != nil {
			return nil, permanentError{err}
		}
		return p, nil
	})
	x.count("model", hit)
	return p, err
}

// chunked computes values first..last-1 in chunks of cancelCheckReps,
// checking ctx between chunks, and counts them under a stage label.
func (x *executor) chunked(ctx context.Context, first, last int, stage string, compute func(a, b int) ([]float64, error)) ([]float64, error) {
	var out []float64
	for r := first; r < last; r += cancelCheckReps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := compute(r, min(r+cancelCheckReps, last))
		if err != nil {
			return nil, permanentError{err}
		}
		out = append(out, v...)
		x.metrics.replications.WithLabelValues(stage).Add(float64(len(v)))
	}
	return out, nil
}

// run executes one task and returns its values.
func (x *executor) run(ctx context.Context, task *pb.Task) ([]float64, error) {
	switch w := task.Work.(type) {
	case *pb.Task_Noop:
		return nil, nil
	case *pb.Task_Profile:
		p, alg, err := x.thresholdModel(ctx, task)
		if err != nil {
			return nil, err
		}
		v, err := p.Profile(alg, w.Profile.Fixed, w.Profile.Trim, int(w.Profile.First), int(w.Profile.Last))
		if err != nil {
			return nil, permanentError{err}
		}
		x.metrics.candidates.Add(float64(len(v)))
		return v, nil
	case *pb.Task_Bootstrap:
		p, alg, err := x.thresholdModel(ctx, task)
		if err != nil {
			return nil, err
		}
		b := w.Bootstrap
		setup := threshold.BootstrapSetup{Stage: int(b.Stage), Null: b.Null, Added: b.Added}
		return x.chunked(ctx, int(b.First), int(b.Last), strconv.Itoa(int(b.Stage)), func(r0, r1 int) ([]float64, error) {
			return p.Bootstrap(alg, setup, r0, r1)
		})
	case *pb.Task_Mediation:
		p, err := x.mediationModel(ctx, task)
		if err != nil {
			return nil, err
		}
		return x.chunked(ctx, int(w.Mediation.First), int(w.Mediation.Last), "mediation", p.Bootstrap)
	}
	return nil, permanentError{fmt.Errorf("task %s: unknown kind of work %T", task.TaskId, task.Work)}
}

// kind names a task's work for metrics.
func kind(task *pb.Task) string {
	switch task.Work.(type) {
	case *pb.Task_Profile:
		return "profile"
	case *pb.Task_Bootstrap:
		return "bootstrap"
	case *pb.Task_Mediation:
		return "mediation"
	case *pb.Task_Noop:
		return "noop"
	}
	return "unknown"
}
