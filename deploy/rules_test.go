package deploy

import (
	"testing"
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
