package worker

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/etcdtest"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/cluster/specconv"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// FuzzTask executes arbitrary tasks against a real dataset in an embedded
// etcd: a task may fail, with an error saying why, but must never panic.
func FuzzTask(f *testing.F) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli := etcdtest.Start(f)
	sha := etcdtest.PutDataset(f, cli, "../testdata/hansen1999/hansen1999_xthreg.csv")
	x := &executor{etcd: cli, prefix: keys.Default, metrics: newMetrics(prometheus.NewRegistry()),
		datasets: newLRU[*panel.Table](2), models: newLRU[*threshold.Problem](4), mediations: newLRU[*mediation.Problem](4)}

	spec := &pb.Specification{Model: &pb.Specification_Threshold{Threshold: specconv.ThresholdToProto(threshold.Spec{
		ID: "id", Time: "year", Depvar: "i", Indep: []string{"q1"}, Rx: []string{"c1"}, Qx: "d1", Thresholds: 2,
		Grid: threshold.Grid{Points: 50}, Reps: []int{20}}, threshold.Fast)}}
	for _, task := range []*pb.Task{
		{TaskId: "p", Spec: spec, Work: &pb.Task_Profile{Profile: &pb.ProfileWork{Trim: 0.01, First: 0, Last: 50}}},
		{TaskId: "b", Spec: spec, Work: &pb.Task_Bootstrap{Bootstrap: &pb.BootstrapWork{Stage: 1, First: 0, Last: 3}}},
		{TaskId: "b2", Spec: spec, Work: &pb.Task_Bootstrap{Bootstrap: &pb.BootstrapWork{Stage: 2, Null: []float64{0.0154}, First: 5, Last: 7}}},
		{TaskId: "n", Work: &pb.Task_Noop{Noop: &pb.NoopWork{}}},
	} {
		raw, _ := proto.Marshal(task)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		task := &pb.Task{}
		if proto.Unmarshal(raw, task) != nil {
			return
		}
		if task.DatasetSha256 == "" {
			task.DatasetSha256 = sha
		}
		// Ranges are sized by the coordinator; keep each input quick.
		if b := task.GetBootstrap(); b != nil && b.Last-b.First > 200 {
			return
		}
		if _, err := x.run(ctx, task); err != nil && err.Error() == "" {
			t.Fatal("a failed task has no message")
		}
	})
}
