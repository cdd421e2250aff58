package etcdserver

import (
	"errors"
	"testing"
)

// TestFits checks the address-space arithmetic of Start's check.
func TestFits(t *testing.T) {
	const gib, mib = 1 << 30, 1 << 20
	cases := []struct {
		name              string
		limit, used, need uint64
		want              error
	}{
		{"4 GiB limit, default map", 4 * gib, 1600 * mib, 1126 * mib, nil},
		{"3 GiB limit, default map", 3 * gib, 1600 * mib, 1126 * mib, ErrAddressSpace},
		{"3 GiB limit, default map, 1.23 GiB in use (measured: etcd then failed to map)", 3 * gib, 1260 * mib, 1126 * mib, ErrAddressSpace},
		{"3 GiB limit, 512 MiB quota", 3 * gib, 1600 * mib, 563 * mib, nil},
		{"exactly full", 3 * gib, 2 * gib, gib - addressSpaceHeadroom, nil},
		{"one byte over", 3 * gib, 2 * gib, gib - addressSpaceHeadroom + 1, ErrAddressSpace},
		{"etcd's own 10 GiB map under 12 GiB", 12 * gib, 1600 * mib, 10 * gib, ErrAddressSpace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := fits(c.limit, c.used, c.need); !errors.Is(err, c.want) {
				t.Errorf("fits(%d, %d, %d) = %v, want %v", c.limit, c.used, c.need, err, c.want)
			}
		})
	}
}

// TestBackendQuota checks the quota given to etcd: the default, and one
// page less than etcd's own default, for which etcd would map 10 GiB.
func TestBackendQuota(t *testing.T) {
	cases := []struct {
		asked, want int64
		fails       bool
	}{
		{0, DefaultBackendBytes, false},
		{256 << 20, 256 << 20, false},
		{2 << 30, 2<<30 - 4096, false},
		{-1, 0, true},
	}
	for _, c := range cases {
		got, err := backendQuota(c.asked)
		if got != c.want || (err != nil) != c.fails {
			t.Errorf("backendQuota(%d) = %d, %v; want %d, failure %v", c.asked, got, err, c.want, c.fails)
		}
	}
}
