package security

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"os"
	"sync"
)

// reloaded is a value read from files, read again when the content of any
// of them changes, so that certificates and token files
// rotated on disk (a renewed Kubernetes Secret, a cert-manager renewal)
// take effect at the next handshake or call without a restart. Files that
// fail to load, such as ones caught half-written, leave the last good value
// in use until they change again. A value read from a file that is not
// regular (a pipe, a FIFO, a device) is read once: such a file cannot be
// read again for the same content.
type reloaded[T any] struct {
	paths []string
	load  func(context.Context) (T, error)

	mu     sync.Mutex
	stamp  string // hash of the content of the files loaded
	value  T
	loaded bool
	static bool // a file is not regular: never read again
}

// newReloaded loads the value once, so that a wrong file fails at start;
// reading stops when ctx ends.
func newReloaded[T any](ctx context.Context, load func(context.Context) (T, error), paths ...string) (*reloaded[T], error) {
	r := &reloaded[T]{paths: paths, load: load}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.Mode().IsRegular() {
			r.static = true
		}
	}
	if r.static {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		r.value, r.loaded = v, true
		return r, nil
	}
	if _, err := r.get(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// fileStamp identifies the content of the files: a SHA-256 of each, after
// symbolic links (a Secret's files are links that Kubernetes swaps). The
// files are small (certificates, keys, tokens); their content, unlike a
// modification time of coarse resolution, tells every rewrite.
func fileStamp(ctx context.Context, paths ...string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		raw, err := readFile(ctx, p)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(raw)
		h.Write(sum[:])
	}
	return string(h.Sum(nil)), nil
}

// get returns the current value, loading the files again if they changed;
// reading stops when ctx ends.
func (r *reloaded[T]) get(ctx context.Context) (T, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.static {
		return r.value, nil
	}
	stamp, err := fileStamp(ctx, r.paths...)
	if err == nil && stamp != r.stamp {
		var v T
		if v, err = r.load(ctx); err == nil {
			r.stamp, r.value, r.loaded = stamp, v, true
		}
	}
	if !r.loaded {
		return r.value, err
	}
	return r.value, nil
}

// loadKeyPair serves a certificate and its key from their files.
func loadKeyPair(ctx context.Context, cert, key string) (*reloaded[*tls.Certificate], error) {
	return newReloaded(ctx, func(ctx context.Context) (*tls.Certificate, error) {
		certPEM, err := readFile(ctx, cert)
		if err != nil {
			return nil, fmt.Errorf("tls: certificate: %w", err)
		}
		keyPEM, err := readFile(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("tls: key: %w", err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("tls: certificate %s and key %s: %w", cert, key, err)
		}
		return &pair, nil
	}, cert, key)
}
