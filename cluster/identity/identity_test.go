package identity_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/internal/clustertest"
)

// TestClaim claims prefixes of one embedded etcd for two clusters: each
// prefix keeps the first id, accepts it again and refuses the other with
// ErrOtherCluster naming both ids; the two clusters live side by side.
func TestClaim(t *testing.T) {
	cli := clustertest.Etcd(t)
	ctx := context.Background()
	a, b := identity.NewID(), identity.NewID()
	steps := []struct {
		prefix keys.Prefix
		id     string
		other  bool // want ErrOtherCluster
	}{
		{"/thresher", a, false},
		{"/thresher", a, false},
		{"/thresher", b, true},
		{"/thresher-b", b, false},
		{"/thresher-b", a, true},
		{"/thresher-b", b, false},
		{"/thresher", a, false},
	}
	for i, s := range steps {
		err := identity.Claim(ctx, cli, s.prefix, s.id)
		if got := errors.Is(err, identity.ErrOtherCluster); got != s.other || !s.other && err != nil {
			t.Fatalf("step %d: claim %s for %s: %v", i, s.prefix, s.id, err)
		}
		if s.other && (!strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b)) {
			t.Errorf("step %d: %v does not name both ids", i, err)
		}
	}
	for prefix, want := range map[keys.Prefix]string{"/thresher": a, "/thresher-b": b} {
		resp, err := cli.Get(ctx, prefix.ClusterID())
		if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != want {
			t.Errorf("%s: %v %v, want %s", prefix.ClusterID(), resp, err, want)
		}
	}
}

// TestCheck accepts the ids NewID makes and names an operator may choose,
// and refuses what would not survive a URI's host.
func TestCheck(t *testing.T) {
	for _, id := range []string{identity.NewID(), "prod", "eu-1.research"} {
		if err := identity.Check(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "Prod", "a/b", "-a", "a b", strings.Repeat("a", 64)} {
		if err := identity.Check(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
	if err := identity.Claim(context.Background(), nil, "/x", "a/b"); err == nil {
		t.Error("Claim accepted an invalid id")
	}
}

// TestFromCertificate reads the id back from the URI SAN.
func TestFromCertificate(t *testing.T) {
	id := identity.NewID()
	other, _ := url.Parse("spiffe://example.org/x")
	cert := &x509.Certificate{URIs: []*url.URL{other, identity.URI(id)}}
	if got := identity.FromCertificate(cert); got != id {
		t.Errorf("got %q, want %q", got, id)
	}
	if got := identity.FromCertificate(&x509.Certificate{}); got != "" {
		t.Errorf("no URI: got %q", got)
	}
}
