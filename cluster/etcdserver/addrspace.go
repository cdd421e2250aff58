package etcdserver

import (
	"errors"
	"fmt"
)

// ErrAddressSpace reports a member whose database map does not fit under
// the process's address-space limit (ulimit -v, RLIMIT_AS); bbolt would
// fail to map it and etcd panic.
var ErrAddressSpace = errors.New("address-space limit too small")

// addressSpaceHeadroom is the address space a process needs besides the
// database map and what it has mapped when the member starts: etcd's
// write-ahead log segments (64 MiB each) and the heap of a job. 512 MiB
// was measured too little: under ulimit -v 3 GiB the default 1 GiB quota
// passed the check with 0.67 GiB to spare and etcd then failed to map its
// database; 768 MiB refuses that case and still admits a 512 MiB quota.
const addressSpaceHeadroom = 768 << 20

// fits checks that a map of need bytes and the headroom fit under limit
// with used bytes already mapped.
func fits(limit, used, need uint64) error {
	if used+need+addressSpaceHeadroom <= limit {
		return nil
	}
	return fmt.Errorf("%w: the database map of %s and %s of headroom do not fit under the limit (ulimit -v) of %s with %s in use",
		ErrAddressSpace, gib(need), gib(addressSpaceHeadroom), gib(limit), gib(used))
}

func gib(n uint64) string { return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30)) }
