package deploy

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// This file holds a small PromQL scanner: enough of the language to list the
// metrics an expression selects, with their label matchers, and the labels
// it groups by. Importing Prometheus's own parser would pull the whole
// Prometheus module into go.mod for one test; promtool (make
// promtool-check) checks the full syntax of the rules.

// selector is one vector selector: metric{label op "value", ...}.
type selector struct {
	Metric   string
	Matchers []matcher
}

type matcher struct{ Label, Op, Value string }

// query is what an expression refers to.
type query struct {
	Selectors []selector
	// Grouping holds the labels of by, without, on, ignoring, group_left
	// and group_right clauses.
	Grouping []string
}

// PromQL keywords that are not metric names, and aggregation operators,
// which may be followed by a by/without clause instead of "(".
var (
	keywords = set("and", "or", "unless", "bool", "on", "ignoring", "group_left", "group_right",
		"by", "without", "offset", "inf", "nan", "atan2", "start", "end")
	grouping     = set("by", "without", "on", "ignoring", "group_left", "group_right")
	aggregations = set("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
		"bottomk", "topk", "quantile", "limitk", "limit_ratio")
	// Grafana's template variables ($__rate_interval, ${var}, $var) only
	// stand for durations and label values in our queries.
	grafanaVar = regexp.MustCompile(`\$(\{[^}]*\}|\w+)`)
)

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// token kinds
const (
	tIdent = iota
	tNumber
	tString
	tPunct
)

type token struct {
	kind int
	text string // for strings: the unquoted value
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func lex(expr string) ([]token, error) {
	s := grafanaVar.ReplaceAllString(expr, "5m")
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#': // comment to the end of the line
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.':
			// numbers, durations (5m, 1h30m), hex and exponents
			j := i
			for j < len(s) && (isIdentChar(s[j]) || s[j] == '.' ||
				(s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			toks = append(toks, token{tNumber, s[i:j]})
			i = j
		case c == '"' || c == '\'' || c == '`':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && c != '`' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string in %q", expr)
			}
			toks = append(toks, token{tString, b.String()})
			i = j + 1
		default:
			n := 1
			if i+1 < len(s) {
				switch s[i : i+2] {
				case "=~", "!~", "!=", "==", "<=", ">=":
					n = 2
				}
			}
			toks = append(toks, token{tPunct, s[i : i+n]})
			i += n
		}
	}
	return toks, nil
}

// parseQuery lists the selectors and grouping labels of a PromQL expression.
func parseQuery(expr string) (query, error) {
	var q query
	toks, err := lex(expr)
	if err != nil {
		return q, err
	}
	if err := balanced(toks); err != nil {
		return q, fmt.Errorf("%q: %v", expr, err)
	}
	is := func(i int, text string) bool { return i < len(toks) && toks[i].kind != tString && toks[i].text == text }
	// skip returns the index after the bracket that closes toks[i] (the
	// brackets are balanced) and the tokens between.
	skip := func(i int, close string) (int, []token) {
		open := toks[i].text
		depth := 0
		for j := i; ; j++ {
			switch {
			case toks[j].kind != tPunct:
			case toks[j].text == open:
				depth++
			case toks[j].text == close:
				if depth--; depth == 0 {
					return j + 1, toks[i+1 : j]
				}
			}
		}
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case t.kind == tIdent && grouping[strings.ToLower(t.text)] && is(i+1, "("):
			end, inner := skip(i+1, ")")
			for _, l := range inner {
				if l.kind == tIdent {
					q.Grouping = append(q.Grouping, l.text)
				}
			}
			i = end
		case t.kind == tIdent && (keywords[strings.ToLower(t.text)] || is(i+1, "(") ||
			aggregations[t.text] && (is(i+1, "by") || is(i+1, "without"))):
			i++ // keyword, function or aggregation
		case t.kind == tIdent, t.kind == tPunct && t.text == "{":
			sel := selector{}
			if t.kind == tIdent {
				sel.Metric = t.text
				i++
			}
			if is(i, "{") {
				end, inner := skip(i, "}")
				var err error
				if sel.Matchers, err = parseMatchers(inner); err != nil {
					return q, fmt.Errorf("%q: %v", expr, err)
				}
				i = end
			}
			for _, m := range sel.Matchers {
				if m.Label == "__name__" && m.Op == "=" {
					sel.Metric = m.Value
				}
			}
			if sel.Metric == "" {
				return q, fmt.Errorf("%q: a selector without a literal metric name", expr)
			}
			q.Selectors = append(q.Selectors, sel)
		case t.kind == tPunct && t.text == "[":
			i, _ = skip(i, "]")
		default:
			i++
		}
	}
	return q, nil
}

// balanced checks that brackets pair up.
func balanced(toks []token) error {
	var stack []string
	closing := map[string]string{")": "(", "]": "[", "}": "{"}
	for _, t := range toks {
		switch {
		case t.kind != tPunct:
		case t.text == "(" || t.text == "[" || t.text == "{":
			stack = append(stack, t.text)
		case closing[t.text] != "":
			if len(stack) == 0 || stack[len(stack)-1] != closing[t.text] {
				return fmt.Errorf("unexpected %q", t.text)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack[len(stack)-1])
	}
	return nil
}

func parseMatchers(toks []token) ([]matcher, error) {
	var ms []matcher
	for i := 0; i < len(toks); {
		if toks[i].kind == tPunct && toks[i].text == "," {
			i++
			continue
		}
		if i+2 >= len(toks) || toks[i].kind != tIdent || toks[i+1].kind != tPunct || toks[i+2].kind != tString {
			return nil, fmt.Errorf("bad label matcher near %q", toks[i].text)
		}
		switch op := toks[i+1].text; op {
		case "=", "!=", "=~", "!~":
			ms = append(ms, matcher{toks[i].text, op, toks[i+2].text})
		default:
			return nil, fmt.Errorf("bad matcher operator %q", op)
		}
		i += 3
	}
	return ms, nil
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want query
	}{
		{`up{job="thresher-coordinator"} == 0`,
			query{Selectors: []selector{{"up", []matcher{{"job", "=", "thresher-coordinator"}}}}}},
		{`sum by (stage) (rate(thresher_replications_completed_total[$__rate_interval]))`,
			query{Selectors: []selector{{Metric: "thresher_replications_completed_total"}}, Grouping: []string{"stage"}}},
		{`histogram_quantile(0.95, sum without (instance) (rate(x_bucket{a!~'p|q', b=~"r"}[5m] offset 1h)))`,
			query{Selectors: []selector{{"x_bucket", []matcher{{"a", "!~", "p|q"}, {"b", "=~", "r"}}}}, Grouping: []string{"instance"}}},
		{`max(a and on (job, instance) (b == 1)) or vector(0) > bool 1e-3`,
			query{Selectors: []selector{{Metric: "a"}, {Metric: "b"}}, Grouping: []string{"job", "instance"}}},
		{`sum(x) by (le) / ignoring(le) group_left sum({__name__="job:z:rate1m"})`,
			query{Selectors: []selector{{Metric: "x"}, {"job:z:rate1m", []matcher{{"__name__", "=", "job:z:rate1m"}}}}, Grouping: []string{"le", "le"}}},
		{`label_replace(rate(x[${interval}:1m]), "dst", "$1", "src", "(.*)") # a comment naming y`,
			query{Selectors: []selector{{Metric: "x"}}}},
	} {
		got, err := parseQuery(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`{job="x"}`, `sum(rate(x[5m])`, `x{job=}`, `x{job="a}`} {
		if _, err := parseQuery(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
