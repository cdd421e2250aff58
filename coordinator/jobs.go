package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/prepared"
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
	data, err := receiveDataset(stream, s.c.cfg.MaxDatasetBytes)
	if err != nil {
		return err
	}
	sha, err := datastore.Put(stream.Context(), s.c.cfg.Etcd, s.c.cfg.Prefix, s.c.cfg.Blobs, data)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	return stream.SendAndClose(&pb.DatasetRef{Sha256: sha, Size: int64(len(data))})
}

// receiveDataset returns the bytes of an upload, refusing it as soon as
// they exceed limit. Chunks are kept as received and joined once at the
// end: appending them to a growing buffer reserved up to twice the limit,
// which a refused upload then left in the process (566 MB of RSS after a
// refused 1 GiB upload with the default 256 MiB). A refused upload's chunks
// are returned to the operating system at once.
func receiveDataset(stream pb.Jobs_UploadDatasetServer, limit int) ([]byte, error) {
	var chunks [][]byte
	size := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return bytes.Join(chunks, nil), nil
		}
		if err != nil {
			return nil, err
		}
		if size += len(chunk.Data); size > limit {
			debug.FreeOSMemory() // chunks is dead here: the collection frees it
			return nil, status.Errorf(codes.ResourceExhausted, "%v: %d bytes received, above the limit of %d bytes "+
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
	if req.Spec == nil || len(req.Spec.Specs) == 0 {
		return nil, status.Error(codes.InvalidArgument, "a job needs at least one specification")
	}
	// A cached dataset is not fetched from the blob store again.
	table, _, err := s.c.cfg.Cache.Dataset(req.Spec.DatasetSha256, func() ([]byte, error) {
		return datastore.Get(ctx, s.c.cfg.Etcd, s.c.cfg.Prefix, s.c.cfg.Blobs, req.Spec.DatasetSha256)
	})
	var invalid prepared.InvalidError
	switch {
	case errors.Is(err, datastore.ErrNotFound):
		return nil, status.Errorf(codes.FailedPrecondition, "dataset %s is not stored: upload it first", req.Spec.DatasetSha256)
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
	for i, item := range req.Spec.Specs {
		if err := s.validate(req.Spec.DatasetSha256, table, item); err != nil {
			if len(req.Spec.Specs) > 1 {
				err = fmt.Errorf("specification %s: %w", jobspec.Label(item, i), err)
			}
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.Spec)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	state, _ := proto.Marshal(&pb.JobEvent{JobId: req.JobId, State: pb.JobState_JOB_STATE_QUEUED, Message: "queued"})
	specKey := s.c.cfg.Prefix.JobSpec(req.JobId)
	txn, err := s.c.cfg.Etcd.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(specKey), "=", 0)).
		Then(clientv3.OpPut(specKey, string(raw)), clientv3.OpPut(s.c.cfg.Prefix.JobState(req.JobId), string(state))).
		Else(clientv3.OpGet(specKey)).Commit()
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	if !txn.Succeeded {
		prev := txn.Responses[0].GetResponseRange().Kvs[0].Value
		if !bytes.Equal(prev, raw) {
			return nil, status.Errorf(codes.AlreadyExists, "job %s exists with another specification", req.JobId)
		}
	}
	s.c.log.Info("job submitted", "job", req.JobId, "specifications", len(req.Spec.Specs), "estimated_work", work)
	return &pb.SubmitResponse{JobId: req.JobId}, nil
}

// validate decodes a specification and prepares it as a worker would; the
// prepared model stays cached for the job's run.
func (s *jobsService) validate(sha string, table *panel.Table, item *pb.Specification) error {
	spec, err := s.c.cfg.Kinds.Decode(item.Kind, item.Spec)
	if err != nil {
		return err
	}
	_, _, err = s.c.cfg.Cache.Model(sha, item.Kind, spec, func() (*panel.Table, error) { return table, nil })
	return err
}

// Watch streams the job's state from etcd until it is final.
func (s *jobsService) Watch(req *pb.WatchRequest, stream pb.Jobs_WatchServer) error {
	ctx := stream.Context()
	ev, rev, err := s.c.readState(ctx, req.JobId)
	if err != nil {
		return status.Error(codes.Unavailable, err.Error())
	}
	if ev == nil {
		return status.Errorf(codes.NotFound, "no job %q", req.JobId)
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
	for wr := range s.c.cfg.Etcd.Watch(ctx, s.c.cfg.Prefix.JobState(req.JobId), clientv3.WithRev(rev+1)) {
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
	ev, _, err := s.c.readState(ctx, req.JobId)
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	if ev == nil {
		return nil, status.Errorf(codes.NotFound, "no job %q", req.JobId)
	}
	if err := s.c.writeState(ctx, &pb.JobEvent{JobId: req.JobId, State: pb.JobState_JOB_STATE_CANCELLED, Message: "cancelled"}); err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return &pb.CancelResponse{}, nil
}
