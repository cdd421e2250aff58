package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promQuery runs an instant query against Prometheus's HTTP API and returns
// the values of the resulting vector.
func promQuery(t *testing.T, addr, query string) []float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "success" || body.Data.ResultType != "vector" {
		t.Fatalf("query %s: %s %s (%s)", query, body.Status, body.Error, body.Data.ResultType)
	}
	var vals []float64
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", query, r.Value[1])
		}
		vals = append(vals, v)
	}
	return vals
}

// startPrometheus runs a Prometheus server that scrapes the cluster every
// second and evaluates rules.yml, and returns its address.
func startPrometheus(t *testing.T, c *localCluster) string {
	t.Helper()
	rules, err := filepath.Abs("prometheus/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: thresher-coordinator
    static_configs: [{targets: [%q]}]
  - job_name: thresher-worker
    static_configs: [{targets: [%q]}]
`, rules, c.coordMetrics, c.wkMetrics)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	p := start(t, "prometheus", "prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	waitHTTP(t, p, "http://"+addr+"/-/ready", 30*time.Second)
	return addr
}

// TestPrometheusMeasuresThroughput scrapes a coordinator and a worker of the
// real binary with a real Prometheus while a long bootstrap job runs, and
// checks that the throughput query and its recording rule are positive,
// that both targets are up and that no alert fires.
func TestPrometheusMeasuresThroughput(t *testing.T) {
	needPrometheus(t)
	c := startCluster(t)
	prom := startPrometheus(t, c)
	// Far more replications than the test waits for; stopped at cleanup.
	job := c.submit(t, 20000)

	throughput := `sum(rate(thresher_replications_completed_total[10s]))`
	recorded := `sum(job:thresher_replications_completed:rate1m)`
	deadline := time.Now().Add(45 * time.Second)
	for {
		tp, rec := promQuery(t, prom, throughput), promQuery(t, prom, recorded)
		if len(tp) == 1 && tp[0] > 0 && len(rec) == 1 && rec[0] > 0 {
			t.Logf("throughput %.0f replications/s (recorded over 1m: %.0f/s)", tp[0], rec[0])
			break
		}
		if done, err := job.Exited(); done {
			t.Fatalf("the job ended (%v) before Prometheus saw throughput:\n%s", err, job.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no positive throughput after 45 s: %s = %v, %s = %v", throughput, tp, recorded, rec)
		}
		time.Sleep(time.Second)
	}
	if up := promQuery(t, prom, `sum(up{job=~"thresher-coordinator|thresher-worker"})`); len(up) != 1 || up[0] != 2 {
		t.Errorf("targets up: %v, want 2", up)
	}
	if leader := promQuery(t, prom, `sum(thresher_coordinator_leader)`); len(leader) != 1 || leader[0] != 1 {
		t.Errorf("leaders: %v, want 1", leader)
	}
	if firing := promQuery(t, prom, `ALERTS{alertstate="firing"}`); len(firing) > 0 {
		t.Errorf("%d alerts fire on a healthy cluster", len(firing))
	}
}

// TestMetricsAfterJob runs a job on a local cluster of one coordinator and
// one worker, scrapes both, and checks that the exposition passes
// `promtool check metrics` and that the counters account for the job: the
// merged replications equal B per stage, the worker's equal the
// coordinator's, every task the coordinator counts as ok is one the worker
// counts as ok, and nothing failed, was requeued or was duplicated.
func TestMetricsAfterJob(t *testing.T) {
	needPrometheus(t)
	const bs = 50
	c := startCluster(t)
	job := c.submit(t, bs)
	if err := job.Wait(60 * time.Second); err != nil {
		t.Fatalf("job: %v\n%s", err, job.Output())
	}
	coord := scrape(t, c.coordMetrics)
	deadline := time.Now().Add(10 * time.Second)
	for coord.sum("thresher_jobs", "state", "succeeded") != 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		coord = scrape(t, c.coordMetrics)
	}
	worker := scrape(t, c.wkMetrics)

	stages := coord.series("thresher_replications_completed_total")
	if len(stages) != 3 {
		t.Errorf("replications_completed_total has %d stage series, want 3: %v", len(stages), stages)
	}
	for stage, v := range stages {
		if v != bs {
			t.Errorf("replications_completed_total%s = %v, want %d", stage, v, bs)
		}
	}
	for _, check := range []struct {
		what      string
		got, want float64
	}{
		{"coordinator replications", coord.sum("thresher_replications_completed_total", "", ""), 3 * bs},
		{"worker replications", worker.sum("thresher_worker_replications_total", "", ""), 3 * bs},
		{"worker grid candidates", worker.sum("thresher_worker_grid_candidates_total", "", ""),
			coord.sum("thresher_grid_candidates_evaluated_total", "", "")},
		{"worker ok tasks", worker.sum("thresher_worker_tasks_total", "outcome", "ok"),
			coord.sum("thresher_tasks_total", "outcome", "ok")},
		{"task durations observed", coord.sum("thresher_task_duration_seconds_count", "", ""),
			coord.sum("thresher_tasks_total", "outcome", "ok")},
		{"failed tasks", coord.sum("thresher_tasks_total", "outcome", "failed"), 0},
		{"requeued tasks", coord.sum("thresher_tasks_total", "outcome", "requeued"), 0},
		{"duplicate tasks", coord.sum("thresher_tasks_total", "outcome", "duplicate"), 0},
		{"conflicting tasks", coord.sum("thresher_tasks_total", "outcome", "conflict"), 0},
		{"worker tasks not ok", worker.sum("thresher_worker_tasks_total", "", "") - worker.sum("thresher_worker_tasks_total", "outcome", "ok"), 0},
		{"tasks queued", coord.sum("thresher_tasks_queued", "", ""), 0},
		{"tasks in flight", coord.sum("thresher_tasks_in_flight", "", ""), 0},
		{"succeeded jobs", coord.sum("thresher_jobs", "state", "succeeded"), 1},
	} {
		if check.got != check.want {
			t.Errorf("%s: %v, want %v", check.what, check.got, check.want)
		}
	}
	if coord.sum("thresher_grid_candidates_evaluated_total", "", "") == 0 {
		t.Error("no grid candidates counted")
	}

	for name, m := range map[string]scraped{"coordinator": coord, "worker": worker} {
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = bytes.NewReader(m.text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on the %s's /metrics: %v\n%s", name, err, out)
		}
	}
}

// scraped is one /metrics exposition, as text and as samples.
type scraped struct {
	text    []byte
	samples []sample
}

// sample is one line of an exposition: metric name, labels, value.
type sample struct {
	name   string
	labels string // as exposed, e.g. {outcome="ok",stage="single"}
	value  float64
}

// scrape reads http://addr/metrics.
func scrape(t *testing.T, addr string) scraped {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := scraped{text: text}
	for _, line := range strings.Split(string(text), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			t.Fatalf("%s: bad sample %q", addr, line)
		}
		name, labels := line[:sp], ""
		if b := strings.IndexByte(name, '{'); b >= 0 {
			name, labels = name[:b], name[b:]
		}
		s.samples = append(s.samples, sample{name, labels, v})
	}
	return s
}

// sum adds the samples of metric name whose label key has value (every
// sample when key is empty).
func (s scraped) sum(name, key, value string) float64 {
	total := 0.0
	for _, x := range s.samples {
		if x.name == name && (key == "" || strings.Contains(x.labels, key+"=\""+value+"\"")) {
			total += x.value
		}
	}
	return total
}

// series returns the samples of metric name by their labels.
func (s scraped) series(name string) map[string]float64 {
	out := map[string]float64{}
	for _, x := range s.samples {
		if x.name == name {
			out[x.labels] = x.value
		}
	}
	return out
}
