package coordinator

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// jobsService implements the Jobs API on top of etcd; any coordinator,
// leading or not, serves it.
type jobsService struct {
	pb.UnimplementedJobsServer
	c *Coordinator
}

var jobIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (s *jobsService) UploadDataset(stream pb.Jobs_UploadDatasetServer) error {
	chunks, size, err := receiveDataset(stream, s.c.cfg.MaxDatasetBytes)
	if err != nil {
		return err
	}
	sha, err := datastore.Put(stream.Context(), s.c.cfg.Etcd, s.c.cfg.Prefix, s.c.cfg.Blobs, chunks...)
	if err != nil {
		return storeError(err)
	}
	return stream.SendAndClose(&pb.DatasetRef{Sha256: sha, Size: int64(size)})
}

// receiveDataset returns the chunks of an upload and their total size,
// refusing it as soon as they exceed limit. Chunks are kept as received,
// never joined (the blob store writes them one after the other): appending
// them to a growing buffer reserved up to twice the limit, which a refused
// upload then left in the process (566 MB of RSS after a refused 1 GiB
// upload with the default 256 MiB), and joining them doubled an accepted
// upload. A refused upload's chunks are returned to the
// operating system at once.
func receiveDataset(stream pb.Jobs_UploadDatasetServer, limit int) ([][]byte, int, error) {
	var chunks [][]byte
	size := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return chunks, size, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if size += len(chunk.Data); size > limit {
			debug.FreeOSMemory() // chunks is dead here: the collection frees it
			return nil, 0, status.Errorf(codes.ResourceExhausted, "%v: %d bytes received, above the limit of %d bytes "+
				"(the coordinator's --max-dataset-bytes)", datastore.ErrTooLarge, size, limit)
		}
		chunks = append(chunks, chunk.Data)
	}
}

// Submit validates every specification against the dataset, with the same
// checks and messages as the local command, then stores the job.
func (s *jobsService) Submit(ctx context.Context, req *pb.SubmitRequest) (*pb.SubmitResponse, error) {
	if !jobIDPattern.MatchString(req.JobId) {
		return nil, status.Errorf(codes.InvalidArgument, "job id %q must be 1-64 letters, digits, '-' or '_'", req.JobId)
	}
	if req.RetentionSeconds < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "retention of %d s: want 0 (the coordinator's --retention) or more", req.RetentionSeconds)
	}
	if req.Spec == nil || len(req.Spec.Specs) == 0 {
		return nil, status.Error(codes.InvalidArgument, "a job needs at least one specification")
	}
	sha := req.Spec.DatasetSha256
	specs := req.Spec.Specs
	decoded, decodeErrs := make([]model.Spec, len(specs)), make([]error, len(specs))
	for i, item := range specs {
		decoded[i], decodeErrs[i] = s.c.cfg.Kinds.Decode(item.Kind, item.Spec)
	}
	// The dataset is read for the columns its specifications use; one that
	// does not decode fails below, after the dataset's own errors.
	table, err := s.c.dataset(ctx, sha, model.SchemaOf(decoded...))
	var invalid prepared.InvalidError
	switch {
	case errors.Is(err, datastore.ErrNotFound):
		return nil, status.Errorf(codes.FailedPrecondition, "dataset %s is not stored: upload it first", sha)
	case errors.As(err, &invalid):
		return nil, status.Error(codes.InvalidArgument, err.Error())
	case err != nil:
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	work, err := jobspec.CheckWork(s.c.cfg.Kinds, req.Spec.Specs, table.Len(), s.c.cfg.MaxWork, "the coordinator's --max-work")
	if err != nil {
		code := codes.InvalidArgument
		if errors.Is(err, jobspec.ErrTooMuchWork) {
			code = codes.ResourceExhausted
		}
		return nil, status.Error(code, err.Error())
	}
	labels := make([]string, len(specs))
	for i, item := range specs {
		labels[i] = item.Label
	}
	if err := model.CheckLabels("specifications", labels); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	check := func(i int, table *panel.Table) error {
		err := decodeErrs[i]
		if err == nil {
			err = s.validate(sha, table, specs[i].Kind, decoded[i])
		}
		if err != nil && len(specs) > 1 {
			err = fmt.Errorf("specification %s: %w", jobspec.Label(specs[i], i), err)
		}
		if err != nil {
			return jobspec.Refusal(err).Err()
		}
		return nil
	}
	for i := range len(specs) - 1 {
		if err := check(i, table); err != nil {
			return nil, err
		}
	}
	// Nothing uses the table after the last validation, so that its
	// preparation may free it once it has built its columns (the cache
	// holds it weakly).
	if err := check(len(specs)-1, table); err != nil {
		return nil, err
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.Spec)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	state, _ := proto.Marshal(&pb.JobEvent{JobId: req.JobId, State: pb.JobState_JOB_STATE_QUEUED, Message: "queued"})
	meta := &pb.JobMeta{SubmittedUnixMs: nowMs(), RetentionSeconds: req.RetentionSeconds}
	if id, ok := security.CallerIdentity(ctx); ok {
		meta.Owner = id.Name
	}
	for _, item := range req.Spec.Specs {
		meta.Kinds = append(meta.Kinds, item.Kind)
	}
	rawMeta, _ := proto.Marshal(meta)
	// The job references its dataset in the same transaction that checks
	// the dataset is still stored (see releaseDataset).
	specKey := s.c.cfg.Prefix.JobSpec(req.JobId)
	txn, err := s.c.cfg.Etcd.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(specKey), "=", 0),
		clientv3.Compare(clientv3.CreateRevision(s.c.cfg.Prefix.DatasetMeta(req.Spec.DatasetSha256)), ">", 0)).
		Then(clientv3.OpPut(specKey, string(raw)), clientv3.OpPut(s.c.cfg.Prefix.JobState(req.JobId), string(state)),
			clientv3.OpPut(s.c.cfg.Prefix.JobMeta(req.JobId), string(rawMeta)),
			clientv3.OpPut(s.c.cfg.Prefix.DatasetRef(req.Spec.DatasetSha256, req.JobId), "")).
		Else(clientv3.OpGet(specKey)).Commit()
	if err != nil {
		return nil, storeError(err)
	}
	if !txn.Succeeded {
		prev := txn.Responses[0].GetResponseRange().Kvs
		if len(prev) == 0 {
			return nil, status.Errorf(codes.FailedPrecondition, "dataset %s is not stored: upload it first", req.Spec.DatasetSha256)
		}
		if !bytes.Equal(prev[0].Value, raw) {
			return nil, status.Errorf(codes.AlreadyExists, "job %s exists with another specification", req.JobId)
		}
	}
	s.c.log.Info("job submitted", "job", req.JobId, "owner", meta.Owner, "specifications", len(req.Spec.Specs), "estimated_work", work)
	return &pb.SubmitResponse{JobId: req.JobId}, nil
}

// validate prepares a decoded specification as a worker would; the
// prepared model stays cached for the job's run.
func (s *jobsService) validate(sha string, table *panel.Table, kind string, spec model.Spec) error {
	_, _, err := s.c.cfg.Cache.Model(sha, kind, spec, func() (*panel.Table, error) { return table, nil })
	return err
}

// Watch streams the job's state from etcd until it is final.
func (s *jobsService) Watch(req *pb.WatchRequest, stream pb.Jobs_WatchServer) error {
	ctx := stream.Context()
	ev, _, rev, err := s.c.authorize(ctx, req.JobId)
	if err != nil {
		return err
	}
	send := func(ev *pb.JobEvent) (bool, error) {
		if ev.State == pb.JobState_JOB_STATE_SUCCEEDED {
			spec, err := s.c.readSpec(ctx, req.JobId)
			if err != nil {
				return true, status.Error(codes.Unavailable, err.Error())
			}
			if ev.Results, err = s.c.readResults(ctx, req.JobId, len(spec.Specs)); err != nil {
				return true, status.Error(codes.Unavailable, err.Error())
			}
		}
		return terminal(ev.State), stream.Send(ev)
	}
	if done, err := send(ev); done || err != nil {
		return err
	}
	// A watch on an etcd this coordinator can no longer reach (a network
	// partition) would wait silently forever, even to be created: a
	// linearizable read every session TTL ends the stream instead, so that
	// the client watches through another coordinator.
	key := s.c.cfg.Prefix.JobState(req.JobId)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch := make(chan clientv3.WatchResponse)
	go func() {
		defer close(watch)
		for wr := range s.c.cfg.Etcd.Watch(wctx, key, clientv3.WithRev(rev+1)) {
			select {
			case watch <- wr:
			case <-wctx.Done():
				return
			}
		}
	}()
	probe := time.NewTicker(s.c.sessionTTL())
	defer probe.Stop()
	for open := true; open; {
		var wr clientv3.WatchResponse
		select {
		case <-probe.C:
			pctx, cancel := context.WithTimeout(ctx, s.c.sessionTTL())
			_, err := s.c.cfg.Etcd.Get(pctx, key, clientv3.WithCountOnly())
			cancel()
			if err != nil && ctx.Err() == nil {
				return status.Errorf(codes.Unavailable, "etcd unreachable: %v", err)
			}
			continue
		case wr, open = <-watch:
		}
		if err := wr.Err(); err != nil {
			return status.Error(codes.Unavailable, err.Error())
		}
		for _, e := range wr.Events {
			if e.Type == clientv3.EventTypeDelete {
				return status.Errorf(codes.NotFound, "job %q was deleted", req.JobId)
			}
			ev := &pb.JobEvent{}
			if err := proto.Unmarshal(e.Kv.Value, ev); err != nil {
				return status.Error(codes.Internal, err.Error())
			}
			if done, err := send(ev); done || err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err()
	}
	return status.Error(codes.Unavailable, "watch ended")
}

func (s *jobsService) Cancel(ctx context.Context, req *pb.CancelRequest) (*pb.CancelResponse, error) {
	if _, _, _, err := s.c.authorize(ctx, req.JobId); err != nil {
		return nil, err
	}
	if err := s.c.writeState(ctx, &pb.JobEvent{JobId: req.JobId, State: pb.JobState_JOB_STATE_CANCELLED, Message: "cancelled",
		FinishedUnixMs: nowMs()}); err != nil {
		return nil, storeError(err)
	}
	return &pb.CancelResponse{}, nil
}

// List returns the jobs the caller may manage, newest first, from two
// range reads: states and metadata.
func (s *jobsService) List(ctx context.Context, _ *pb.ListRequest) (*pb.ListResponse, error) {
	states, err := s.c.cfg.Etcd.Get(ctx, s.c.cfg.Prefix.States(), clientv3.WithPrefix())
	if err != nil {
		return nil, storeError(err)
	}
	byID, err := s.c.readMetas(ctx, states.Header.Revision)
	if err != nil {
		return nil, storeError(err)
	}
	out := &pb.ListResponse{}
	for _, kv := range states.Kvs {
		ev := &pb.JobEvent{}
		if proto.Unmarshal(kv.Value, ev) != nil {
			continue
		}
		meta := byID[ev.JobId]
		if meta == nil {
			meta = &pb.JobMeta{}
		}
		if mayManage(ctx, meta.Owner) {
			out.Jobs = append(out.Jobs, jobInfo(ev, meta))
		}
	}
	slices.SortStableFunc(out.Jobs, func(a, b *pb.JobInfo) int {
		return cmp.Or(cmp.Compare(b.SubmittedUnixMs, a.SubmittedUnixMs), strings.Compare(a.JobId, b.JobId))
	})
	return out, nil
}

// jobInfo combines a job's state and metadata; its specifications carry
// their kinds only.
func jobInfo(ev *pb.JobEvent, meta *pb.JobMeta) *pb.JobInfo {
	info := &pb.JobInfo{JobId: ev.JobId, State: ev.State, Message: ev.Message, Progress: ev.Progress, Error: ev.Error,
		Owner: meta.Owner, SubmittedUnixMs: meta.SubmittedUnixMs, FinishedUnixMs: ev.FinishedUnixMs,
		RetentionSeconds: meta.RetentionSeconds, ResultBytes: ev.ResultBytes}
	for _, k := range meta.Kinds {
		info.Specs = append(info.Specs, &pb.Specification{Kind: k})
	}
	return info
}

// Get returns a job with its specifications and, when it succeeded, its
// results.
func (s *jobsService) Get(ctx context.Context, req *pb.GetRequest) (*pb.JobInfo, error) {
	ev, meta, _, err := s.c.authorize(ctx, req.JobId)
	if err != nil {
		return nil, err
	}
	// A job deleted since its state was read has lost its specification
	// or results: final errors, not etcd's unavailability.
	var deleted final
	spec, err := s.c.readSpec(ctx, req.JobId)
	if errors.As(err, &deleted) {
		return nil, status.Errorf(codes.NotFound, "no job %q", req.JobId)
	} else if err != nil {
		return nil, storeError(err)
	}
	info := jobInfo(ev, meta)
	info.Specs, info.DatasetSha256 = spec.Specs, spec.DatasetSha256
	if ev.State == pb.JobState_JOB_STATE_SUCCEEDED {
		info.Results, err = s.c.readResults(ctx, req.JobId, len(spec.Specs))
		if errors.As(err, &deleted) {
			return nil, status.Errorf(codes.NotFound, "no job %q", req.JobId)
		} else if err != nil {
			return nil, storeError(err)
		}
	}
	return info, nil
}

// Delete removes a job that has ended.
func (s *jobsService) Delete(ctx context.Context, req *pb.DeleteRequest) (*pb.DeleteResponse, error) {
	ev, _, _, err := s.c.authorize(ctx, req.JobId)
	if err != nil {
		return nil, err
	}
	if !terminal(ev.State) {
		return nil, status.Errorf(codes.FailedPrecondition, "job %s has not ended (%s): cancel it first", req.JobId, stateName(ev.State))
	}
	if err := s.c.deleteJob(ctx, req.JobId); err != nil {
		return nil, storeError(err)
	}
	return &pb.DeleteResponse{}, nil
}

// stateName is a state as the metrics and the command line name it:
// queued, running, succeeded, failed, cancelled.
func stateName(s pb.JobState) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "JOB_STATE_"))
}
