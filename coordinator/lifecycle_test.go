package coordinator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestJobOwnership serves the Jobs API with named tokens (no coordinator
// leads, so jobs stay queued) and checks that a job records its owner's
// name; that another name can neither see, read, watch, cancel nor delete
// it, and an admin can; that a job that has not ended cannot be deleted;
// and that deleting a job removes its keys and, with its last job, its
// dataset.
func TestJobOwnership(t *testing.T) {
	cli, blobs := clustertest.Etcd(t), clustertest.Blobs(t)
	sha := clustertest.PutDataset(t, cli, blobs, "../testdata/hansen1999/hansen1999_xthreg.csv")
	path := filepath.Join(t.TempDir(), "tokens.txt")
	if err := os.WriteFile(path, []byte("# names\nalice:alice-token-0123456789\nbob:bob-token-0123456789ab\nroot:root-token-0123456789a:admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := security.LoadTokens(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, ServerOptions: tokens.ServerOptions()})
	if err != nil {
		t.Fatal(err)
	}
	go c.srv.Serve(c.lis)
	t.Cleanup(c.srv.Stop)
	as := func(token string) pb.JobsClient {
		cc, err := grpc.NewClient(c.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(security.BearerToken{Token: token}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		return pb.NewJobsClient(cc)
	}
	alice, bob, root := as("alice-token-0123456789"), as("bob-token-0123456789ab"), as("root-token-0123456789a")
	ctx := context.Background()
	spec := threshold.Spec{ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"}, Rx: []string{"c1"}, Qx: "d1",
		Thresholds: 1, Grid: threshold.Grid{Points: 20}, Reps: []int{0}}
	job := &pb.JobSpec{DatasetSha256: sha, Specs: []*pb.Specification{{Kind: threshold.KindName, Spec: threshold.ConfigOf(spec, threshold.Fast).Encode()}}}
	for _, id := range []string{"a1", "a2"} {
		if _, err := alice.Submit(ctx, &pb.SubmitRequest{JobId: id, Spec: job}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(prefix string) int64 {
		resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Count
	}

	list := func(jc pb.JobsClient) []string {
		resp, err := jc.List(ctx, &pb.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, j := range resp.Jobs {
			ids = append(ids, j.JobId+":"+j.Owner+":"+j.Specs[0].Kind)
		}
		return ids
	}
	if got := strings.Join(list(alice), " "); got != "a1:alice:threshold a2:alice:threshold" && got != "a2:alice:threshold a1:alice:threshold" {
		t.Errorf("alice lists %q", got)
	}
	if got := list(bob); len(got) != 0 {
		t.Errorf("bob lists %q, want nothing", got)
	}
	if got := list(root); len(got) != 2 {
		t.Errorf("the admin lists %q, want both jobs", got)
	}

	watch := func(jc pb.JobsClient, id string) error {
		stream, err := jc.Watch(ctx, &pb.WatchRequest{JobId: id})
		if err == nil {
			_, err = stream.Recv()
		}
		return err
	}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := bob.Get(ctx, &pb.GetRequest{JobId: "a1"}); return err },
		"watch":  func() error { return watch(bob, "a1") },
		"cancel": func() error { _, err := bob.Cancel(ctx, &pb.CancelRequest{JobId: "a1"}); return err },
		"delete": func() error { _, err := bob.Delete(ctx, &pb.DeleteRequest{JobId: "a1"}); return err },
	} {
		if err := call(); status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), `job a1 belongs to "alice"`) {
			t.Errorf("bob's %s of alice's job: %v, want PermissionDenied", name, err)
		}
	}
	info, err := root.Get(ctx, &pb.GetRequest{JobId: "a1"})
	if err != nil || info.State != pb.JobState_JOB_STATE_QUEUED || info.Owner != "alice" || info.SubmittedUnixMs == 0 ||
		info.DatasetSha256 != sha || len(info.Specs) != 1 {
		t.Errorf("the admin's get: %v, %v", info, err)
	}

	_, err = alice.Delete(ctx, &pb.DeleteRequest{JobId: "a1"})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "job a1 has not ended (queued): cancel it first") {
		t.Errorf("deleting a queued job: %v", err)
	}
	for _, step := range []struct {
		jc       pb.JobsClient
		id       string
		datasets int64 // dataset keys left after the deletion
	}{{alice, "a1", 1}, {root, "a2", 0}} {
		if _, err := step.jc.Cancel(ctx, &pb.CancelRequest{JobId: step.id}); err != nil {
			t.Fatal(err)
		}
		if _, err := step.jc.Delete(ctx, &pb.DeleteRequest{JobId: step.id}); err != nil {
			t.Fatalf("deleting cancelled job %s: %v", step.id, err)
		}
		if _, err := alice.Get(ctx, &pb.GetRequest{JobId: step.id}); status.Code(err) != codes.NotFound {
			t.Errorf("job %s after its deletion: %v, want NotFound", step.id, err)
		}
		if n := count(c.cfg.Prefix.Datasets()); n != step.datasets {
			t.Errorf("after deleting %s: %d dataset keys, want %d (its reference while a job uses it)", step.id, n, step.datasets)
		}
	}
	for _, prefix := range []string{c.cfg.Prefix.States(), c.cfg.Prefix.Metas(), string(c.cfg.Prefix) + "/jobs/", c.cfg.Prefix.DatasetRefs()} {
		if n := count(prefix); n != 0 {
			t.Errorf("%d keys left under %s", n, prefix)
		}
	}
	if _, err := blobs.Get(ctx, c.cfg.Prefix.DatasetObjects(), blobstore.Ref{SHA256: sha}); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("the dataset's object after its last job's deletion: %v, want ErrNotFound", err)
	}
	if _, err := alice.Submit(ctx, &pb.SubmitRequest{JobId: "a3", Spec: job}); status.Code(err) != codes.FailedPrecondition ||
		!strings.Contains(err.Error(), "is not stored: upload it first") {
		t.Errorf("a job on the deleted dataset: %v", err)
	}
}
