package coordinator

import (
	"context"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// guardLease calls stop once the leader can no longer be sure that etcd
// still holds its lease, and returns when ctx ends.
//
// The session's own keep-alive notices a lost lease only when the client's
// copy of its deadline passes, which is measured from when a renewal's
// answer arrived: later than etcd's, so a leader cut off from etcd would go
// on dispatching after etcd expired its lease and a standby took over. Here
// each renewal counts from when it was sent (etcd renews no earlier), and
// the leader stops half a lease after the last renewal it knows succeeded:
// the other half is its time to wind down before etcd can grant the
// leadership to anyone else.
func guardLease(ctx context.Context, cli *clientv3.Client, lease clientv3.LeaseID, ttl time.Duration, stop func()) {
	var confirmed atomic.Int64 // UnixNano of the last renewal's sending
	renew := func() {
		sent := time.Now()
		// An answer later than half a lease comes too late to count.
		rctx, cancel := context.WithTimeout(ctx, ttl/2)
		defer cancel()
		if _, err := cli.KeepAliveOnce(rctx, lease); err == nil {
			confirmed.Store(sent.UnixNano())
		}
	}
	renew()
	if confirmed.Load() == 0 {
		stop()
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	renewing := make(chan struct{})
	go func() {
		defer close(renewing)
		for ctx.Err() == nil {
			sleep(ctx, ttl/4)
			renew()
		}
	}()
	defer func() { cancel(); <-renewing }()
	tick := time.NewTicker(ttl / 20)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, confirmed.Load())) >= ttl/2 {
				stop()
				return
			}
		}
	}
}
