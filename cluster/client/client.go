package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/cluster/jobspec"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// Client talks to one or more coordinators.
type Client struct {
	addrs []string
	conns []*grpc.ClientConn
	next  int
	// Patience bounds how long the client keeps retrying while no
	// coordinator answers (default 5 min), once one has answered.
	Patience time.Duration
	// DialTimeout bounds the wait for a first connection to any
	// coordinator (default 10 s); a TLS mismatch (ErrUnknownAuthority,
	// ErrServerName, ErrNotTLS, ErrNoPreface) ends it sooner.
	DialTimeout time.Duration
	// Retention asks the cluster to keep the jobs this client submits this
	// long once finished; 0 leaves it to the coordinator's --retention.
	Retention time.Duration
	answered  bool
}

// New returns a client of the coordinators at addrs (HOST:PORT). Without
// dial options the connections are plaintext.
func New(addrs []string, opts ...grpc.DialOption) (*Client, error) {
	if len(addrs) == 0 {
		return nil, errors.New("client: no coordinator address")
	}
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	opts = append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
	c := &Client{addrs: addrs, Patience: 5 * time.Minute, DialTimeout: 10 * time.Second}
	for _, a := range addrs {
		cc, err := grpc.NewClient(a, opts...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("client: %s: %w", a, err)
		}
		c.conns = append(c.conns, cc)
	}
	return c, nil
}

// Close closes the connections.
func (c *Client) Close() {
	for _, cc := range c.conns {
		cc.Close()
	}
}

// transient reports whether a call failed because no coordinator could
// answer it (retry elsewhere or later) rather than because it was refused.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.Internal, codes.Unknown:
		return true
	}
	return false
}

// plain turns a refused call into an error carrying the server's message
// alone, so that the command line prints what the local command prints.
func plain(err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		if s.Code() == codes.Unauthenticated {
			return &unauthenticated{s.Message()}
		}
		if jobspec.IsOption(s) {
			return &optionRefused{s.Message()}
		}
		return errors.New(s.Message())
	}
	return err
}

// unauthenticated is a refusal for a missing or wrong bearer token: its
// message is the server's, and it matches ErrUnauthenticated.
type unauthenticated struct{ msg string }

func (e *unauthenticated) Error() string        { return e.msg }
func (e *unauthenticated) Is(target error) bool { return target == ErrUnauthenticated }

// optionRefused is a refusal of a specification whose fault lies in an
// option the data refuse: its message is the server's, and it matches
// jobspec.ErrOption.
type optionRefused struct{ msg string }

func (e *optionRefused) Error() string        { return e.msg }
func (e *optionRefused) Is(target error) bool { return target == jobspec.ErrOption }

// call runs op against the coordinators in turn until it succeeds, fails
// for good, or no coordinator has answered for Patience (DialTimeout
// before the first answer). op calls heard on every answer of a stream,
// so that a long watch that breaks is re-established rather than given up:
// patience counts from the last answer, not from the start of the call.
func (c *Client) call(ctx context.Context, op func(jc pb.JobsClient, heard func()) error) error {
	start := time.Now()
	heard := func() { start = time.Now() }
	backoff := 100 * time.Millisecond
	var last string // the cause of the previous failed first connection
	seen := 0       // attempts in a row that failed with it
	for {
		err := op(pb.NewJobsClient(c.conns[c.next]), heard)
		if err == nil || !transient(err) || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.answered = true
			return err
		}
		// A connection that is up carried the coordinator's own answer
		// (such as etcd being unavailable): patience, not the dial timeout.
		if c.conns[c.next].GetState() == connectivity.Ready {
			c.answered = true
		}
		limit := c.Patience
		if !c.answered {
			limit = c.DialTimeout
			final, cause := connectionCause(err)
			if cause != nil && cause.Error() == last {
				seen++
			} else if cause != nil {
				last, seen = cause.Error(), 1
			}
			switch {
			case cause != nil && seen >= final:
				return fmt.Errorf("%s: %w", c.addrs[c.next], cause)
			case time.Since(start)+backoff > limit && cause != nil:
				return fmt.Errorf("%w within %v: %s: %w", ErrDial, limit, c.addrs[c.next], cause)
			case time.Since(start)+backoff > limit:
				return fmt.Errorf("%w within %v (last error: %v)", ErrDial, limit, plain(err))
			}
		} else if time.Since(start)+backoff > limit {
			return fmt.Errorf("no coordinator answered for %v (last error: %v)", limit, plain(err))
		}
		c.next = (c.next + 1) % len(c.conns)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// Upload stores a dataset and returns its SHA-256.
func (c *Client) Upload(ctx context.Context, data []byte) (string, error) {
	return c.UploadFrom(ctx, bytesSource(data))
}

// Source opens a dataset's bytes for one attempt of an upload (a failed
// attempt is retried on another coordinator from the start).
type Source func() (io.ReadCloser, error)

func bytesSource(data []byte) Source {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// UploadFrom stores the dataset that open reads, streaming it in chunks of
// 1 MiB, and returns its SHA-256.
func (c *Client) UploadFrom(ctx context.Context, open Source) (string, error) {
	var ref *pb.DatasetRef
	var readErr error // not the coordinator's: not retried
	err := c.call(ctx, func(jc pb.JobsClient, _ func()) error {
		r, err := open()
		if err != nil {
			readErr = err
			return nil
		}
		defer r.Close()
		sctx, cancel := context.WithCancel(ctx) // a failed read cancels the upload: nothing is stored
		defer cancel()
		stream, err := jc.UploadDataset(sctx)
		if err != nil {
			return err
		}
		buf := make([]byte, 1<<20)
		for first := true; ; first = false {
			n, err := io.ReadFull(r, buf)
			if err == io.EOF && !first {
				break
			}
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				readErr = fmt.Errorf("read dataset: %w", err)
				return nil
			}
			if err := stream.Send(&pb.DatasetChunk{Data: buf[:n]}); err != nil {
				_, err = stream.CloseAndRecv()
				return err
			}
			if n < len(buf) {
				break
			}
		}
		ref, err = stream.CloseAndRecv()
		return err
	})
	switch {
	case readErr != nil:
		return "", readErr
	case err != nil:
		return "", plain(err)
	}
	return ref.Sha256, nil
}

// NewJobID returns a random job id.
func NewJobID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submit submits a job under the given id; retrying is safe.
func (c *Client) Submit(ctx context.Context, id string, spec *pb.JobSpec) error {
	return plain(c.submit(ctx, id, spec))
}

// submit is Submit with the coordinator's status.
func (c *Client) submit(ctx context.Context, id string, spec *pb.JobSpec) error {
	return c.call(ctx, func(jc pb.JobsClient, _ func()) error {
		_, err := jc.Submit(ctx, &pb.SubmitRequest{JobId: id, Spec: spec, RetentionSeconds: int64(c.Retention.Round(time.Second) / time.Second)})
		return err
	})
}

// Wait follows a job until it ends and returns its results, calling onEvent
// (if set) with every event. A broken watch is re-established, on another
// coordinator if need be.
func (c *Client) Wait(ctx context.Context, id string, onEvent func(*pb.JobEvent)) ([][]byte, error) {
	var final *pb.JobEvent
	err := c.call(ctx, func(jc pb.JobsClient, heard func()) error {
		stream, err := jc.Watch(ctx, &pb.WatchRequest{JobId: id})
		if err != nil {
			return err
		}
		for {
			ev, err := stream.Recv()
			if err != nil {
				return err
			}
			heard()
			if onEvent != nil {
				onEvent(ev)
			}
			switch ev.State {
			case pb.JobState_JOB_STATE_SUCCEEDED, pb.JobState_JOB_STATE_FAILED, pb.JobState_JOB_STATE_CANCELLED:
				final = ev
				return nil
			}
		}
	})
	if err != nil {
		return nil, plain(err)
	}
	switch final.State {
	case pb.JobState_JOB_STATE_FAILED:
		return nil, errors.New(final.Error)
	case pb.JobState_JOB_STATE_CANCELLED:
		return nil, fmt.Errorf("job %s was cancelled", id)
	}
	return final.Results, nil
}

// Cancel cancels a job.
func (c *Client) Cancel(ctx context.Context, id string) error {
	return plain(c.call(ctx, func(jc pb.JobsClient, _ func()) error {
		_, err := jc.Cancel(ctx, &pb.CancelRequest{JobId: id})
		return err
	}))
}

// List returns the jobs the client's token may see, newest first.
func (c *Client) List(ctx context.Context) ([]*pb.JobInfo, error) {
	var resp *pb.ListResponse
	err := c.call(ctx, func(jc pb.JobsClient, _ func()) (err error) {
		resp, err = jc.List(ctx, &pb.ListRequest{})
		return err
	})
	if err != nil {
		return nil, plain(err)
	}
	return resp.Jobs, nil
}

// Get returns a job and, when it succeeded, its results.
func (c *Client) Get(ctx context.Context, id string) (*pb.JobInfo, error) {
	var info *pb.JobInfo
	err := c.call(ctx, func(jc pb.JobsClient, _ func()) (err error) {
		info, err = jc.Get(ctx, &pb.GetRequest{JobId: id})
		return err
	})
	return info, plain(err)
}

// Delete deletes a job that has ended, with its results.
func (c *Client) Delete(ctx context.Context, id string) error {
	return plain(c.call(ctx, func(jc pb.JobsClient, _ func()) error {
		_, err := jc.Delete(ctx, &pb.DeleteRequest{JobId: id})
		return err
	}))
}

// cancelWait bounds the cancellation of a job whose caller gave up.
const cancelWait = 300 * time.Millisecond

// Run uploads the dataset, submits a job of the specifications and waits for
// its results. When ctx ends first, it cancels the job (for at most
// cancelWait) so that the cluster stops working for nobody.
func (c *Client) Run(ctx context.Context, data []byte, specs []*pb.Specification, onEvent func(*pb.JobEvent)) ([][]byte, error) {
	return c.RunFrom(ctx, bytesSource(data), specs, onEvent)
}

// RunFrom is Run on the dataset that open reads (see UploadFrom).
func (c *Client) RunFrom(ctx context.Context, open Source, specs []*pb.Specification, onEvent func(*pb.JobEvent)) ([][]byte, error) {
	sha, err := c.UploadFrom(ctx, open)
	if err != nil {
		return nil, err
	}
	id := NewJobID()
	job := &pb.JobSpec{DatasetSha256: sha, Specs: specs}
	err = c.submit(ctx, id, job)
	if status.Code(err) == codes.FailedPrecondition {
		// The dataset was stored already, and deleted with its last job
		// before this submission: upload it again, once.
		if _, err := c.UploadFrom(ctx, open); err != nil {
			return nil, err
		}
		err = c.submit(ctx, id, job)
	}
	if err != nil {
		return nil, plain(err)
	}
	results, err := c.Wait(ctx, id, onEvent)
	if ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
		c.Cancel(cctx, id)
		cancel()
	}
	return results, err
}
