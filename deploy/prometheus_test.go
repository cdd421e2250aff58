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

// TestPromtoolCheckMetrics runs a small job to completion, scrapes the
// coordinator's and the worker's /metrics and lints them with promtool.
func TestPromtoolCheckMetrics(t *testing.T) {
	needPrometheus(t)
	c := startCluster(t)
	job := c.submit(t, 50)
	if err := job.Wait(60 * time.Second); err != nil {
		t.Fatalf("job: %v\n%s", err, job.Output())
	}
	for name, addr := range map[string]string{"coordinator": c.coordMetrics, "worker": c.wkMetrics} {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(text, []byte("thresher_")) {
			t.Fatalf("%s /metrics has no thresher_ series", name)
		}
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = bytes.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on the %s's /metrics: %v\n%s", name, err, out)
		}
	}
}
