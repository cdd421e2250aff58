package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"
)

var (
	scalingReps   = flag.Int("scaling.reps", 0, "replications per stage of the scaling test's job (0 skips it)")
	scalingGrid   = flag.String("scaling.grid", "all", "grid of the scaling test's job")
	scalingRounds = flag.Int("scaling.rounds", 3, "rounds of the scaling test, each one run on 1 and one on 2 workers")
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
	startProc(t, "coordinator", append([]string{"coordinator", "--etcd", c.EtcdAddr, "--listen", addr,
		"--metrics-listen", metrics, "--token-file", c.certs + "/tokens.txt"}, tlsFlags(c.certs, "coordinator")...)...).
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
// (scripts/bench-cluster.sh). The machine's speed drifts between runs, so
// each round runs the job on one and then on two workers, back to back, and
// the summary is the median over rounds of each figure and of the rounds'
// speed-ups, and the ratio of the fastest runs (interference from the
// host only ever slows a run down).
func TestScaling(t *testing.T) {
	if *scalingReps == 0 {
		t.Skip("set -scaling.reps (scripts/bench-cluster.sh)")
	}
	reps := 3 * *scalingReps
	t.Logf("scaling: Hansen data, 3 thresholds, grid %s, 3 x %d replications, workers with GOMAXPROCS=1 and one slot each, %d rounds", *scalingGrid, *scalingReps, *scalingRounds)
	var wall1, wall2, steady1, steady2, wallUp, steadyUp []float64
	var want string
	for round := 1; round <= *scalingRounds; round++ {
		w1, s1, out1 := scalingRun(t, 1)
		w2, s2, out2 := scalingRun(t, 2)
		t.Logf("  round %d: 1 worker wall %.2f s, steady %.0f replications/s; 2 workers wall %.2f s, steady %.0f replications/s; speed-up wall %.2fx, steady %.2fx",
			round, w1, s1, w2, s2, w1/w2, s2/s1)
		if want == "" {
			want = out1
		}
		if out1 != want || out2 != want {
			t.Errorf("round %d: the results differ between runs", round)
		}
		wall1, wall2 = append(wall1, w1), append(wall2, w2)
		steady1, steady2 = append(steady1, s1), append(steady2, s2)
		wallUp, steadyUp = append(wallUp, w1/w2), append(steadyUp, s2/s1)
	}
	t.Logf("  median 1 worker : wall %.2f s (%.0f replications/s), steady %.0f replications/s", median(wall1), float64(reps)/median(wall1), median(steady1))
	t.Logf("  median 2 workers: wall %.2f s (%.0f replications/s), steady %.0f replications/s", median(wall2), float64(reps)/median(wall2), median(steady2))
	t.Logf("  median speed-up : wall %.2fx, steady %.2fx; identical JSON in every run: %v", median(wallUp), median(steadyUp), !t.Failed())
	t.Logf("  best-run speed-up (fastest 2-worker over fastest 1-worker run): wall %.2fx, steady %.2fx",
		slices.Min(wall1)/slices.Min(wall2), slices.Max(steady2)/slices.Max(steady1))
}

// median returns the median of xs (the lower middle value of an even count).
func median(xs []float64) float64 {
	return stat.Quantile(0.5, stat.Empirical, slices.Sorted(slices.Values(xs)), nil)
}
