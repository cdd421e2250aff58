package coordinator

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/protobuf/proto"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// janitor keeps the leader's etcd bounded until ctx ends: every
// JanitorInterval it deletes the finished jobs whose retention is over and
// the datasets no job has referenced for DatasetGrace, and, when etcd
// raised its NOSPACE alarm, compacts, defragments and disarms it once
// space is free; every CompactInterval it compacts etcd's history up to
// the revision of the previous compaction (watches lag by less than that),
// and every DefragInterval (when set) it defragments every member.
func (c *Coordinator) janitor(ctx context.Context) {
	tick := time.NewTicker(c.cfg.JanitorInterval)
	defer tick.Stop()
	var compactTo int64
	lastCompact, lastDefrag := time.Now(), time.Now()
	unreferenced := map[string]unreferencedSince{}
	unstamped := map[string]int64{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c.expireJobs(ctx, unstamped)
		c.collectDatasets(ctx, unreferenced)
		if time.Since(lastCompact) >= c.cfg.CompactInterval {
			lastCompact = time.Now()
			compactTo = c.compact(ctx, compactTo)
		}
		if c.cfg.DefragInterval > 0 && time.Since(lastDefrag) >= c.cfg.DefragInterval {
			lastDefrag = time.Now()
			c.defragment(ctx)
		}
		c.recoverSpace(ctx)
	}
}

// expireJobs deletes the finished jobs whose retention is over. A job
// that ended before finish times were recorded counts as finished when
// unstamped (job id -> milliseconds since 1970) first saw it; nil skips
// such jobs.
func (c *Coordinator) expireJobs(ctx context.Context, unstamped map[string]int64) {
	states, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.States(), clientv3.WithPrefix())
	if err != nil {
		return
	}
	metas, err := c.readMetas(ctx, states.Header.Revision)
	if err != nil {
		return
	}
	now := nowMs()
	present := map[string]bool{}
	for _, kv := range states.Kvs {
		ev := &pb.JobEvent{}
		if proto.Unmarshal(kv.Value, ev) != nil || !terminal(ev.State) {
			continue
		}
		present[ev.JobId] = true
		finished := ev.FinishedUnixMs
		if finished == 0 && unstamped != nil {
			if unstamped[ev.JobId] == 0 {
				unstamped[ev.JobId] = now
			}
			finished = unstamped[ev.JobId]
		}
		if finished == 0 {
			continue
		}
		retention := c.cfg.Retention
		if meta := metas[ev.JobId]; meta != nil && meta.RetentionSeconds > 0 {
			retention = time.Duration(meta.RetentionSeconds) * time.Second
		}
		if now < finished+retention.Milliseconds() {
			continue
		}
		if err := c.deleteJob(ctx, ev.JobId); err != nil {
			c.log.Warn("deleting an expired job", "job", ev.JobId, "err", err)
		}
	}
	for id := range unstamped {
		if !present[id] {
			delete(unstamped, id)
		}
	}
}

// unreferencedSince records when a dataset was first seen unreferenced, as
// stored at revision rev (the creation of its first key): a dataset
// deleted and uploaded again between two sweeps starts anew.
type unreferencedSince struct {
	since time.Time
	rev   int64
}

// collectDatasets deletes the datasets that no job has referenced in two
// sweeps DatasetGrace apart: uploads never submitted, or whose upload
// NOSPACE interrupted.
func (c *Coordinator) collectDatasets(ctx context.Context, unreferenced map[string]unreferencedSince) {
	stored, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.Datasets(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return
	}
	refs, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.DatasetRefs(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return
	}
	referenced := map[string]bool{}
	for _, kv := range refs.Kvs {
		sha, _, _ := strings.Cut(strings.TrimPrefix(string(kv.Key), c.cfg.Prefix.DatasetRefs()), "/")
		referenced[sha] = true
	}
	seen := map[string]bool{}
	for _, kv := range stored.Kvs {
		sha, _, _ := strings.Cut(strings.TrimPrefix(string(kv.Key), c.cfg.Prefix.Datasets()), "/")
		if seen[sha] || referenced[sha] {
			continue
		}
		seen[sha] = true
		first, ok := unreferenced[sha]
		if !ok || first.rev != kv.CreateRevision {
			unreferenced[sha] = unreferencedSince{time.Now(), kv.CreateRevision}
			continue
		}
		if time.Since(first.since) >= c.cfg.DatasetGrace {
			if err := c.releaseDataset(ctx, sha); err != nil {
				c.log.Warn("deleting an unreferenced dataset", "dataset", sha, "err", err)
			}
		}
	}
	for sha := range unreferenced {
		if !seen[sha] {
			delete(unreferenced, sha)
		}
	}
}

// compact compacts etcd's history up to revision rev (nothing when 0) and
// returns the current revision, the next compaction's.
func (c *Coordinator) compact(ctx context.Context, rev int64) int64 {
	resp, err := c.cfg.Etcd.Get(ctx, c.cfg.Prefix.Election(), clientv3.WithCountOnly())
	if err != nil {
		return rev
	}
	if rev > 0 {
		if _, err := c.cfg.Etcd.Compact(ctx, rev); err == nil {
			c.metrics.compactions.Inc()
		} else if !errors.Is(err, rpctypes.ErrCompacted) {
			c.log.Warn("compacting etcd", "revision", rev, "err", err)
		}
	}
	return resp.Header.Revision
}

// defragment defragments every etcd member the client knows, one at a time.
func (c *Coordinator) defragment(ctx context.Context) {
	for _, ep := range c.cfg.Etcd.Endpoints() {
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err := c.cfg.Etcd.Defragment(dctx, ep)
		cancel()
		if err != nil {
			c.log.Warn("defragmenting etcd", "endpoint", ep, "err", err)
		}
	}
}

// freeShare is the share of the quota a defragmented database must stay
// under for the NOSPACE alarm to be disarmed.
const freeShare = 0.9

// recoverSpace handles etcd's NOSPACE alarm: after the janitor freed keys,
// it compacts all history, defragments, and disarms the alarm when every
// member's database is below freeShare of its quota.
func (c *Coordinator) recoverSpace(ctx context.Context) {
	alarms, err := c.cfg.Etcd.AlarmList(ctx)
	if err != nil {
		return
	}
	var nospace []*etcdserverpb.AlarmMember
	for _, a := range alarms.Alarms {
		if a.Alarm == etcdserverpb.AlarmType_NOSPACE {
			nospace = append(nospace, a)
		}
	}
	if len(nospace) == 0 {
		return
	}
	c.compact(ctx, c.compact(ctx, 0))
	c.defragment(ctx)
	for _, ep := range c.cfg.Etcd.Endpoints() {
		st, err := c.cfg.Etcd.Status(ctx, ep)
		if err != nil {
			return
		}
		if st.DbSizeQuota > 0 && float64(st.DbSize) >= freeShare*float64(st.DbSizeQuota) {
			c.log.Warn("etcd database still full after compaction and defragmentation: delete finished jobs or lower --retention",
				"endpoint", ep, "db_bytes", st.DbSize, "quota_bytes", st.DbSizeQuota)
			return
		}
	}
	for _, a := range nospace {
		if _, err := c.cfg.Etcd.AlarmDisarm(ctx, (*clientv3.AlarmMember)(a)); err != nil {
			c.log.Warn("disarming etcd's NOSPACE alarm", "err", err)
			return
		}
	}
	c.log.Info("etcd's NOSPACE alarm disarmed: space was freed")
}
