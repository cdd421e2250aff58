package worker

import (
	"context"
	"errors"
	"fmt"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// permanentError marks a task failure that no retry can fix (bad data or
// specification); the coordinator fails the job instead of retrying.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p permanentError
	var invalid prepared.InvalidError
	return errors.As(err, &p) || errors.As(err, &invalid)
}

// executor runs tasks on models prepared from cached job specifications
// and datasets.
type executor struct {
	etcd    *clientv3.Client
	prefix  keys.Prefix
	blobs   *blobstore.Store
	kinds   *model.Registry
	cache   *prepared.Cache
	jobs    *prepared.LRU[*job]
	metrics *metrics
}

// job is a job's specification as its tasks need it: the dataset and every
// specification decoded (or why it does not decode).
type job struct {
	sha    string
	kinds  []string
	specs  []model.Spec
	errs   []error
	schema panel.Schema // of the specifications: the dataset's columns read
}

// job reads a job's specification from etcd once and decodes it.
func (x *executor) job(ctx context.Context, id string) (*job, error) {
	return first(x.jobs.Get(id, func() (*job, error) {
		resp, err := x.etcd.Get(ctx, x.prefix.JobSpec(id))
		if err != nil {
			return nil, err
		}
		if len(resp.Kvs) == 0 {
			return nil, permanentError{fmt.Errorf("job %s: no specification", id)}
		}
		var spec pb.JobSpec
		if err := proto.Unmarshal(resp.Kvs[0].Value, &spec); err != nil {
			return nil, permanentError{fmt.Errorf("job %s: specification: %w", id, err)}
		}
		j := &job{sha: spec.DatasetSha256}
		for _, s := range spec.Specs {
			decoded, err := x.kinds.Decode(s.Kind, s.Spec)
			j.kinds, j.specs, j.errs = append(j.kinds, s.Kind), append(j.specs, decoded), append(j.errs, err)
		}
		j.schema = model.SchemaOf(j.specs...)
		return j, nil
	}))
}

func first[V any](v V, _ bool, err error) (V, error) { return v, err }

func (x *executor) dataset(ctx context.Context, sha string, schema panel.Schema) (*panel.Table, error) {
	t, hit, err := x.cache.Dataset(sha, schema, func() (io.Reader, error) {
		data, err := datastore.Open(ctx, x.etcd, x.prefix, x.blobs, sha)
		if errors.Is(err, datastore.ErrNotFound) {
			return nil, permanentError{err}
		}
		return data, err
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

// model returns the prepared model of a task's specification.
func (x *executor) model(ctx context.Context, task *pb.Task) (model.Model, error) {
	j, err := x.job(ctx, task.JobId)
	if err != nil {
		return nil, err
	}
	i := int(task.Spec)
	if i < 0 || i >= len(j.specs) {
		return nil, permanentError{fmt.Errorf("job %s has no specification %d", task.JobId, i)}
	}
	if j.errs[i] != nil {
		return nil, permanentError{j.errs[i]}
	}
	m, hit, err := x.cache.Model(j.sha, j.kinds[i], j.specs[i], func() (*panel.Table, error) {
		return x.dataset(ctx, j.sha, j.schema)
	})
	x.count("model", hit)
	return m, err
}

// run executes one task and returns its values.
func (x *executor) run(ctx context.Context, task *pb.Task) ([]float64, error) {
	if task.Noop {
		return nil, nil
	}
	m, err := x.model(ctx, task)
	if err != nil {
		return nil, err
	}
	v, err := m.Execute(ctx, model.Task{Family: task.Family, Work: task.Work, First: int(task.First), Last: int(task.Last)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, permanentError{err}
	}
	if task.Counter != "" {
		x.metrics.replications.WithLabelValues(task.Counter).Add(float64(len(v)))
	} else {
		x.metrics.candidates.Add(float64(len(v)))
	}
	return v, nil
}

// kind names a task's work for metrics: its family.
func kind(task *pb.Task) string {
	switch {
	case task.Noop:
		return "noop"
	case task.Family == "":
		return "unknown"
	}
	return task.Family
}
