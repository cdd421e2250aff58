package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/inprocess"
)

// jobIDLine finds the job id a command submitting to a cluster prints.
var jobIDLine = regexp.MustCompile(`thresher: job ([0-9a-f]+) \('thresher jobs get`)

// submittedID returns the job id in a command's stderr.
func submittedID(t *testing.T, stderr string) string {
	t.Helper()
	m := jobIDLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no job id in stderr:\n%s", stderr)
	}
	return m[1]
}

// inprocessCluster starts an in-process cluster of workers for the test
// (two minutes at most) and returns the flag that submits to it.
func inprocessCluster(t *testing.T, workers int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	lc, err := inprocess.Start(ctx, inprocess.Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lc.Close() })
	return []string{"--coordinator", lc.Addr()}
}

// TestJobsCommand submits an xthreg job and a sweep to an in-process
// cluster, as 'thresher xthreg --coordinator' does, and checks that 'thresher
// jobs get' prints byte for byte what the submitting commands printed (JSON
// and text, the text with --vce robust, which the result records), that
// 'jobs list' describes both, and that 'jobs delete' removes one, after
// which get fails.
func TestJobsCommand(t *testing.T) {
	at := inprocessCluster(t, 2)
	model := hansenArgs("--thnum", "2", "--trim", "0.01,0.05", "--grid", "40", "--bs", "20")

	code, jsonOut, stderr := runCLI(t, append(append(model, "--format", "json"), at...)...)
	if code != 0 {
		t.Fatalf("xthreg: exit %d: %s", code, stderr)
	}
	xthregID := submittedID(t, stderr)
	code, got, stderr := runCLI(t, append([]string{"jobs", "get", xthregID, "--format", "json"}, at...)...)
	if code != 0 || got != jsonOut {
		t.Errorf("jobs get --format json: exit %d, %d bytes, want the %d bytes xthreg printed: %s", code, len(got), len(jsonOut), stderr)
	}
	code, textOut, stderr := runCLI(t, append(append(model, "--vce", "robust"), at...)...)
	if code != 0 {
		t.Fatalf("xthreg text: exit %d: %s", code, stderr)
	}
	textID := submittedID(t, stderr)
	// The flags may come before the id, too.
	if code, got, stderr = runCLI(t, append(append([]string{"jobs", "get"}, at...), textID)...); code != 0 || got != textOut {
		t.Errorf("jobs get: exit %d, differs from xthreg's text report: %s", code, stderr)
	}

	sweep := writeSweepFile(t, t.TempDir(), sweepYAML)
	for _, format := range []string{"text", "json"} {
		code, sweepOut, stderr := runCLI(t, append([]string{"sweep", "--spec", sweep, "--format", format}, at...)...)
		if code != 0 {
			t.Fatalf("sweep: exit %d: %s", code, stderr)
		}
		id := submittedID(t, stderr)
		if code, got, stderr := runCLI(t, append([]string{"jobs", "get", id, "--format", format}, at...)...); code != 0 || got != sweepOut {
			t.Errorf("jobs get of a sweep, --format %s: exit %d, differs from sweep's output: %s", format, code, stderr)
		}
	}

	code, out, stderr := runCLI(t, append([]string{"jobs", "list", "--format", "json"}, at...)...)
	var listed []jobSummary
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 4 {
		t.Fatalf("jobs list: exit %d, %v: %s%s", code, err, out, stderr)
	}
	for _, j := range listed {
		if j.State != "succeeded" || j.ResultBytes == 0 || j.Submitted == "" || j.Finished == "" || j.Done != j.Total || len(j.Kinds) == 0 {
			t.Errorf("listed %+v", j)
		}
	}
	if code, out, _ = runCLI(t, append([]string{"jobs", "list"}, at...)...); code != 0 || !strings.Contains(out, xthregID+"  succeeded  threshold ") ||
		!strings.Contains(out, "threshold x2") {
		t.Errorf("jobs list: exit %d:\n%s", code, out)
	}

	if code, out, stderr = runCLI(t, append([]string{"jobs", "delete", xthregID}, at...)...); code != 0 || out != "deleted job "+xthregID+"\n" {
		t.Errorf("jobs delete: exit %d: %s%s", code, out, stderr)
	}
	if code, _, stderr = runCLI(t, append([]string{"jobs", "get", xthregID}, at...)...); code != 1 || !strings.Contains(stderr, `no job "`+xthregID+`"`) {
		t.Errorf("jobs get of a deleted job: exit %d: %s", code, stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"jobs"}, "name a subcommand"},
		{[]string{"jobs", "show"}, `unknown subcommand "show"`},
		{[]string{"jobs", "get"}, "'thresher jobs get' needs a job id"},
		{[]string{"jobs", "list", "x"}, `unexpected argument "x"`},
		{[]string{"jobs", "get", "a", "b"}, `unexpected argument "b"`},
	} {
		if code, _, stderr := runCLI(t, tt.args...); code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, %s; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestJobsOnCluster runs 'thresher jobs' against a cluster of processes
// with TLS and named tokens: the owner reads its xthreg job back byte for
// byte, another name is refused, an admin lists and deletes it.
func TestJobsOnCluster(t *testing.T) {
	skipShort(t)
	c := newCluster(t)
	tokens := map[string]string{"alice": "alice:alice-token-0123456789", "bob": "bob:bob-token-0123456789ab",
		"root": "root:root-token-0123456789a:admin"}
	files := map[string]string{}
	var all strings.Builder
	for name, line := range tokens {
		files[name] = filepath.Join(t.TempDir(), name+".txt")
		if err := os.WriteFile(files[name], []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		all.WriteString(line + "\n")
	}
	if err := os.WriteFile(filepath.Join(c.certs, "tokens.txt"), []byte(all.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	c.coordinator(addr)
	c.worker()
	as := func(name string, args ...string) (int, string, string) {
		return runCLI(t, append(args, c.remoteFlags(files[name], addr)...)...)
	}
	code, want, stderr := as("alice", hansenArgs("--thnum", "1", "--grid", "40", "--bs", "20", "--trim", "0.01", "--format", "json")...)
	if code != 0 {
		t.Fatalf("xthreg on the cluster: exit %d: %s", code, stderr)
	}
	id := submittedID(t, stderr)
	if code, got, stderr := as("alice", "jobs", "get", id, "--format", "json"); code != 0 || got != want {
		t.Errorf("the owner's jobs get: exit %d, %d bytes, want %d: %s", code, len(got), len(want), stderr)
	}
	for _, sub := range []string{"get", "cancel", "delete"} {
		if code, _, stderr := as("bob", "jobs", sub, id); code != 1 || !strings.Contains(stderr, `job `+id+` belongs to "alice"`) {
			t.Errorf("another name's jobs %s: exit %d: %s", sub, code, stderr)
		}
	}
	if code, out, _ := as("bob", "jobs", "list"); code != 0 || strings.Contains(out, id) {
		t.Errorf("another name's jobs list shows the job: exit %d\n%s", code, out)
	}
	if code, out, stderr := as("root", "jobs", "list"); code != 0 || !strings.Contains(out, id+"  succeeded  threshold  alice  ") {
		t.Errorf("the admin's jobs list: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := as("root", "jobs", "delete", id); code != 0 || out != "deleted job "+id+"\n" {
		t.Errorf("the admin's jobs delete: exit %d: %s%s", code, out, stderr)
	}
}
