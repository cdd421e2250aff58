package main

import (
	"regexp"
	"strings"
	"testing"
)

// xthregNoID is a one-threshold model on Hansen's data without --id, so
// that the unit column comes from the environment or the default "id".
func xthregNoID(extra ...string) []string {
	return append([]string{"xthreg", "--data", investCSV, "--time", "year", "--depvar", "i",
		"--rx", "L.c", "--qx", "L.d", "--thnum", "1", "--grid", "20", "--trim", "0.01", "--bs", "0"}, extra...)
}

// TestEnvironmentScopes checks the environment rule of flags.go: a
// worker's THRESHER_ID no longer names xthreg's unit column (the collision
// of issue 18), a command's own variable is read and wins over the bare one.
func TestEnvironmentScopes(t *testing.T) {
	t.Run("bare THRESHER_ID is not xthreg's", func(t *testing.T) {
		t.Setenv("THRESHER_ID", "workername")
		if code, _, stderr := runCLI(t, xthregNoID()...); code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("THRESHER_XTHREG_ID is xthreg's", func(t *testing.T) {
		t.Setenv("THRESHER_XTHREG_ID", "workername")
		if code, _, stderr := runCLI(t, xthregNoID()...); code != 1 || !strings.Contains(stderr, `unknown column "workername"`) {
			t.Errorf("exit %d, stderr %q; want exit 1 naming the column", code, stderr)
		}
	})
	t.Run("the command's variable wins", func(t *testing.T) {
		t.Setenv("THRESHER_FORMAT", "text")
		t.Setenv("THRESHER_XTHREG_FORMAT", "json")
		if code, out, stderr := runCLI(t, xthregNoID()...); code != 0 || !strings.HasPrefix(out, "{") {
			t.Errorf("exit %d, stdout %.40q: %s", code, out, stderr)
		}
	})
	t.Run("an error names the variable read", func(t *testing.T) {
		t.Setenv("THRESHER_XTHREG_BS", "x")
		if code, _, stderr := runCLI(t, xthregNoID()[:13]...); code != 2 || !strings.Contains(stderr, "THRESHER_XTHREG_BS (--bs)") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// helpEntry is one flag of a --help: its variables and its usage text
// without the default.
var helpEntry = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)  \[([A-Z0-9_ or]+)\]\n      (.*?)(?: \(default [^\n]*\))?$`)

// sameMeaning lists flag names whose usage is worded differently across
// commands for one meaning; their bare THRESHER_<FLAG> is kept.
var sameMeaning = map[string]bool{
	"data":              true, // the input CSV
	"depvar":            true, // the dependent variable
	"indep":             true, // the regressors
	"qx":                true, // the threshold variable
	"tls-cert":          true, // this process's certificate
	"tls-key":           true, // its key
	"tls-ca":            true, // the CA bundle trusted
	"token-file":        true, // the cluster's token file (a client sends its first token)
	"max-work":          true, // the limit on a job's estimated work
	"max-dataset-bytes": true, // the limit on a dataset's size
	"cluster-id":        true, // the cluster's id (certs: of the new cluster)
	"format":            true, // the report's format (montecarlo has more)
	"coordinator":       true, // the cluster's coordinators
	"output":            true, // a file instead of stdout
	"blob-url":          true, // the object store of datasets and results (the in-process default is temporary)
}

// TestEnvironmentScopesComplete checks that every flag name whose usage
// differs between commands is command-scoped (or listed as one meaning),
// and that each --help names the variables the flag reads.
func TestEnvironmentScopesComplete(t *testing.T) {
	usages := map[string]map[string][]string{} // flag -> usage -> commands
	for _, c := range commands() {
		subs := [][]string{{c.name}}
		switch c.name {
		case "simulate":
			subs = [][]string{{"simulate", "provinces"}, {"simulate", "threshold"}}
		case "worker":
			subs = [][]string{{"worker"}, {"worker", "drain"}}
		}
		for _, sub := range subs {
			if c.name == "version" {
				continue
			}
			code, out, stderr := runCLI(t, append(sub, "--help")...)
			entries := helpEntry.FindAllStringSubmatch(out+stderr, -1)
			if code != 0 || len(entries) == 0 {
				t.Fatalf("%v --help: exit %d, %d flags:\n%s%s", sub, code, len(entries), out, stderr)
			}
			command := strings.Join(sub, " ")
			for _, e := range entries {
				if want := strings.Join(envNames(command, e[1]), " or "); e[2] != want {
					t.Errorf("%s --%s: help lists [%s], want [%s]", command, e[1], e[2], want)
				}
				if usages[e[1]] == nil {
					usages[e[1]] = map[string][]string{}
				}
				usages[e[1]][e[3]] = append(usages[e[1]][e[3]], command)
			}
		}
	}
	for name, byUsage := range usages {
		if len(byUsage) > 1 && !commandScoped[name] && !sameMeaning[name] {
			t.Errorf("--%s means different things (%v): add it to commandScoped, or to sameMeaning if it does not", name, byUsage)
		}
	}
	if !strings.Contains(strings.Join(envNames("worker", "id"), " "), "THRESHER_WORKER_ID") || len(envNames("worker", "id")) != 1 {
		t.Errorf("worker --id reads %v, want THRESHER_WORKER_ID only", envNames("worker", "id"))
	}
}

// TestVersionFlag checks that --version prints what `thresher version` does.
func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		if code, out, stderr := runCLI(t, arg); code != 0 || out != "thresher "+version+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out, stderr)
		}
	}
}
