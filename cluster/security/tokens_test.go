package security

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
)

// TestLoadTokens reads token files in the named and the older format and
// checks each token's identity, and that a bad line is refused naming its
// line without quoting the token.
func TestLoadTokens(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		want       map[string]Identity // token -> identity
		err        string
	}{
		{"older format", "# c\n\n0123456789abcdef\n", map[string]Identity{"0123456789abcdef": {Name: "default"}}, ""},
		{"names and an admin", "alice:alice-0123456789abcdef\nroot:root-0123456789abcdef:admin\n",
			map[string]Identity{"alice-0123456789abcdef": {Name: "alice"}, "root-0123456789abcdef": {Name: "root", Admin: true}}, ""},
		{"short token", "alice:short-secret\n", nil, "line 1: a token needs at least 16 characters"},
		{"bad name", "al ice:0123456789abcdef\n", nil, `line 1: a token's name needs 1-64 letters, digits, '.', '-' or '_', not "al ice"`},
		{"empty name", ":0123456789abcdef\n", nil, "line 1: a token's name needs"},
		{"unknown mark", "# c\nalice:0123456789abcdef:root\n", nil, `line 2: want "name:token", "name:token:admin" or a token alone`},
		{"no token", "# only a comment\n", nil, "holds no token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tokens.txt")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			tokens, err := LoadTokens(context.Background(), path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "0123456789abcdef") {
					t.Fatalf("error %v, want %q without the token", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for token, want := range tt.want {
				ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
				ctx, err := tokens.check(ctx)
				if err != nil {
					t.Fatalf("token of %s refused: %v", want.Name, err)
				}
				if got, ok := CallerIdentity(ctx); !ok || got != want {
					t.Errorf("identity %+v, %v; want %+v", got, ok, want)
				}
			}
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer not-a-token-0123456789"))
			if _, err := tokens.check(ctx); err == nil {
				t.Error("an unknown token was accepted")
			}
		})
	}
}
