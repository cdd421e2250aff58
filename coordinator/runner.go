package coordinator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/prepared"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// errTask wraps a task's permanent failure: the job fails with its message.
type errTask struct{ msg string }

func (e errTask) Error() string { return e.msg }

// runner runs one job on the leader.
type runner struct {
	c     *Coordinator
	sched *scheduler
	id    string
	spec  *pb.JobSpec
	done  map[string][]float64 // finished tasks found at start

	mu       sync.Mutex
	progress []*pb.StageProgress
	dirty    bool
}

// run computes the specifications of the job, a few at a time in order
// (activeSpecs), and returns their JSON results in order. The first failure
// cancels the rest.
func (r *runner) run(ctx context.Context) ([][]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.reportProgress(ctx)
	results := make([][]byte, len(r.spec.Specs))
	errs := make([]error, len(r.spec.Specs))
	finished := make(chan struct{}, len(r.spec.Specs))
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var wg sync.WaitGroup
	running := 0
	for i, item := range r.spec.Specs {
		for running >= r.activeSpecs() && ctx.Err() == nil {
			select {
			case <-finished:
				running--
			case <-tick.C: // the workers' capacity may have grown
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		running++
		wg.Add(1)
		go func() {
			defer wg.Done()
			if results[i], errs[i] = r.runItem(ctx, i, item); errs[i] != nil {
				cancel()
			}
			finished <- struct{}{}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil && !slices.ContainsFunc(errs, func(e error) bool { return e != nil }) {
		return nil, err
	}
	var first error
	for i, err := range errs {
		if err == nil {
			continue
		}
		if len(r.spec.Specs) > 1 {
			err = fmt.Errorf("specification %s: %w", jobspec.Label(r.spec.Specs[i], i), err)
		}
		// A real failure explains the cancellation of the others.
		if first == nil || errors.Is(first, context.Canceled) {
			first = err
		}
	}
	return results, first
}

// activeSpecs is the number of specifications a job runs at once: enough
// for their tasks to keep every worker slot busy while some wait between
// families, few enough that their models stay in the workers' caches and
// that a sweep of a thousand models does not prepare them all at once
// (which left hundreds of goroutines runnable, the etcd keep-alives of an
// in-process cluster queued behind them, and the job stuck at "starting").
func (r *runner) activeSpecs() int {
	return min(max(2, 2*r.sched.capacity()), r.c.cfg.MaxActiveSpecs)
}

// runItem decodes and prepares specification i and runs its model's
// procedure, whose task families cover computes.
func (r *runner) runItem(ctx context.Context, i int, item *pb.Specification) ([]byte, error) {
	spec, err := r.c.cfg.Kinds.Decode(item.Kind, item.Spec)
	if err != nil {
		return nil, err
	}
	// The model is normally cached since the job's submission; a new leader
	// or an evicted model prepares it again, retrying while etcd is away.
	// The dataset's object may take longer to fetch than an attempt's etcd
	// timeout: the fetch has the job's context.
	var m model.Model
	jobCtx := ctx
	if err := retry(ctx, func(ctx context.Context) (err error) {
		sha := r.spec.DatasetSha256
		m, _, err = r.c.cfg.Cache.Model(sha, item.Kind, spec, func() (*panel.Table, error) {
			return r.c.dataset(jobCtx, sha, model.SchemaOf(spec))
		})
		var invalid prepared.InvalidError
		if errors.Is(err, datastore.ErrNotFound) || errors.As(err, &invalid) {
			return final{err}
		}
		return err
	}); err != nil {
		return nil, err
	}
	return m.Lead(ctx, familyRunner{r: r, spec: i})
}

// familyRunner computes the task families of one specification.
type familyRunner struct {
	r    *runner
	spec int
}

func (f familyRunner) Run(ctx context.Context, fam model.Family) ([]float64, error) {
	return f.r.cover(ctx, coverWork{Family: fam, spec: f.spec, key: fmt.Sprintf("s%d/%s", f.spec, fam.Key)})
}

// coverWork is a family of tasks of specification spec that together
// compute values 0..N-1; key names it among the job's checkpoints.
type coverWork struct {
	model.Family
	spec int
	key  string
}

type outcome struct {
	d           delivery
	first, last int
}

// cover runs the tasks of a family, skipping what checkpoints already hold,
// and returns the n values. Every first result is checkpointed in etcd
// before it is used.
func (r *runner) cover(ctx context.Context, w coverWork) ([]float64, error) {
	s := newSlots(w.N)
	for key, vals := range r.done {
		if fam, a, b, ok := parseRangeKey(key); ok && fam == w.key && b <= w.N && b-a == len(vals) {
			s.fill(a, vals)
		}
	}
	r.addProgress(w, w.N, w.N-s.remaining)
	todo := s.gaps()
	results := make(chan outcome, 64)
	rate := &rateEstimate{}
	inflight := 0
	for s.remaining > 0 {
		window := max(2, 2*r.sched.capacity())
		for inflight < window && len(todo) > 0 {
			size := w.Shard
			if size == 0 {
				size = rate.size(r.c.cfg, s.remaining, r.sched.capacity())
			}
			first := todo[0][0]
			last := min(first+size, todo[0][1])
			if todo[0][0] = last; last == todo[0][1] {
				todo = todo[1:]
			}
			task := &pb.Task{TaskId: r.id + "/" + rangeKey(w.key, first, last), JobId: r.id, Spec: int32(w.spec),
				Family: w.Name, Work: w.Work, First: int64(first), Last: int64(last), Counter: w.Counter}
			r.sched.submit(ctx, task, rate.expected(last-first), func(d delivery) {
				select {
				case results <- outcome{d, first, last}:
				case <-ctx.Done():
				}
			})
			inflight++
		}
		var batch []outcome
		select {
		case o := <-results:
			batch = append(batch, o)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// Results that arrived meanwhile share one etcd transaction.
		size := 8 * len(batch[0].d.result.Values)
	more:
		for len(batch) < checkpointOps && size < checkpointBytes {
			select {
			case o := <-results:
				batch = append(batch, o)
				size += 8 * len(o.d.result.Values)
			default:
				break more
			}
		}
		for _, o := range batch {
			if o.d.first {
				inflight--
			}
		}
		if err := r.accept(ctx, w, s, rate, batch); err != nil {
			return nil, err
		}
	}
	return s.values, nil
}

// checkpointOps and checkpointBytes bound the finished tasks checkpointed
// in one etcd transaction, well under etcd's default limits of 128
// operations and 1.5 MiB per request (one task alone may exceed the bytes).
const (
	checkpointOps   = 64
	checkpointBytes = 512 << 10
)

// accept checkpoints a batch of results in one transaction, then merges
// them.
func (r *runner) accept(ctx context.Context, w coverWork, s *slots, rate *rateEstimate, batch []outcome) error {
	var puts []clientv3.Op
	for _, o := range batch {
		res := o.d.result
		switch {
		case res.Error != "" && o.d.first:
			return errTask{res.Error}
		case res.Error != "":
		case len(res.Values) != o.last-o.first:
			return fmt.Errorf("task %s returned %d values for %d slots", res.TaskId, len(res.Values), o.last-o.first)
		case o.d.first:
			key := r.c.cfg.Prefix.JobDone(r.id) + rangeKey(w.key, o.first, o.last)
			puts = append(puts, clientv3.OpPut(key, string(encodeValues(res.Values))))
		}
	}
	if len(puts) > 0 {
		if err := retry(ctx, func(ctx context.Context) error {
			_, err := r.c.cfg.Etcd.Txn(ctx).Then(puts...).Commit()
			return err
		}); err != nil {
			return err
		}
	}
	for _, o := range batch {
		if o.d.result.Error == "" {
			r.merge(w, s, rate, o)
		}
	}
	return nil
}

// merge fills the slots of a checkpointed result.
func (r *runner) merge(w coverWork, s *slots, rate *rateEstimate, o outcome) {
	res := o.d.result
	if o.d.first {
		rate.observe(o.last-o.first, res.Seconds)
	}
	fresh, dups, conflicts := s.fill(o.first, res.Values)
	if dups > 0 {
		r.c.metrics.tasks.WithLabelValues(outcomeDuplicate).Inc()
	}
	if conflicts > 0 {
		r.c.metrics.tasks.WithLabelValues(outcomeConflict).Inc()
		r.c.log.Error("a duplicate result differs from the first one", "task", res.TaskId, "slots", conflicts)
	}
	if w.Counter != "" {
		r.c.metrics.replications.WithLabelValues(w.Counter).Add(float64(fresh / max(w.Item, 1)))
	} else {
		r.c.metrics.candidates.Add(float64(fresh))
	}
	r.addProgress(w, 0, fresh)
}

// rateEstimate tracks a family's speed in values per second per slot.
type rateEstimate struct {
	perSecond float64
	observed  bool
}

func (e *rateEstimate) observe(n int, seconds float64) {
	if seconds <= 0 || n == 0 {
		return
	}
	r := float64(n) / seconds
	if !e.observed {
		e.perSecond, e.observed = r, true
		return
	}
	e.perSecond = 0.7*e.perSecond + 0.3*r
}

// size returns the next task's size: what a slot computes in TaskTarget,
// at most an even share of the remaining work over the slots.
func (e *rateEstimate) size(cfg Config, remaining, capacity int) int {
	n := cfg.InitialTaskReps
	if e.observed {
		n = int(e.perSecond * cfg.TaskTarget.Seconds())
	}
	share := (remaining + max(capacity, 1) - 1) / max(capacity, 1)
	return max(1, min(n, cfg.MaxTaskReps, share))
}

func (e *rateEstimate) expected(n int) time.Duration {
	if !e.observed || e.perSecond <= 0 {
		return 0
	}
	return time.Duration(float64(n) / e.perSecond * float64(time.Second))
}

// addProgress adds values to the totals and counts of a family's progress
// entry, counted in the family's items.
func (r *runner) addProgress(w coverWork, total, done int) {
	item := max(w.Item, 1)
	total, done = total/item, done/item
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dirty = true
	for _, p := range r.progress {
		if p.Spec == int32(w.spec) && p.Stage == int32(w.Stage) {
			p.Total += int64(total)
			p.Done += int64(done)
			return
		}
	}
	r.progress = append(r.progress, &pb.StageProgress{Spec: int32(w.spec), Stage: int32(w.Stage), Phase: w.Phase,
		Total: int64(total), Done: int64(done)})
}

// snapshot copies the progress entries.
func (r *runner) snapshot() []*pb.StageProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*pb.StageProgress, len(r.progress))
	for i, p := range r.progress {
		out[i] = &pb.StageProgress{Spec: p.Spec, Stage: p.Stage, Phase: p.Phase, Done: p.Done, Total: p.Total}
	}
	slices.SortFunc(out, func(a, b *pb.StageProgress) int {
		return cmp.Or(cmp.Compare(a.Spec, b.Spec), cmp.Compare(a.Stage, b.Stage))
	})
	return out
}

// progressEntriesPerInterval is the number of progress entries a job's
// state may carry per ProgressInterval: a sweep of a thousand models has
// thousands of entries, tens of KB written four times a second to etcd
// (which keeps every revision until compaction) and sent to every client
// that watches the job.
const progressEntriesPerInterval = 256

// reportProgress writes the job's state whenever progress changed, at most
// every ProgressInterval (longer for a state of more than
// progressEntriesPerInterval entries), with what it waits for.
func (r *runner) reportProgress(ctx context.Context) {
	t := time.NewTicker(r.c.cfg.ProgressInterval)
	defer t.Stop()
	lastMsg := ""
	var next time.Time
	for {
		select {
		case <-ctx.Done():
			r.c.metrics.progress.DeleteLabelValues(r.id)
			return
		case now := <-t.C:
			if now.Before(next) {
				continue
			}
		}
		workers := r.sched.workerCount()
		msg := fmt.Sprintf("running on %d worker(s)", workers)
		switch {
		case workers == 0:
			msg = "waiting for workers: none registered"
		case r.sched.capacity() == 0:
			msg = fmt.Sprintf("waiting for workers: %d registered, none reachable and ready (connecting, refused or draining)", workers)
		}
		r.mu.Lock()
		if !r.dirty && msg == lastMsg {
			r.mu.Unlock()
			continue
		}
		r.dirty = false
		r.mu.Unlock()
		ev := &pb.JobEvent{JobId: r.id, State: pb.JobState_JOB_STATE_RUNNING, Message: msg, Workers: int32(workers),
			Progress: r.snapshot()}
		var done, total int64
		for _, p := range ev.Progress {
			done += p.Done
			total += p.Total
		}
		lastMsg = msg
		if total > 0 {
			r.c.metrics.progress.WithLabelValues(r.id).Set(float64(done) / float64(total))
		}
		if err := r.c.writeState(ctx, ev); err != nil && ctx.Err() == nil {
			r.c.log.Warn("writing job progress", "job", r.id, "err", err)
		}
		next = time.Now().Add(time.Duration(len(ev.Progress)/progressEntriesPerInterval) * r.c.cfg.ProgressInterval)
	}
}
