package main

import (
	"strings"
	"testing"
	"time"

	"github.com/thresher/thresher/internal/clustertest"
)

// TestInProcessUnderAddressSpaceLimit runs the in-process default under
// `ulimit -v` as batch systems set it: at 4 GiB the job succeeds (etcd's
// own database map of 10 GiB once made it panic); at 3 and 2 GiB it fails
// at once with one line that names the flag to lower (at 3 GiB etcd used to
// pass the check and then panic).
func TestInProcessUnderAddressSpaceLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	cases := []struct {
		limitKB string
		extra   []string
		code    int
		stderr  string
	}{
		{"4194304", nil, 0, "thresher: bootstrap single 20/20\n"},
		{"3145728", nil, 1, "lower --etcd-backend-bytes (1073741824) or raise ulimit -v\n"},
		{"2097152", nil, 1, "lower --etcd-backend-bytes (1073741824) or raise ulimit -v\n"},
		// At the smallest quota only a larger limit helps.
		{"2097152", []string{"--etcd-backend-bytes", "16777216"}, 1, "--etcd-backend-bytes is at its minimum (16777216): raise ulimit -v\n"},
	}
	bin := clustertest.Binary(t)
	for _, c := range cases {
		t.Run(strings.TrimSpace(c.limitKB+" KiB "+strings.Join(c.extra, " ")), func(t *testing.T) {
			args := append([]string{"-c", `ulimit -v "$0" && exec "$@"`, c.limitKB, bin},
				hansenArgs(append([]string{"--thnum", "1", "--trim", "0.01", "--bs", "20", "--format", "json"}, c.extra...)...)...)
			p := clustertest.Start(t, "xthreg under ulimit -v", "bash", nil, args...)
			p.Wait(2 * time.Minute)
			stderr := p.Stderr.String()
			// A success ends with the warnings of the JSON result.
			if code := p.Cmd.ProcessState.ExitCode(); code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and a stderr with %q", code, stderr, c.code, c.stderr)
			}
			if c.code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("the failure takes more than one line:\n%s", stderr)
			}
		})
	}
}
