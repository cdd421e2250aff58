package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/thresher/thresher/internal/clustertest"
)

// TestGitignoreCoversCommandOutputs runs the README's commands that write
// into the working tree, with their default destinations too, in a scratch
// git repository holding the project's .gitignore, and checks that git
// sees nothing new.
func TestGitignoreCoversCommandOutputs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	bin := clustertest.Binary(t)
	dir := t.TempDir()
	ignore, err := os.ReadFile("../../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), ignore, 0o644); err != nil {
		t.Fatal(err)
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		return cmd
	}
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	run("git", "init", "-q")
	spec := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(spec, []byte("threshold: {bs: 5, grid: 20}\nmediation: {reps: 5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"certs", "--dir", "certs"},
		{"certs"},
		{"simulate", "provinces", "--seed", "1", "--out", "sim"},
		{"simulate", "provinces"},
		{"simulate", "threshold", "--units", "10", "--periods", "4"},
		{"paper", "--data", "sim/provinces.csv", "--out", "results", "--spec", spec, "--workers", "1", "--write-panel", "panel.csv"},
		{"xthreg", "--data", abs(investCSV), "--depvar", "i", "--indep", "L.q", "--rx", "L.c", "--qx", "L.d", "--grid", "20",
			"--bs", "5", "--save-draws", "--format", "json", "--output", "r.json", "--workers", "1"},
		{"plot", "--result", "r.json"},
		{"plot", "--result", "r.json", "--formats", "pdf"},
		{"plot", "--result", "r.json", "--out", "figs"},
		{"xthreg", "--data", abs(investCSV), "--depvar", "i", "--indep", "L.q", "--rx", "L.c", "--qx", "L.d", "--grid", "20",
			"--bs", "0", "--format", "json", "--output", "threshold_lndig.json", "--workers", "1"},
	} {
		run(bin, args...)
	}
	for _, dataDir := range []string{"etcd-data", ""} {
		args := []string{"etcd", "--listen", clustertest.FreeAddr(t)}
		if dataDir != "" {
			args = append(args, "--data-dir", dataDir)
		}
		etcd := command(bin, args...)
		stdout, err := etcd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := etcd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		etcd.Process.Signal(syscall.SIGTERM)
		etcd.Wait()
		if !strings.Contains(line, "etcd serving") {
			t.Fatalf("etcd %v printed %q", args, line)
		}
	}
	status := run("git", "status", "--porcelain", "--untracked-files=all")
	if status = strings.TrimSpace(strings.ReplaceAll(status, "?? .gitignore", "")); status != "" {
		t.Errorf("the README's commands leave files .gitignore lacks:\n%s", status)
	}
}
