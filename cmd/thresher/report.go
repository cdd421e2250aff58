package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/thresher/thresher/estimators/model"
)

// renderResult renders one result as xthreg and xthenreg print it: the
// JSON document indented, or the kind's text report.
func renderResult(kind model.Kind, format string, result []byte) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if format == "json" {
		err = json.Indent(&buf, result, "", "  ")
		buf.WriteByte('\n')
	} else {
		err = kind.WriteText(&buf, result)
	}
	return buf.Bytes(), err
}

// renderSweep renders labelled results as sweep prints them: one JSON
// document {"results": [{"label": ..., "result": {...}}, ...]}, or each
// text report under a "=== label ===" line. kinds[i] writes result i's
// text report.
func renderSweep(labels []string, kinds []model.Kind, format string, results [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	if format == "json" {
		type labelled struct {
			Label  string          `json:"label"`
			Result json.RawMessage `json:"result"`
		}
		var out struct {
			Results []labelled `json:"results"`
		}
		for i, r := range results {
			out.Results = append(out.Results, labelled{labels[i], r})
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err := enc.Encode(out)
		return buf.Bytes(), err
	}
	for i, r := range results {
		fmt.Fprintf(&buf, "=== %s ===\n", labels[i])
		if err := kinds[i].WriteText(&buf, r); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}
