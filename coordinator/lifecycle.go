package coordinator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/security"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// ErrNoSpaceMessage is the message of a call refused because etcd's
// database reached its quota (README, "Operations").
const ErrNoSpaceMessage = "the cluster's etcd database is full (etcd alarm NOSPACE: its quota is reached), so no new job " +
	"is accepted: delete finished jobs ('thresher jobs delete ID') or lower the coordinator's --retention; once space " +
	"is freed the coordinator compacts and defragments etcd and disarms the alarm by itself (or raise etcd's quota)"

// storeError turns an etcd error of a Jobs API call into a status: a full
// database is ResourceExhausted with ErrNoSpaceMessage, anything else
// Unavailable (the client retries).
func storeError(err error) error {
	if errors.Is(err, rpctypes.ErrNoSpace) || errors.Is(err, rpctypes.ErrGRPCNoSpace) {
		return status.Error(codes.ResourceExhausted, ErrNoSpaceMessage)
	}
	return status.Error(codes.Unavailable, err.Error())
}

// nowMs returns the time in milliseconds since 1970, as job records hold it.
func nowMs() int64 { return time.Now().UnixMilli() }

// readMeta returns a job's metadata, or nil when it has none (a job
// submitted before metadata existed, or deleted).
func (c *Coordinator) readMeta(ctx context.Context, id string) (*pb.JobMeta, error) {
	resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.JobMeta(id))
	if err != nil || len(resp.Kvs) == 0 {
		return nil, err
	}
	meta := &pb.JobMeta{}
	if err := proto.Unmarshal(resp.Kvs[0].Value, meta); err != nil {
		return nil, fmt.Errorf("job %s: metadata: %w", id, err)
	}
	return meta, nil
}

// readMetas returns every job's metadata by job id, as of revision rev
// (0: the latest).
func (c *Coordinator) readMetas(ctx context.Context, rev int64) (map[string]*pb.JobMeta, error) {
	resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.Metas(), clientv3.WithPrefix(), clientv3.WithRev(rev))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*pb.JobMeta, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		meta := &pb.JobMeta{}
		if proto.Unmarshal(kv.Value, meta) == nil {
			out[strings.TrimPrefix(string(kv.Key), c.cfg.Prefix.Metas())] = meta
		}
	}
	return out, nil
}

// mayManage reports whether the caller of ctx may read or manage a job of
// owner: without tokens anyone may; with tokens, the owner and admins (and
// anyone, for a job that records no owner).
func mayManage(ctx context.Context, owner string) bool {
	id, ok := security.CallerIdentity(ctx)
	return !ok || id.Admin || owner == "" || id.Name == owner
}

// authorize returns the state and metadata of a job the caller may manage,
// NotFound when there is no such job, PermissionDenied when it belongs to
// another name.
func (c *Coordinator) authorize(ctx context.Context, id string) (*pb.JobEvent, *pb.JobMeta, int64, error) {
	ev, rev, err := c.readState(ctx, id)
	if err != nil {
		return nil, nil, 0, status.Error(codes.Unavailable, err.Error())
	}
	if ev == nil {
		return nil, nil, 0, status.Errorf(codes.NotFound, "no job %q", id)
	}
	meta, err := c.readMeta(ctx, id)
	if err != nil {
		return nil, nil, 0, status.Error(codes.Unavailable, err.Error())
	}
	if meta == nil {
		meta = &pb.JobMeta{}
	}
	if !mayManage(ctx, meta.Owner) {
		return nil, nil, 0, status.Errorf(codes.PermissionDenied, "job %s belongs to %q: only its owner or an admin token may use it", id, meta.Owner)
	}
	return ev, meta, rev, nil
}

// deleteCheckpoints removes a finished job's checkpoints.
func (c *Coordinator) deleteCheckpoints(ctx context.Context, id string) error {
	return retry(ctx, func(ctx context.Context) error {
		_, err := c.cfg.Etcd.Delete(ctx, c.cfg.Prefix.JobDone(id), clientv3.WithPrefix())
		return err
	})
}

// deleteResults removes a job's stored results.
func (c *Coordinator) deleteResults(ctx context.Context, id string) error {
	_, err := c.cfg.Etcd.Delete(ctx, c.cfg.Prefix.JobResults(id), clientv3.WithPrefix())
	return err
}

// deleteJob removes a job: its results, then in one transaction its
// state, metadata, specification, checkpoints and dataset reference; then
// the dataset if no other job references it.
func (c *Coordinator) deleteJob(ctx context.Context, id string) error {
	spec, err := c.readSpec(ctx, id)
	var missing final
	if err != nil && !errors.As(err, &missing) {
		return err
	}
	if err := c.deleteResults(ctx, id); err != nil {
		return fmt.Errorf("job %s: delete results: %w", id, err)
	}
	ops := []clientv3.Op{clientv3.OpDelete(c.cfg.Prefix.JobState(id)), clientv3.OpDelete(c.cfg.Prefix.JobMeta(id)),
		clientv3.OpDelete(c.cfg.Prefix.Job(id), clientv3.WithPrefix())}
	if spec != nil {
		ops = append(ops, clientv3.OpDelete(c.cfg.Prefix.DatasetRef(spec.DatasetSha256, id)))
	}
	if _, err := c.cfg.Etcd.Txn(ctx).Then(ops...).Commit(); err != nil {
		return fmt.Errorf("job %s: delete: %w", id, err)
	}
	c.log.Info("job deleted", "job", id)
	if spec != nil {
		return c.releaseDataset(ctx, spec.DatasetSha256)
	}
	return nil
}

// releaseDataset deletes a dataset that no job references. The check and
// the deletion are one transaction, and Submit references a dataset only
// while it is stored, so a dataset is never deleted under a job.
func (c *Coordinator) releaseDataset(ctx context.Context, sha string) error {
	unused := clientv3.Compare(clientv3.CreateRevision(c.cfg.Prefix.DatasetUsers(sha)), "=", 0).WithPrefix()
	deleted, err := datastore.Delete(ctx, c.cfg.Etcd, c.cfg.Prefix, sha, unused)
	if deleted {
		c.log.Info("dataset deleted", "dataset", sha)
	}
	return err
}
