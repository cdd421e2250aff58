package security

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// TestTokenFileRotation serves the Jobs API (unimplemented: a call that
// passes the token check answers Unimplemented) on 127.0.0.1 with a token
// file, then rewrites the file: the next calls follow it without a
// restart, and a file without tokens keeps the last good ones.
func TestTokenFileRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.txt")
	const a, b = "token-a-0123456789abcdef", "token-b-0123456789abcdef"
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(a + "\n")
	tokens, err := WatchTokens(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(tokens.ServerOptions()...)
	pb.RegisterJobsServer(srv, pb.UnimplementedJobsServer{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()
	call := func(token string) codes.Code {
		t.Helper()
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithPerRPCCredentials(BearerToken{Token: token}))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = pb.NewJobsClient(conn).Cancel(ctx, &pb.CancelRequest{})
		return status.Code(err)
	}
	steps := []struct {
		file     string // written before the calls; "" keeps the file
		accepted map[string]bool
	}{
		{"", map[string]bool{a: true, b: false}},
		{"# rotated\n" + b + "\n", map[string]bool{a: false, b: true}},
		{a + "\n" + b + "\n", map[string]bool{a: true, b: true}},
		{"# no token at all\n", map[string]bool{a: true, b: true}},
	}
	for i, s := range steps {
		if s.file != "" {
			write(s.file)
		}
		for token, ok := range s.accepted {
			want := codes.Unauthenticated
			if ok {
				want = codes.Unimplemented
			}
			if got := call(token); got != want {
				t.Errorf("step %d: token %s: %v, want %v", i, token[:7], got, want)
			}
		}
	}
}

// TestTokenFileFromAPipe reads the token file from a pipe (a shell's
// <(...)): its tokens are read once, since a pipe cannot be read again, and
// a call is checked against them without reading the pipe again (which
// would wait for a writer that never comes).
func TestTokenFileFromAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const tok = "token-p-0123456789abcdef"
	go func() { w.WriteString("alice:" + tok + "\n"); w.Close() }()
	tokens, err := WatchTokens(context.Background(), fmt.Sprintf("/dev/fd/%d", r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if !tokens.tokens.static {
		t.Fatal("the tokens of a pipe would be read again at every call")
	}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+tok))
	got, err := tokens.tokens.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := got.check(ctx); err != nil {
		t.Errorf("the pipe's token is refused: %v", err)
	}
}
