package security

import (
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
// in use until they change again.
type reloaded[T any] struct {
	paths []string
	load  func() (T, error)

	mu     sync.Mutex
	stamp  string // hash of the content of the files loaded
	value  T
	loaded bool
}

// newReloaded loads the value once, so that a wrong file fails at start.
func newReloaded[T any](load func() (T, error), paths ...string) (*reloaded[T], error) {
	r := &reloaded[T]{paths: paths, load: load}
	if _, err := r.get(); err != nil {
		return nil, err
	}
	return r, nil
}

// fileStamp identifies the content of the files: a SHA-256 of each, after
// symbolic links (a Secret's files are links that Kubernetes swaps). The
// files are small (certificates, keys, tokens); their content, unlike a
// modification time of coarse resolution, tells every rewrite.
func fileStamp(paths ...string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(raw)
		h.Write(sum[:])
	}
	return string(h.Sum(nil)), nil
}

// get returns the current value, loading the files again if they changed.
func (r *reloaded[T]) get() (T, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, err := fileStamp(r.paths...)
	if err == nil && stamp != r.stamp {
		var v T
		if v, err = r.load(); err == nil {
			r.stamp, r.value, r.loaded = stamp, v, true
		}
	}
	if !r.loaded {
		return r.value, err
	}
	return r.value, nil
}

// loadKeyPair serves a certificate and its key from their files.
func loadKeyPair(cert, key string) (*reloaded[*tls.Certificate], error) {
	return newReloaded(func() (*tls.Certificate, error) {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("tls: certificate %s and key %s: %w", cert, key, err)
		}
		return &pair, nil
	}, cert, key)
}
