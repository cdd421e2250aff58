package deploy

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

const dashboardPath = "grafana/dashboard.json"

// sdkErr turns the SDK's error convention into Go's: its strict decoding and
// Validate return a non-nil but empty error list on success.
func sdkErr(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

// panel is a decoded dashboard panel and its Prometheus queries.
// classicDashboard is the schema of deploy/grafana/dashboard.json: the
// classic dashboard JSON (schemaVersion 39) that Grafana's file provisioning
// and the kustomize ConfigMap load. The SDK marks the type deprecated in
// favour of dashboardv2, a different schema (elements and layouts, served
// through Grafana's v2 API); the file is not in that schema, so the test
// decodes it with the classic type.
//
//lint:ignore SA1019 the dashboard file is a classic dashboard; see above.
type classicDashboard = dashboard.Dashboard

type panel struct {
	*dashboard.Panel
	queries []*prometheus.Dataquery
}

// loadDashboard decodes the dashboard strictly (unknown fields are errors)
// and validates it with the Grafana Foundation SDK.
//
// Panels and their targets are decoded here one by one: in SDK v0.0.22 the
// strict decoders of Dashboard and Panel report errors in panels and
// targets but drop the ones that decode fine (they take the SDK's empty
// error list for a failure), and decode fieldConfig leniently.
func loadDashboard(t *testing.T) (classicDashboard, []panel) {
	t.Helper()
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	// Registers the panel and query types, so that panel options and
	// targets are decoded strictly by their plugin's types.
	plugins.RegisterDefaultPlugins()
	var d classicDashboard
	if err := sdkErr(d.UnmarshalJSONStrict(raw)); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if err := sdkErr(d.Validate()); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	var doc struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var panels []panel
	for i, rp := range doc.Panels {
		var parts struct {
			FieldConfig json.RawMessage   `json:"fieldConfig"`
			Targets     []json.RawMessage `json:"targets"`
		}
		if err := json.Unmarshal(rp, &parts); err != nil {
			t.Fatal(err)
		}
		p := panel{Panel: &dashboard.Panel{}}
		var fc dashboard.FieldConfigSource
		errs := []error{p.UnmarshalJSONStrict(rp), fc.UnmarshalJSONStrict(parts.FieldConfig), p.Validate()}
		for _, rt := range parts.Targets {
			q := &prometheus.Dataquery{}
			errs = append(errs, q.UnmarshalJSONStrict(rt), q.Validate())
			p.queries = append(p.queries, q)
		}
		for _, err := range errs {
			if err := sdkErr(err); err != nil {
				t.Fatalf("%s: panels[%d]: %v", dashboardPath, i, err)
			}
		}
		panels = append(panels, p)
	}
	return d, panels
}

// checkTargets checks that a panel's targets query the dashboard's
// Prometheus data source variable with distinct refIds.
func checkTargets(t *testing.T, p panel) {
	t.Helper()
	refs := map[string]bool{}
	for i, q := range p.queries {
		if ds := q.Datasource; ds == nil || ds.Type == nil || *ds.Type != "prometheus" || ds.Uid == nil || *ds.Uid != "${datasource}" {
			t.Errorf("panel %q target %d: datasource must be {type: prometheus, uid: ${datasource}}", *p.Title, i)
		}
		if q.RefId == nil || refs[*q.RefId] {
			t.Errorf("panel %q target %d: missing or repeated refId", *p.Title, i)
		} else {
			refs[*q.RefId] = true
		}
		if strings.TrimSpace(q.Expr) == "" {
			t.Errorf("panel %q target %d: empty expr", *p.Title, i)
		}
	}
	if len(p.queries) == 0 {
		t.Errorf("panel %q has no query", *p.Title)
	}
}

var legendLabel = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

// TestDashboard checks the dashboard's structure and that every query uses
// only exported metrics, labels and label values.
func TestDashboard(t *testing.T) {
	d, panels := loadDashboard(t)
	c := newChecker(t)
	if d.Uid == nil || *d.Uid == "" || d.Title == nil || *d.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	hasDS := false
	scopes := map[string]bool{}
	for _, v := range d.Templating.List {
		hasDS = hasDS || v.Name == "datasource" && v.Type == "datasource"
		if slices.Contains(scopeLabels, v.Name) && v.Type == "query" && v.IncludeAll != nil && *v.IncludeAll &&
			v.AllValue != nil && *v.AllValue == ".*" {
			scopes[v.Name] = true
		}
	}
	if !hasDS {
		t.Error("no datasource template variable: panels refer to ${datasource}")
	}
	for _, l := range scopeLabels {
		if !scopes[l] {
			t.Errorf("no query variable %s with All = \".*\" (series without the label must match)", l)
		}
	}

	ids := map[uint32]bool{}
	var boxes []*dashboard.GridPos
	exprs := map[string]string{} // panel title -> its queries, joined
	for _, p := range panels {
		if p.Type == "row" {
			t.Error("row panels are not expected")
			continue
		}
		if p.Id == nil || ids[*p.Id] || p.Title == nil || p.Description == nil {
			t.Errorf("panel %+v: needs a unique id, a title and a description", p.Title)
			continue
		}
		ids[*p.Id] = true
		if g := p.GridPos; g == nil || g.W == 0 || g.H == 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24 columns", *p.Title, g)
		} else {
			for _, b := range boxes {
				if g.X < b.X+b.W && b.X < g.X+g.W && g.Y < b.Y+b.H && b.Y < g.Y+g.H {
					t.Errorf("panel %q overlaps another panel", *p.Title)
				}
			}
			boxes = append(boxes, g)
		}
		checkTargets(t, p)
		for _, q := range p.queries {
			var legend []string
			if q.LegendFormat != nil {
				for _, m := range legendLabel.FindAllStringSubmatch(*q.LegendFormat, -1) {
					legend = append(legend, m[1])
				}
			}
			for _, l := range scopeLabels {
				if !scoped(q.Expr, l) {
					t.Errorf("panel %q: %s: a selector does not filter on %s=~\"$%s\"", *p.Title, q.Expr, l, l)
				}
			}
			for _, problem := range c.check(q.Expr, legend...) {
				t.Errorf("panel %q: %s: %s", *p.Title, q.Expr, problem)
			}
			exprs[*p.Title] += q.Expr + "\n"
		}
	}

	// The panels operators rely on, and what each must query.
	for title, wants := range map[string][]string{
		"Throughput (replications/s)": {"rate(thresher_replications_completed_total{"},
		"Job progress":                {"thresher_job_progress_ratio"},
		"Queue depth":                 {"thresher_tasks_queued"},
		"Tasks in flight":             {"thresher_tasks_in_flight", "thresher_worker_tasks_in_flight"},
		"Workers":                     {"thresher_workers_registered"},
		"Task latency": {"histogram_quantile(0.5, ", "histogram_quantile(0.95, ", "histogram_quantile(0.99, ",
			"thresher_task_duration_seconds_bucket"},
		"Failures and requeues":     {"thresher_tasks_total", "failed", "requeued"},
		"Duplicates and conflicts":  {"thresher_tasks_total", "duplicate", "conflict"},
		"Leader":                    {"thresher_coordinator_leader"},
		"gRPC calls":                {"grpc_server_handled_total", "grpc_code"},
		"gRPC latency (unary, p95)": {"grpc_server_handling_seconds_bucket"},
	} {
		got, ok := exprs[title]
		if !ok {
			t.Errorf("no panel %q", title)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("panel %q: no query contains %q", title, w)
			}
		}
	}
}

// scoped reports whether every metric selector of expr filters on the
// dashboard variable of a scope label (parseQuery substitutes Grafana's
// variables, so the matchers' values are counted in the text).
func scoped(expr, label string) bool {
	q, err := parseQuery(expr)
	if err != nil {
		return false // reported by the checker
	}
	for _, sel := range q.Selectors {
		if !slices.ContainsFunc(sel.Matchers, func(m matcher) bool { return m.Label == label && m.Op == "=~" }) {
			return false
		}
	}
	return strings.Count(expr, label+`=~"$`+label+`"`) == len(q.Selectors)
}
