package security

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// MinTokenLength is the shortest accepted token.
const MinTokenLength = 16

// DefaultTokenName is the name of a token given alone on its line.
const DefaultTokenName = "default"

// Identity is who a token belongs to: the name jobs record as their owner,
// and whether it may see and manage every name's jobs.
type Identity struct {
	Name  string
	Admin bool
}

// Tokens is the set of bearer tokens that may use the Jobs API.
type Tokens struct {
	values [][]byte
	ids    []Identity
}

var tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// parseTokenLine parses one line of a token file: "name:token",
// "name:token:admin", or a token alone (named DefaultTokenName, the format
// of older files).
func parseTokenLine(line string) (string, Identity, error) {
	parts := strings.Split(line, ":")
	id := Identity{Name: DefaultTokenName}
	var tok string
	switch {
	case len(parts) == 1:
		tok = parts[0]
	case len(parts) == 2:
		id.Name, tok = parts[0], parts[1]
	case len(parts) == 3 && parts[2] == "admin":
		id.Name, tok, id.Admin = parts[0], parts[1], true
	default:
		return "", id, errors.New(`want "name:token", "name:token:admin" or a token alone`)
	}
	if !tokenNamePattern.MatchString(id.Name) {
		return "", id, fmt.Errorf("a token's name needs 1-64 letters, digits, '.', '-' or '_', not %q", id.Name)
	}
	if len(tok) < MinTokenLength {
		return "", id, fmt.Errorf("a token needs at least %d characters", MinTokenLength)
	}
	return tok, id, nil
}

// LoadTokens reads tokens from a file: one per line, "name:token" or
// "name:token:admin" (an admin sees and manages every name's jobs), or a
// token alone, named "default"; blank lines and lines starting with # are
// ignored. Messages never quote a token. Reading stops when ctx ends.
func LoadTokens(ctx context.Context, path string) (*Tokens, error) {
	raw, err := readFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	t := &Tokens{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		tok, id, err := parseTokenLine(text)
		if err != nil {
			return nil, fmt.Errorf("tokens: %s line %d: %w", path, line, err)
		}
		t.values = append(t.values, []byte(tok))
		t.ids = append(t.ids, id)
	}
	if len(t.values) == 0 {
		return nil, fmt.Errorf("tokens: %s holds no token", path)
	}
	return t, nil
}

// ReadToken reads the first token of a file, for clients.
func ReadToken(ctx context.Context, path string) (string, error) {
	t, err := LoadTokens(ctx, path)
	if err != nil {
		return "", err
	}
	return string(t.values[0]), nil
}

type identityKey struct{}

// CallerIdentity returns the identity of the token a call carried; ok is
// false when the server checks no tokens (--insecure), where every caller
// may manage every job.
func CallerIdentity(ctx context.Context) (id Identity, ok bool) {
	id, ok = ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// WithIdentity returns ctx carrying id, as the token check leaves it.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

var errUnauthenticated = status.Error(codes.Unauthenticated, "a valid bearer token is required")

// check accepts a context whose metadata carries "authorization: Bearer T"
// for a configured token T and returns it with T's identity. Every
// configured token is compared, in constant time, whatever matches first.
func (t *Tokens) check(ctx context.Context) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get("authorization")
	if len(auth) != 1 {
		return nil, errUnauthenticated
	}
	given, ok := strings.CutPrefix(auth[0], "Bearer ")
	if !ok {
		return nil, errUnauthenticated
	}
	found := -1
	for i, v := range t.values {
		if subtle.ConstantTimeCompare(v, []byte(given)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, errUnauthenticated
	}
	return WithIdentity(ctx, t.ids[found]), nil
}

// identifiedStream is a server stream whose context carries the caller's
// identity.
type identifiedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s identifiedStream) Context() context.Context { return s.ctx }

// exempt lists methods any caller may use: health checks.
func exempt(method string) bool { return strings.HasPrefix(method, "/grpc.health.v1.Health/") }

// ServerOptions returns interceptors that refuse calls without a valid token.
func (t *Tokens) ServerOptions() []grpc.ServerOption { return checkedBy(t.check) }

// checkedBy returns interceptors that let a call through, with the context
// check returns, when check accepts its context (exempt methods always).
func checkedBy(check func(context.Context) (context.Context, error)) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if !exempt(info.FullMethod) {
				var err error
				if ctx, err = check(ctx); err != nil {
					return nil, err
				}
			}
			return h(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if !exempt(info.FullMethod) {
				ctx, err := check(ss.Context())
				if err != nil {
					return err
				}
				ss = identifiedStream{ss, ctx}
			}
			return h(srv, ss)
		}),
	}
}

// BearerToken sends a token with every call.
type BearerToken struct {
	Token string
	// Secure refuses to send the token over a connection without TLS.
	Secure bool
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (b BearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	if b.Token == "" {
		return nil, errors.New("empty bearer token")
	}
	return map[string]string{"authorization": "Bearer " + b.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (b BearerToken) RequireTransportSecurity() bool { return b.Secure }
