package worker

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/clustertest"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// FuzzTask executes arbitrary tasks of a job stored in an embedded etcd,
// with a threshold and a mediation specification on a real dataset: a task
// may fail, with an error saying why, but must never panic.
func FuzzTask(f *testing.F) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli := clustertest.Etcd(f)
	blobs := clustertest.Blobs(f)
	sha := clustertest.PutDataset(f, cli, blobs, "../testdata/hansen1999/hansen1999_xthreg.csv")
	th := threshold.ConfigOf(threshold.Spec{ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"}, Rx: []string{"c1"},
		Qx: "d1", Thresholds: 2, Grid: threshold.Grid{Points: 50}, Reps: []int{20}}, threshold.Fast)
	med := mediation.Config{ID: "id", Time: "year", Spec: mediation.Spec{Outcome: "i", Treatment: "q1", Mediator: "c1", Reps: 10, Level: 0.95}}
	raw, _ := proto.Marshal(&pb.JobSpec{DatasetSha256: sha, Specs: []*pb.Specification{
		{Kind: threshold.KindName, Spec: th.Encode()}, {Kind: mediation.KindName, Spec: med.Encode()}}})
	if _, err := cli.Put(ctx, keys.Default.JobSpec("j"), string(raw)); err != nil {
		f.Fatal(err)
	}
	x := &executor{etcd: cli, prefix: keys.Default, blobs: blobs, kinds: kinds.Builtin(), cache: prepared.New(2, 4),
		jobs: prepared.NewLRU[*job](2), metrics: newMetrics(prometheus.NewRegistry())}

	for _, task := range []*pb.Task{
		{TaskId: "p", JobId: "j", Family: "profile", Work: []byte(`{"fixed":null,"trim":0.01}`), First: 0, Last: 50},
		{TaskId: "b", JobId: "j", Family: "bootstrap", Work: []byte(`{"stage":1,"null":null,"added":0.0154}`), First: 0, Last: 3, Counter: "1"},
		{TaskId: "b2", JobId: "j", Family: "bootstrap", Work: []byte(`{"stage":2,"null":[0.0154],"added":0.2}`), First: 5, Last: 7},
		{TaskId: "m", JobId: "j", Spec: 1, Family: "mediation", First: 2, Last: 4, Counter: "mediation"},
		{TaskId: "n", Noop: true},
	} {
		// Every seed is a valid task: it computes one value per slot.
		if v, err := x.run(ctx, task); err != nil || len(v) != int(task.Last-task.First) {
			f.Fatalf("seed task %s: %d values, %v", task.TaskId, len(v), err)
		}
		raw, _ := proto.Marshal(task)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		task := &pb.Task{}
		if proto.Unmarshal(raw, task) != nil {
			return
		}
		// Ranges are sized by the coordinator; keep each input quick.
		if task.Last-task.First > 200 && task.Family != "profile" {
			return
		}
		if _, err := x.run(ctx, task); err != nil && err.Error() == "" {
			t.Fatal("a failed task has no message")
		}
	})
}
