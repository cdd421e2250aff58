package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EClientTLSMistakes runs the client with each TLS mistake against a
// real coordinator with TLS and one in plaintext: each fails at once
// (before the 10 s dial timeout; it used to wait until killed) with one
// line that names the cause and the flag that fixes it.
func TestE2EClientTLSMistakes(t *testing.T) {
	skipShort(t)
	c := newCluster(t)
	tlsAddr, plainAddr := freePort(t), freePort(t)
	c.Coordinator(tlsAddr)
	startProc(t, "plaintext coordinator", "coordinator", "--etcd", c.EtcdAddr, "--listen", plainAddr, "--insecure",
		"--metrics-listen", "", "--prefix", "/plaintext").WaitFor(t, `coordinator started`, 30*time.Second)
	ca, tokens := filepath.Join(c.certs, "ca.pem"), filepath.Join(c.certs, "tokens.txt")
	cases := []struct {
		mistake string
		args    []string
		want    []string // in the message
	}{
		{"another CA", []string{"--coordinator", tlsAddr, "--tls-ca", filepath.Join(makeCerts(t), "ca.pem"), "--token-file", tokens},
			[]string{"signed by an unknown authority", "--tls-ca"}},
		{"no CA against TLS", []string{"--coordinator", tlsAddr, "--token-file", tokens},
			[]string{"closed the connection before speaking gRPC", "--tls-ca"}},
		{"a wrong server name", []string{"--coordinator", tlsAddr, "--tls-ca", ca, "--tls-server-name", "wrong.example", "--token-file", tokens},
			[]string{"not valid for the server name", "not wrong.example", "--tls-server-name"}},
		{"TLS against plaintext", []string{"--coordinator", plainAddr, "--tls-ca", ca},
			[]string{"does not speak TLS", "drop --tls-ca"}},
		{"TLS against a plaintext server that is not a coordinator (etcd)", []string{"--coordinator", c.EtcdAddr, "--tls-ca", ca},
			[]string{"the server did not answer TLS: is it plaintext", "--insecure", "check --coordinator"}},
	}
	for _, tc := range cases {
		t.Run(tc.mistake, func(t *testing.T) {
			client := startProc(t, "client", e2eJob(tc.args...)...)
			start := time.Now()
			client.Wait(time.Minute)
			took := time.Since(start)
			stderr := client.Stderr.String()
			if code := client.Cmd.ProcessState.ExitCode(); code != 1 || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want exit 1 and one line", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if took >= 10*time.Second {
				t.Errorf("failed after %v, not before the dial timeout", took)
			}
			t.Logf("%v: %s", took, stderr)
		})
	}
}
