package k8s

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/thresher/thresher/internal/clustertest"
)

// A subcommand's flags as its --help lists them, with the variables they
// read: "  --name  [THRESHER_SUB_NAME or THRESHER_NAME]".
var helpFlag = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)  \[(THRESHER_[A-Z0-9_]+(?: or THRESHER_[A-Z0-9_]+)*)\]$`)

var (
	helpMu sync.Mutex
	helps  = map[string]map[string]string{}
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	clustertest.RemoveBinary()
	os.Exit(code)
}

// binaryFlags returns the flags of `thresher <sub>` (name -> environment
// variables, separated by " or "), read from the --help of the binary built from this tree.
func binaryFlags(t *testing.T, sub string) map[string]string {
	t.Helper()
	binPath := clustertest.Binary(t)
	helpMu.Lock()
	defer helpMu.Unlock()
	if flags, ok := helps[sub]; ok {
		return flags
	}
	var out bytes.Buffer
	cmd := exec.Command(binPath, sub, "--help")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("thresher %s --help: %v\n%s", sub, err, out.String())
	}
	flags := map[string]string{}
	for _, m := range helpFlag.FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = m[2]
	}
	if len(flags) < 3 {
		t.Fatalf("thresher %s --help lists %d flags:\n%s", sub, len(flags), out.String())
	}
	helps[sub] = flags
	return flags
}

// thresherSettings are the flags a thresher container sets, from its args
// and its THRESHER_* environment (the args win, as in the binary); values
// from valueFrom are "" (only their presence is known).
func thresherSettings(t *testing.T, where, sub string, args []string, env map[string]string) map[string]string {
	t.Helper()
	flags := binaryFlags(t, sub)
	byEnv := map[string]string{}
	for name, vars := range flags {
		for _, v := range strings.Split(vars, " or ") {
			byEnv[v] = name
		}
	}
	set := map[string]string{}
	for name, value := range env {
		if !strings.HasPrefix(name, "THRESHER_") {
			continue
		}
		if flag, ok := byEnv[name]; ok {
			set[flag] = value
		} else {
			t.Errorf("%s: environment variable %s is no flag of 'thresher %s'", where, name, sub)
		}
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			t.Errorf("%s: argument %q: write flags as --name=value", where, a)
			continue
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if _, ok := flags[name]; !ok {
			t.Errorf("%s: 'thresher %s' has no flag --%s", where, sub, name)
		}
		set[name] = value
	}
	return set
}
