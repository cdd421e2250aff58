package coordinator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/proto"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// terminal reports whether a job state is final.
func terminal(s pb.JobState) bool {
	return s == pb.JobState_JOB_STATE_SUCCEEDED || s == pb.JobState_JOB_STATE_FAILED || s == pb.JobState_JOB_STATE_CANCELLED
}

// readState returns a job's state and the revision it was read at, or nil
// when the job does not exist.
func (c *Coordinator) readState(ctx context.Context, id string) (*pb.JobEvent, int64, error) {
	resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.JobState(id))
	if err != nil {
		return nil, 0, err
	}
	if len(resp.Kvs) == 0 {
		return nil, resp.Header.Revision, nil
	}
	ev := &pb.JobEvent{}
	if err := proto.Unmarshal(resp.Kvs[0].Value, ev); err != nil {
		return nil, 0, fmt.Errorf("job %s: state: %w", id, err)
	}
	return ev, resp.Header.Revision, nil
}

// final marks an error that retrying cannot fix.
type final struct{ error }

func (f final) Unwrap() error { return f.error }

// retry runs op until it succeeds, fails with a final error, or ctx ends:
// etcd may be restarting, and a lost write must never lose a finished task
// or a result.
func retry(ctx context.Context, op func(context.Context) error) error {
	backoff := 50 * time.Millisecond
	for {
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := op(octx)
		cancel()
		var f final
		if errors.As(err, &f) {
			return f.error
		}
		if err == nil || ctx.Err() != nil {
			return err
		}
		sleep(ctx, backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

// writeState stores a job's state unless the job already reached a final
// state: a compare-and-swap on the key's revision, so that a cancellation
// is never overwritten by a late update.
func (c *Coordinator) writeState(ctx context.Context, ev *pb.JobEvent) error {
	raw, err := proto.Marshal(ev)
	if err != nil {
		return err
	}
	key := c.cfg.Prefix.JobState(ev.JobId)
	return retry(ctx, func(ctx context.Context) error {
		resp, err := c.cfg.Etcd.Get(ctx, key)
		if err != nil {
			return err
		}
		var rev int64
		if len(resp.Kvs) > 0 {
			cur := &pb.JobEvent{}
			if err := proto.Unmarshal(resp.Kvs[0].Value, cur); err == nil && terminal(cur.State) {
				return nil
			}
			rev = resp.Kvs[0].ModRevision
		}
		txn, err := c.cfg.Etcd.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
			Then(clientv3.OpPut(key, string(raw))).Commit()
		if err != nil {
			return err
		}
		if !txn.Succeeded {
			return errConcurrentUpdate
		}
		return nil
	})
}

var errConcurrentUpdate = errors.New("job state changed concurrently")

// writeResults stores the results of a job's specifications, compressed.
func (c *Coordinator) writeResults(ctx context.Context, id string, results [][]byte) error {
	for i, r := range results {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(r)
		w.Close()
		key := c.cfg.Prefix.JobResult(id, i)
		if err := retry(ctx, func(ctx context.Context) error {
			_, err := c.cfg.Etcd.Put(ctx, key, z.String())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// readResults loads the n results of a job; a missing one is a final
// error (the job was deleted).
func (c *Coordinator) readResults(ctx context.Context, id string, n int) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range out {
		resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.JobResult(id, i))
		if err != nil {
			return nil, err
		}
		if len(resp.Kvs) == 0 {
			return nil, final{fmt.Errorf("job %s: result %d missing", id, i)}
		}
		r, err := gzip.NewReader(bytes.NewReader(resp.Kvs[0].Value))
		if err != nil {
			return nil, err
		}
		if out[i], err = io.ReadAll(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readSpec loads a job's specification.
func (c *Coordinator) readSpec(ctx context.Context, id string) (*pb.JobSpec, error) {
	resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.JobSpec(id))
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		return nil, final{fmt.Errorf("job %s: no specification", id)}
	}
	spec := &pb.JobSpec{}
	return spec, proto.Unmarshal(resp.Kvs[0].Value, spec)
}

// loadCheckpoints returns a job's finished tasks by key (relative to the
// job's done directory).
func (c *Coordinator) loadCheckpoints(ctx context.Context, id string) (map[string][]float64, error) {
	dir := c.cfg.Prefix.JobDone(id)
	resp, err := c.cfg.Etcd.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float64, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		v, err := decodeValues(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("job %s: checkpoint %s: %w", id, kv.Key, err)
		}
		out[string(kv.Key[len(dir):])] = v
	}
	return out, nil
}
