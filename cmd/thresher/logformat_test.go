package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestLogFormat checks --log-format: key=value text, one JSON object per
// line, and a usage error (exit 2) for anything else.
func TestLogFormat(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		f := commonFlags{logLevel: "info", logFormat: format}
		log, err := f.logger(&buf)
		if err != nil {
			t.Fatalf("--log-format %s: %v", format, err)
		}
		log.Debug("hidden")
		log.Info("task done", "task", "t1")
		line := strings.TrimSpace(buf.String())
		switch format {
		case "text":
			if !strings.Contains(line, `level=INFO msg="task done" task=t1`) {
				t.Errorf("text log %q", line)
			}
		case "json":
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] != "task done" || rec["task"] != "t1" || rec["level"] != "INFO" {
				t.Errorf("json log %q: %v, %v", line, rec, err)
			}
		}
	}
	f := commonFlags{logLevel: "info", logFormat: "xml"}
	if _, err := f.logger(new(bytes.Buffer)); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v, want a usage error", err)
	}
	if code, _, stderr := runCLI(t, "worker", "--insecure", "--log-format", "xml"); code != 2 || !strings.Contains(stderr, "--log-format") {
		t.Errorf("worker --log-format xml: exit %d, %q; want exit 2", code, stderr)
	}
}
