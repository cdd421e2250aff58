package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/thresher/thresher/cluster/keys"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// The chaos and load tests run only when asked for (scripts/chaos.sh and
// scripts/load.sh set these flags); both use the secured process cluster of
// the end-to-end tests.
var (
	chaosRounds = flag.Int("chaos.rounds", 0, "rounds of the chaos test (0 skips it)")
	chaosSeed   = flag.Uint64("chaos.seed", 1, "seed of the chaos test's choices of victims and timings")
	loadJobs    = flag.Int("load.jobs", 0, "concurrent jobs of the load test, each from its own client process (0 skips it)")
)

// etcdCluster is three etcd members as processes.
type etcdCluster struct {
	t       *testing.T
	clients []string
	peers   []string
	dirs    []string
	members []*proc
}

func startEtcdCluster(t *testing.T) *etcdCluster {
	e := &etcdCluster{t: t}
	var initial []string
	for i := 0; i < 3; i++ {
		e.clients = append(e.clients, freePort(t))
		e.peers = append(e.peers, freePort(t))
		e.dirs = append(e.dirs, t.TempDir())
		initial = append(initial, fmt.Sprintf("m%d=http://%s", i, e.peers[i]))
	}
	e.members = make([]*proc, 3)
	for i := range e.members {
		e.members[i] = e.start(i, strings.Join(initial, ","))
	}
	for _, m := range e.members {
		e.waitServing(m)
	}
	return e
}

func (e *etcdCluster) start(i int, initial string) *proc {
	return startProc(e.t, fmt.Sprintf("etcd m%d", i), "etcd", "--name", fmt.Sprintf("m%d", i), "--data-dir", e.dirs[i],
		"--listen", e.clients[i], "--peer-listen", e.peers[i], "--initial-cluster", initial)
}

func (e *etcdCluster) waitServing(m *proc) {
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(m.Stdout.String(), "etcd serving") {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s did not start:\n%s", m.Name, m.Stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restart kills member i and starts it again on its data: it rejoins.
func (e *etcdCluster) restart(i int) {
	e.members[i].Kill()
	time.Sleep(300 * time.Millisecond)
	var initial []string
	for j := range e.peers {
		initial = append(initial, fmt.Sprintf("m%d=http://%s", j, e.peers[j]))
	}
	e.members[i] = e.start(i, strings.Join(initial, ","))
	e.waitServing(e.members[i])
}

// chaosCluster is etcd, coordinators and workers as restartable processes.
type chaosCluster struct {
	*cluster
	etcd         *etcdCluster
	coordAddrs   []string
	coordMetrics []string
	coords       []*proc
	workers      []*proc
}

func startChaosCluster(t *testing.T, coordinators, workers int) *chaosCluster {
	e := startEtcdCluster(t)
	c := &chaosCluster{cluster: newClusterOn(t, strings.Join(e.clients, ",")), etcd: e}
	for i := 0; i < coordinators; i++ {
		c.coordAddrs = append(c.coordAddrs, freePort(t))
		c.coordMetrics = append(c.coordMetrics, freePort(t))
		c.coords = append(c.coords, c.startCoordinator(i))
	}
	for i := 0; i < workers; i++ {
		c.workers = append(c.workers, c.worker())
	}
	return c
}

func (c *chaosCluster) startCoordinator(i int) *proc {
	p := startProc(c.t, fmt.Sprintf("coordinator %d", i), append([]string{"coordinator", "--etcd", c.EtcdAddr,
		"--listen", c.coordAddrs[i], "--metrics-listen", c.coordMetrics[i], "--session-ttl", "2s",
		"--token-file", filepath.Join(c.certs, "tokens.txt")}, tlsFlags(c.certs, "coordinator")...)...)
	p.WaitFor(c.t, `coordinator started`, 30*time.Second)
	return p
}

// leader returns the index of the coordinator that reports leading, or -1.
func (c *chaosCluster) leader() int {
	for i, addr := range c.coordMetrics {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\nthresher_coordinator_leader 1\n") {
			return i
		}
	}
	return -1
}

// TestChaos runs the acceptance job again and again while it kills and
// restarts random workers, the leading coordinator and an etcd member, and
// requires the undisturbed run's JSON every time.
func TestChaos(t *testing.T) {
	if *chaosRounds == 0 {
		t.Skip("set -chaos.rounds (scripts/chaos.sh)")
	}
	want := reference(t)
	c := startChaosCluster(t, 2, 4)
	rng := rand.New(rand.NewPCG(*chaosSeed, 7))
	for round := 1; round <= *chaosRounds; round++ {
		client := c.submit(c.coordAddrs...)
		var events []string
		done := make(chan struct{})
		go func() {
			client.Wait(10 * time.Minute)
			close(done)
		}()
		waitProgress(t, client)
	disrupt:
		for step := 0; ; step++ {
			select {
			case <-done:
				break disrupt
			case <-time.After(time.Duration(200+rng.IntN(800)) * time.Millisecond):
			}
			switch step % 3 {
			case 0:
				i := rng.IntN(len(c.workers))
				c.workers[i].Kill()
				c.workers[i] = c.workerNamed(fmt.Sprintf("w%d", i+1))
				events = append(events, fmt.Sprintf("worker w%d", i+1))
			case 1:
				if i := c.leader(); i >= 0 {
					c.coords[i].Kill()
					c.coords[i] = c.startCoordinator(i)
					events = append(events, fmt.Sprintf("leader %d", i))
				}
			case 2:
				i := rng.IntN(3)
				c.etcd.restart(i)
				events = append(events, fmt.Sprintf("etcd m%d", i))
			}
		}
		got := c.result(client)
		t.Logf("round %d: killed and restarted %s", round, strings.Join(events, ", "))
		if len(events) == 0 {
			t.Errorf("round %d: the job ended before any failure; make it longer", round)
		}
		sameJSON(t, got, want)
		if t.Failed() {
			return
		}
	}
}

// workerNamed starts a worker with a given id (a restarted worker keeps its
// id, as a pod of a Deployment would not, but a restarted process might).
func (c *chaosCluster) workerNamed(id string) *proc { return c.WorkerNamed(id, nil) }

// loadJob is job j of the load test: a small model whose options vary with
// j, so that every job has its own result.
func loadJob(j int) []string {
	return []string{"xthreg", "--data", investCSV, "--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d",
		"--rx", "L.c", "--qx", "L.d", "--thnum", fmt.Sprint(1 + j%2), "--grid", "100", "--trim", "0.05",
		"--bs", "150", "--convention", []string{"hansen", "xthreg"}[j%2], "--seed", fmt.Sprint(100 + j), "--format", "json"}
}

// TestLoad submits many jobs at once, each from its own client process, to
// one cluster, and checks that every job ends with the result of its run
// alone and that etcd holds each job exactly once.
func TestLoad(t *testing.T) {
	if *loadJobs == 0 {
		t.Skip("set -load.jobs (scripts/load.sh)")
	}
	want := make([]string, *loadJobs)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for j := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := startProc(t, fmt.Sprintf("alone %d", j), append(loadJob(j), "--workers", "1")...)
			if err := p.Wait(5 * time.Minute); err != nil {
				t.Errorf("job %d alone: %v\n%s", j, err, p.Stderr.String())
			}
			want[j] = p.Stdout.String()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	c, addr, _ := newClusterWithCoordinator(t)
	for i := 0; i < 3; i++ {
		c.worker()
	}
	type outcome struct {
		job     int
		seconds float64
		out     string
		err     error
	}
	results := make(chan outcome, *loadJobs)
	start := time.Now()
	for j := 0; j < *loadJobs; j++ {
		go func() {
			t0 := time.Now()
			p := startProc(t, fmt.Sprintf("client %d", j),
				append(loadJob(j), append([]string{"--coordinator", addr}, c.clientFlags(filepath.Join(c.certs, "tokens.txt"))...)...)...)
			err := p.Wait(10 * time.Minute)
			results <- outcome{j, time.Since(t0).Seconds(), p.Stdout.String(), err}
		}()
	}
	var times []float64
	for range *loadJobs {
		o := <-results
		if o.err != nil {
			t.Errorf("job %d: %v", o.job, o.err)
		} else if o.out != want[o.job] {
			t.Errorf("job %d: the result differs from its single-job run", o.job)
		}
		times = append(times, o.seconds)
	}
	wall := time.Since(start).Seconds()
	sort.Float64s(times)
	reps := 0
	for j := range *loadJobs {
		reps += 150 * (1 + j%2)
	}
	t.Logf("load: %d jobs from %d client processes in %.1f s: %.1f jobs/s, %.0f replications/s; median job %.1f s, slowest %.1f s",
		*loadJobs, *loadJobs, wall, float64(*loadJobs)/wall, float64(reps)/wall, times[len(times)/2], times[len(times)-1])

	// No job lost or duplicated: etcd holds exactly the jobs submitted, all
	// succeeded.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdAddr}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	resp, err := cli.Get(context.Background(), keys.Default.States(), clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	succeeded := 0
	for _, kv := range resp.Kvs {
		ev := &pb.JobEvent{}
		if proto.Unmarshal(kv.Value, ev) == nil && ev.State == pb.JobState_JOB_STATE_SUCCEEDED {
			succeeded++
		}
	}
	if len(resp.Kvs) != *loadJobs || succeeded != *loadJobs {
		t.Errorf("etcd holds %d jobs, %d succeeded; want %d of each", len(resp.Kvs), succeeded, *loadJobs)
	}
}
