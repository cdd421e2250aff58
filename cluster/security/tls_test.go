package security

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestDialLoopbackOnly(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	conn, err := DialLoopbackOnly(context.Background(), lis.Addr().String())
	if err != nil {
		t.Fatalf("loopback: %v", err)
	}
	conn.Close()
	for _, addr := range []string{"10.1.2.3:7071", "0.0.0.0:7071", ":7071", "example.com:7071"} {
		if _, err := DialLoopbackOnly(context.Background(), addr); err == nil || !strings.Contains(err.Error(), "refusing a plaintext connection") {
			t.Errorf("%s: %v, want a refusal", addr, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, "127.9.9.9:1": true,
		"10.0.0.1:1": false, ":1": false, "0.0.0.0:1": false, "[::]:1": false, "example.com:1": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
