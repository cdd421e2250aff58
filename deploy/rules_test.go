package deploy

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// ruleFile is Prometheus's rule file format (the fields we may use; unknown
// fields fail the strict decoding).
type ruleFile struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval,omitempty"`
		Rules    []struct {
			Record        string            `json:"record,omitempty"`
			Alert         string            `json:"alert,omitempty"`
			Expr          string            `json:"expr"`
			For           string            `json:"for,omitempty"`
			KeepFiringFor string            `json:"keep_firing_for,omitempty"`
			Labels        map[string]string `json:"labels,omitempty"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

// ruleTestFile is promtool's unit test format.
type ruleTestFile struct {
	RuleFiles          []string `json:"rule_files"`
	EvaluationInterval string   `json:"evaluation_interval,omitempty"`
	GroupEvalOrder     []string `json:"group_eval_order,omitempty"`
	Tests              []struct {
		Name           string            `json:"name,omitempty"`
		Interval       string            `json:"interval,omitempty"`
		ExternalLabels map[string]string `json:"external_labels,omitempty"`
		InputSeries    []struct {
			Series string `json:"series"`
			Values string `json:"values"`
		} `json:"input_series"`
		AlertRuleTest []struct {
			EvalTime  string `json:"eval_time"`
			Alertname string `json:"alertname"`
			ExpAlerts []struct {
				ExpLabels      map[string]string `json:"exp_labels,omitempty"`
				ExpAnnotations map[string]string `json:"exp_annotations,omitempty"`
			} `json:"exp_alerts"`
		} `json:"alert_rule_test,omitempty"`
		PromqlExprTest []struct {
			Expr       string `json:"expr"`
			EvalTime   string `json:"eval_time"`
			ExpSamples []struct {
				Labels string  `json:"labels"`
				Value  float64 `json:"value"`
			} `json:"exp_samples"`
		} `json:"promql_expr_test,omitempty"`
	} `json:"tests"`
}

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	var rf ruleFile
	readYAML(t, "prometheus/rules.yml", &rf, true)
	return rf
}

// TestRulesUseExportedMetrics checks every rule expression, and every series
// the rule unit tests feed in, against the exported metrics.
func TestRulesUseExportedMetrics(t *testing.T) {
	c := newChecker(t)
	rf := loadRules(t)
	n := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			n++
			for _, p := range c.check(r.Expr) {
				t.Errorf("rule %s%s: %s", r.Record, r.Alert, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("no rules")
	}
	var tf ruleTestFile
	readYAML(t, "prometheus/rules_test.yml", &tf, true)
	for _, tc := range tf.Tests {
		for _, in := range tc.InputSeries {
			for _, p := range c.check(in.Series) {
				t.Errorf("rules_test.yml %q: input series %s: %s", tc.Name, in.Series, p)
			}
		}
	}
}

// TestEveryAlertIsTested checks that rules_test.yml tests every alert both
// firing and not firing, and names no alert that does not exist (a test
// expecting no alert from a misspelt name would pass vacuously).
func TestEveryAlertIsTested(t *testing.T) {
	rf := loadRules(t)
	var tf ruleTestFile
	readYAML(t, "prometheus/rules_test.yml", &tf, true)
	firing, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tf.Tests {
		for _, at := range tc.AlertRuleTest {
			if len(at.ExpAlerts) > 0 {
				firing[at.Alertname] = true
			} else {
				silent[at.Alertname] = true
			}
		}
	}
	alerts := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts[r.Alert] = true
			if !firing[r.Alert] {
				t.Errorf("alert %s: no test where it fires", r.Alert)
			}
			if !silent[r.Alert] {
				t.Errorf("alert %s: no test where it stays silent", r.Alert)
			}
			if r.Labels["severity"] != "critical" && r.Labels["severity"] != "warning" {
				t.Errorf("alert %s: severity %q, want critical or warning", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s: needs a summary and a description", r.Alert)
			}
		}
	}
	for name := range firing {
		if !alerts[name] {
			t.Errorf("rules_test.yml tests alert %s, which rules.yml does not define", name)
		}
	}
	for name := range silent {
		if !alerts[name] {
			t.Errorf("rules_test.yml tests alert %s, which rules.yml does not define", name)
		}
	}
	// The brief of the alerts: these must exist.
	for _, want := range []string{"ThresherNoWorkersRegistered", "ThresherThroughputStalled",
		"ThresherHighRequeueRatio", "ThresherCoordinatorDown", "ThresherNoLeader"} {
		if !alerts[want] {
			t.Errorf("alert %s is missing", want)
		}
	}
}

// runbookURL is where the alerts' runbooks live; an alert's runbook_url is
// this followed by the anchor of its section.
const runbookURL = "https://github.com/thresher/thresher/blob/main/docs/runbooks.md#"

// markdownAnchor is the anchor GitHub gives a heading: lower case, without
// punctuation, spaces turned into hyphens.
func markdownAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

var markdownLink = regexp.MustCompile(`\]\(#([^)]+)\)`)

// TestRunbooks checks that every alert links to its own section of
// docs/runbooks.md, that every section belongs to an alert, and that the
// runbooks' links to one another resolve.
func TestRunbooks(t *testing.T) {
	raw, err := os.ReadFile("../docs/runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // anchor -> heading
	anchors := map[string]bool{}
	for line := range strings.Lines(string(raw)) {
		level, heading, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || strings.Trim(level, "#") != "" {
			continue
		}
		anchors[markdownAnchor(heading)] = true
		if level == "##" {
			sections[markdownAnchor(heading)] = heading
		}
	}
	alerts := map[string]bool{}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts[r.Alert] = true
			url := r.Annotations["runbook_url"]
			anchor, ok := strings.CutPrefix(url, runbookURL)
			switch {
			case !ok:
				t.Errorf("alert %s: runbook_url %q does not start with %s", r.Alert, url, runbookURL)
			case sections[anchor] != r.Alert:
				t.Errorf("alert %s: runbook_url anchor #%s is not the section \"## %s\" of docs/runbooks.md", r.Alert, anchor, r.Alert)
			}
		}
	}
	for _, heading := range sections {
		if !alerts[heading] {
			t.Errorf("docs/runbooks.md: section %q is no alert of rules.yml", heading)
		}
	}
	for _, m := range markdownLink.FindAllStringSubmatch(string(raw), -1) {
		if !anchors[m[1]] {
			t.Errorf("docs/runbooks.md: link to #%s, which is no heading", m[1])
		}
	}
}

// TestPrometheusRuleMatchesRules checks that the PrometheusRule of k8s/
// carries exactly the rules of prometheus/rules.yml (make sync-k8s).
func TestPrometheusRuleMatchesRules(t *testing.T) {
	var pr struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       ruleFile       `json:"spec"`
	}
	readYAML(t, "../k8s/base/prometheusrule.yaml", &pr, true)
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("k8s/base/prometheusrule.yaml: %s/%s, want monitoring.coreos.com/v1/PrometheusRule", pr.APIVersion, pr.Kind)
	}
	if !reflect.DeepEqual(pr.Spec, loadRules(t)) {
		t.Error("k8s/base/prometheusrule.yaml differs from prometheus/rules.yml: run make sync-k8s")
	}
}
