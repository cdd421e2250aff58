package security

import (
	"context"

	"google.golang.org/grpc"
)

// TokenFile is the Jobs API's token file, read again when it changes: a
// token added or removed on disk is accepted or refused from the next call
// on, without a restart. A file that fails to load keeps the last good
// tokens in use.
type TokenFile struct {
	tokens *reloaded[*Tokens]
}

// WatchTokens loads the tokens of path (as LoadTokens) and keeps them up
// to date. The first read stops when ctx ends.
func WatchTokens(ctx context.Context, path string) (*TokenFile, error) {
	r, err := newReloaded(ctx, func(ctx context.Context) (*Tokens, error) { return LoadTokens(ctx, path) }, path)
	if err != nil {
		return nil, err
	}
	return &TokenFile{tokens: r}, nil
}

// ServerOptions returns interceptors that refuse calls without a token the
// file holds at the time of the call.
func (f *TokenFile) ServerOptions() []grpc.ServerOption {
	return checkedBy(func(ctx context.Context) (context.Context, error) {
		t, _ := f.tokens.get(ctx) // never fails once loaded: the last good tokens
		return t.check(ctx)
	})
}
