package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	scalingReps = flag.Int("scaling.reps", 0, "replications per stage of the scaling test's job (0 skips it)")
	scalingGrid = flag.String("scaling.grid", "all", "grid of the scaling test's job")
)

// replicationsDone reads thresher_replications_completed_total, summed over
// stages, from a coordinator's /metrics.
func replicationsDone(metricsAddr string) (float64, error) {
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "thresher_replications_completed_total{") {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				return 0, err
			}
			total += v
		}
	}
	return total, sc.Err()
}

// scalingRun runs the job on n workers, each a process with GOMAXPROCS=1
// and one slot, and returns the wall time of the client and the steady
// replication throughput: the coordinator's merged replications per second
// between 10% and 90% of the job's replications (so that start-up,
// point estimates and the last tasks do not count).
func scalingRun(t *testing.T, n int) (wall, steady float64, out string) {
	c := newCluster(t)
	addr, metrics := freePort(t), freePort(t)
	startProc(t, "coordinator", append([]string{"coordinator", "--etcd", c.etcdAddr, "--listen", addr,
		"--metrics-listen", metrics, "--token-file", c.certs + "/tokens.txt"}, tlsFlags(c.certs)...)...).
		WaitFor(t, "coordinator started", 30*time.Second)
	for i := 0; i < n; i++ {
		c.workerWithCerts(c.certs, []string{"GOMAXPROCS=1"})
	}
	job := e2eJob("--coordinator", addr, "--bs", fmt.Sprint(*scalingReps), "--grid", *scalingGrid)
	job = append(job, c.clientFlags(c.certs+"/tokens.txt")...)
	total := float64(3 * *scalingReps)
	type sample struct {
		at   time.Time
		done float64
	}
	var samples []sample
	start := time.Now()
	client := startProc(t, "client", job...)
	finished := make(chan error, 1)
	go func() { finished <- client.Wait(time.Hour) }()
poll:
	for {
		select {
		case err := <-finished:
			if err != nil {
				t.Fatalf("client: %v\n%s", err, client.Stderr.String())
			}
			break poll
		case <-time.After(100 * time.Millisecond):
			if d, err := replicationsDone(metrics); err == nil {
				samples = append(samples, sample{time.Now(), d})
			}
		}
	}
	wall = time.Since(start).Seconds()
	var first, last *sample
	for i := range samples {
		if first == nil && samples[i].done >= 0.1*total {
			first = &samples[i]
		}
		if samples[i].done <= 0.9*total {
			last = &samples[i]
		}
	}
	if first == nil || last == nil || !last.at.After(first.at) {
		t.Fatalf("the job was too short to measure a steady throughput (%d samples)", len(samples))
	}
	return wall, (last.done - first.done) / last.at.Sub(first.at).Seconds(), client.Stdout.String()
}

// TestScaling measures the replication throughput of one and two workers
// (scripts/bench-cluster.sh).
func TestScaling(t *testing.T) {
	if *scalingReps == 0 {
		t.Skip("set -scaling.reps (scripts/bench-cluster.sh)")
	}
	w1, s1, out1 := scalingRun(t, 1)
	w2, s2, out2 := scalingRun(t, 2)
	reps := 3 * *scalingReps
	t.Logf("scaling: Hansen data, 3 thresholds, grid %s, 3 x %d replications, workers with GOMAXPROCS=1 and one slot each", *scalingGrid, *scalingReps)
	t.Logf("  1 worker : wall %.2f s (%.0f replications/s), steady %.0f replications/s", w1, float64(reps)/w1, s1)
	t.Logf("  2 workers: wall %.2f s (%.0f replications/s), steady %.0f replications/s", w2, float64(reps)/w2, s2)
	t.Logf("  speed-up : wall %.2fx, steady %.2fx; identical JSON: %v", w1/w2, s2/s1, out1 == out2)
	if out1 != out2 {
		t.Error("one and two workers gave different results")
	}
}
