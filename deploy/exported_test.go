package deploy

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
	"github.com/thresher/thresher/worker"
)

// series describes the exported metrics: metric name -> label name ->
// label values seen. Histograms appear as name_bucket, name_sum and
// name_count, as Prometheus stores them.
type series map[string]map[string]map[string]bool

// targetLabels are attached by Prometheus to every scraped series. A
// scraped label of the same name is renamed exported_<name>
// (honor_labels: false, the default and the ServiceMonitor's).
var targetLabels = []string{"job", "instance"}

// add records the families of one Gather.
func (s series) add(mfs []*dto.MetricFamily) {
	for _, mf := range mfs {
		names := []string{mf.GetName()}
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			names = []string{mf.GetName() + "_bucket", mf.GetName() + "_sum", mf.GetName() + "_count"}
		case dto.MetricType_SUMMARY:
			names = append(names, mf.GetName()+"_sum", mf.GetName()+"_count")
		}
		for _, name := range names {
			labels := s[name]
			if labels == nil {
				labels = map[string]map[string]bool{}
				s[name] = labels
			}
			for _, m := range mf.GetMetric() {
				pairs := m.GetLabel()
				if strings.HasSuffix(name, "_bucket") {
					pairs = append(slices.Clip(pairs), &dto.LabelPair{Name: new("le"), Value: new("+Inf")})
				} else if mf.GetType() == dto.MetricType_SUMMARY && name == mf.GetName() {
					pairs = append(slices.Clip(pairs), &dto.LabelPair{Name: new("quantile"), Value: new("0.5")})
				}
				for _, lp := range pairs {
					l := lp.GetName()
					if slices.Contains(targetLabels, l) {
						l = "exported_" + l
					}
					if labels[l] == nil {
						labels[l] = map[string]bool{}
					}
					labels[l][lp.GetValue()] = true
				}
			}
		}
	}
}

var (
	exportedOnce sync.Once
	exported     series
	exportedErr  error
)

// exportedSeries returns every series a coordinator and a worker export
// during and after a small bootstrap job. Both run in-process on loopback
// with an embedded etcd, with the Go and process collectors that
// cmd/thresher adds to their registries.
func exportedSeries(t *testing.T) series {
	t.Helper()
	exportedOnce.Do(func() { exported, exportedErr = runExportingCluster() })
	if exportedErr != nil {
		t.Fatal(exportedErr)
	}
	return exported
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func runExportingCluster() (series, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "thresher-deploy-etcd-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	blobs, err := blobstore.Open(ctx, "file://"+dir+"?metadata=skip", blobstore.Options{})
	if err != nil {
		return nil, err
	}
	defer blobs.Close()
	etcd, err := etcdserver.Start(ctx, etcdserver.Config{DataDir: filepath.Join(dir, "etcd"), Listen: "127.0.0.1:0", Fast: true})
	if err != nil {
		return nil, err
	}
	defer etcd.Close()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.Endpoint()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	defer cli.Close()

	log := slog.New(slog.DiscardHandler)
	creg, wreg := newRegistry(), newRegistry()
	// A short progress interval so that thresher_job_progress_ratio, which
	// exists only while a job runs, is set before the small job ends.
	co, err := coordinator.New(coordinator.Config{Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, Prefix: keys.Default,
		SessionTTL: 2 * time.Second, ProgressInterval: 10 * time.Millisecond, Registerer: creg, Logger: log})
	if err != nil {
		return nil, err
	}
	w, err := worker.New(worker.Config{ID: "deploy-test", Listen: "127.0.0.1:0", Etcd: cli, Blobs: blobs, Prefix: keys.Default,
		Slots: 2, LeaseTTL: 2 * time.Second, Registerer: wreg, Logger: log})
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	runCtx, stop := context.WithCancel(ctx)
	for _, run := range []func(context.Context) error{co.Run, w.Run} {
		wg.Go(func() { run(runCtx) })
	}
	// Shutdown order: stop both (the worker drains), then the deferred
	// etcd client and server close.
	defer wg.Wait()
	defer stop()

	got := series{}
	var mu sync.Mutex
	gather := func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, reg := range []*prometheus.Registry{creg, wreg} {
			mfs, err := reg.Gather()
			if err != nil {
				return err
			}
			got.add(mfs)
		}
		return nil
	}
	// Some series exist only while a job runs: sample all along.
	jobDone := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			gather()
			select {
			case <-jobDone:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	err = runSmallJob(ctx, co.Addr())
	close(jobDone)
	sampler.Wait()
	if err != nil {
		return nil, fmt.Errorf("job: %w", err)
	}
	return got, gather()
}

// runSmallJob runs the Hansen model with two thresholds on a coarse grid
// and a few bootstrap replications per stage: both task kinds (profile and
// bootstrap) in well under a second.
func runSmallJob(ctx context.Context, addr string) error {
	data, err := os.ReadFile("../testdata/hansen1999/invest.csv")
	if err != nil {
		return err
	}
	spec := threshold.Spec{Convention: threshold.Hansen, ID: "id", Time: "year", Depvar: "i",
		Indep: []string{"L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"}, Rx: []string{"L.c"}, Qx: "L.d",
		Thresholds: 2, Grid: threshold.Grid{Points: 100}, Trim: []float64{0.01, 0.01}, Reps: []int{100}, Seed: 1}
	cl, err := client.New([]string{addr})
	if err != nil {
		return err
	}
	defer cl.Close()
	_, err = cl.Run(ctx, data, []*pb.Specification{{Kind: threshold.KindName,
		Spec: threshold.ConfigOf(spec, threshold.Fast).Encode()}}, nil)
	return err
}

// TestExportedSeries guards the harness itself: the series that appear only
// after tasks ran, or only while a job runs, must have been seen.
func TestExportedSeries(t *testing.T) {
	s := exportedSeries(t)
	for name, label := range map[string]string{
		"thresher_replications_completed_total": "stage",
		"thresher_job_progress_ratio":           "job_id",
		"thresher_worker_tasks_total":           "kind",
		"thresher_worker_replications_total":    "stage",
		"thresher_task_duration_seconds_bucket": "le",
		"process_cpu_seconds_total":             "",
	} {
		labels, ok := s[name]
		if !ok {
			t.Errorf("%s not exported; have %v", name, slices.Sorted(maps.Keys(s)))
			continue
		}
		if label != "" && len(labels[label]) == 0 {
			t.Errorf("%s has no label %s: %v", name, label, labels)
		}
	}
}
