package deploy

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// prometheusSeries are made by Prometheus itself for every target.
var prometheusSeries = set("up", "scrape_duration_seconds", "scrape_samples_scraped",
	"scrape_samples_post_metric_relabeling", "scrape_series_added")

// literalAlternation is a regular expression that is a list of literal
// values ("failed|requeued"): each value can be checked.
var literalAlternation = regexp.MustCompile(`^[\w.+-]+(\|[\w.+-]+)*$`)

// checker checks PromQL expressions against what the code exports.
type checker struct {
	exported series
	// recorded names the recording rules; their labels are not checked.
	recorded map[string]bool
	// jobs are the scrape job names of prometheus.yml.
	jobs map[string]bool
}

func newChecker(t *testing.T) *checker {
	t.Helper()
	rules := loadRules(t)
	c := &checker{exported: exportedSeries(t), recorded: map[string]bool{}, jobs: map[string]bool{}}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				c.recorded[r.Record] = true
			}
		}
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName string `json:"job_name"`
		} `json:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &cfg, false)
	for _, sc := range cfg.ScrapeConfigs {
		c.jobs[sc.JobName] = true
	}
	return c
}

// scopeLabels tell deployments apart: namespace, which the ServiceMonitor
// adds to every target in Kubernetes, and cluster, Prometheus's external
// label in setups with several clusters. The dashboard filters on both
// (its variables); a series without them matches the variables' ".*".
var scopeLabels = []string{"namespace", "cluster"}

// check returns the problems of expr: unknown metrics, labels or label
// values, grouping or legend labels that no selected metric has.
func (c *checker) check(expr string, legendLabels ...string) []string {
	q, err := parseQuery(expr)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	available := map[string]bool{"job": true, "instance": true}
	anyLabel := false // a recording rule: its labels are its own business
	for _, sel := range q.Selectors {
		var labels map[string]map[string]bool
		switch {
		case c.recorded[sel.Metric]:
			anyLabel = true
			continue
		case prometheusSeries[sel.Metric]:
			labels = map[string]map[string]bool{}
		default:
			var ok bool
			if labels, ok = c.exported[sel.Metric]; !ok {
				bad("metric %s is not exported by the coordinator or the worker", sel.Metric)
				continue
			}
		}
		for l := range labels {
			available[l] = true
		}
		for _, m := range sel.Matchers {
			values, known := labels[m.Label]
			switch {
			case m.Label == "__name__":
				continue
			case m.Label == "job":
				values, known = c.jobs, true
			case m.Label == "instance", m.Label == "le", slices.Contains(scopeLabels, m.Label):
				continue // any target or scope; bucket bounds are the code's business
			case !known:
				bad("%s has no label %q", sel.Metric, m.Label)
				continue
			}
			vals := []string{m.Value}
			if m.Op == "=~" || m.Op == "!~" {
				if !literalAlternation.MatchString(m.Value) {
					continue
				}
				vals = strings.Split(m.Value, "|")
			}
			for _, v := range vals {
				if !values[v] {
					bad("%s{%s} never has the value %q (seen: %v)", sel.Metric, m.Label, v, sortedKeys(values))
				}
			}
		}
	}
	if anyLabel {
		return problems
	}
	for _, l := range append(q.Grouping, legendLabels...) {
		if !available[l] && !(l == "le" && slices.ContainsFunc(q.Selectors, func(s selector) bool {
			return strings.HasSuffix(s.Metric, "_bucket")
		})) {
			bad("label %q is not a label of the selected metrics", l)
		}
	}
	return problems
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// readYAML decodes a YAML file; strict rejects unknown fields.
func readYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		err = yaml.UnmarshalStrict(raw, v)
	} else {
		err = yaml.Unmarshal(raw, v)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestCheckerCatchesMistakes(t *testing.T) {
	c := newChecker(t)
	for expr, want := range map[string]string{
		`rate(thresher_replications_total[5m])`:                             "not exported",
		`thresher_tasks_total{outcom="ok"}`:                                 `no label "outcom"`,
		`thresher_tasks_total{outcome=~"ok|requeud"}`:                       `never has the value "requeud"`,
		`up{job="thresher-coordinater"}`:                                    `never has the value "thresher-coordinater"`,
		`sum by (stages) (rate(thresher_replications_completed_total[1m]))`: `label "stages"`,
		`max by (exported_job) (thresher_job_progress_ratio)`:               `label "exported_job"`,
	} {
		problems := c.check(expr)
		if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("%s: problems %q, want one containing %q", expr, problems, want)
		}
	}
	for _, ok := range []string{
		`histogram_quantile(0.99, sum by (le) (rate(thresher_task_duration_seconds_bucket[5m])))`,
		`max by (job_id) (thresher_job_progress_ratio)`,
		`sum by (job, stage) (job_stage:thresher_replications_completed:rate1m{stage="9"})`,
		`count(up{job="thresher-worker"} == 1)`,
	} {
		if problems := c.check(ok); len(problems) > 0 {
			t.Errorf("%s: %q", ok, problems)
		}
	}
}
