package security

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
)

// keyPair is a certificate and its key, loaded again when either file
// changes (its modification time or size), so that certificates rotated on
// disk (a renewed Kubernetes Secret, a cert-manager renewal) take effect
// at the next handshake without a restart. A pair that fails to load, such
// as one caught half-written, leaves the last good one in use until the
// files change again.
type keyPair struct {
	cert, key string

	mu    sync.Mutex
	stamp string // modification times and sizes of the files loaded
	pair  *tls.Certificate
}

// loadKeyPair loads the pair once, so that a wrong file fails at start.
func loadKeyPair(cert, key string) (*keyPair, error) {
	k := &keyPair{cert: cert, key: key}
	if _, err := k.get(); err != nil {
		return nil, err
	}
	return k, nil
}

// fileStamp identifies the content of the files: modification time and
// size of each, after symbolic links (a Secret's files are links that
// Kubernetes swaps).
func fileStamp(paths ...string) (string, error) {
	s := ""
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%s:%d:%d;", p, fi.ModTime().UnixNano(), fi.Size())
	}
	return s, nil
}

// get returns the current pair, loading the files again if they changed.
func (k *keyPair) get() (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	stamp, err := fileStamp(k.cert, k.key)
	if err != nil || stamp == k.stamp {
		if k.pair == nil {
			return nil, fmt.Errorf("tls: certificate %s and key %s: %w", k.cert, k.key, err)
		}
		return k.pair, nil
	}
	pair, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		if k.pair == nil {
			return nil, fmt.Errorf("tls: certificate %s and key %s: %w", k.cert, k.key, err)
		}
		return k.pair, nil
	}
	k.stamp, k.pair = stamp, &pair
	return k.pair, nil
}
