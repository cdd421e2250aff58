package security

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// MinTokenLength is the shortest accepted token.
const MinTokenLength = 16

// Tokens is the set of bearer tokens that may use the Jobs API.
type Tokens struct {
	values [][]byte
}

// LoadTokens reads tokens from a file: one per line; blank lines and lines
// starting with # are ignored.
func LoadTokens(path string) (*Tokens, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	t := &Tokens{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		tok := strings.TrimSpace(sc.Text())
		if tok == "" || strings.HasPrefix(tok, "#") {
			continue
		}
		if len(tok) < MinTokenLength {
			return nil, fmt.Errorf("tokens: %s line %d: a token needs at least %d characters", path, line, MinTokenLength)
		}
		t.values = append(t.values, []byte(tok))
	}
	if len(t.values) == 0 {
		return nil, fmt.Errorf("tokens: %s holds no token", path)
	}
	return t, nil
}

// ReadToken reads the first token of a file, for clients.
func ReadToken(path string) (string, error) {
	t, err := LoadTokens(path)
	if err != nil {
		return "", err
	}
	return string(t.values[0]), nil
}

var errUnauthenticated = status.Error(codes.Unauthenticated, "a valid bearer token is required")

// check accepts a context whose metadata carries "authorization: Bearer T"
// for a configured token T. Every configured token is compared, in constant
// time, whatever matches first.
func (t *Tokens) check(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get("authorization")
	if len(auth) != 1 {
		return errUnauthenticated
	}
	given, ok := strings.CutPrefix(auth[0], "Bearer ")
	if !ok {
		return errUnauthenticated
	}
	match := 0
	for _, v := range t.values {
		match |= subtle.ConstantTimeCompare(v, []byte(given))
	}
	if match != 1 {
		return errUnauthenticated
	}
	return nil
}

// exempt lists methods any caller may use: health checks.
func exempt(method string) bool { return strings.HasPrefix(method, "/grpc.health.v1.Health/") }

// ServerOptions returns interceptors that refuse calls without a valid token.
func (t *Tokens) ServerOptions() []grpc.ServerOption { return checkedBy(t.check) }

// checkedBy returns interceptors that let a call through when check
// accepts its context (exempt methods always).
func checkedBy(check func(context.Context) error) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if !exempt(info.FullMethod) {
				if err := check(ctx); err != nil {
					return nil, err
				}
			}
			return h(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if !exempt(info.FullMethod) {
				if err := check(ss.Context()); err != nil {
					return err
				}
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
