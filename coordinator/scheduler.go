package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"

	"github.com/thresher/thresher/cluster/keys"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// delivery is one result of a task. First is false for every result after
// the first successful one (duplicates, which the runner compares).
type delivery struct {
	result *pb.TaskResult
	first  bool
}

// pending is a submitted task until its first successful result.
type pending struct {
	task     *pb.Task
	ctx      context.Context // the job's: when it ends the task is abandoned
	expected time.Duration   // the runner's estimate of the task's duration
	deliver  func(delivery)
	attempts int
	finished bool
	owner    *workerConn // the worker it is assigned to; nil while queued
	queuedAt time.Time
	sentAt   time.Time
	deadline time.Time
}

// workerConn is the leader's stream to one worker.
type workerConn struct {
	id, addr string
	slots    int
	ready    bool // the Work stream is open
	draining bool
	inflight map[string]*pending
	send     chan *pb.Assignment
	stop     context.CancelFunc
}

// scheduler dispatches tasks to worker slots, requeues tasks whose worker
// is lost, whose stream breaks or whose deadline passes, and delivers
// results to runners. It runs only on the leader.
type scheduler struct {
	etcd     *clientv3.Client
	prefix   keys.Prefix
	dial     []grpc.DialOption
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	wake     chan struct{}
	mu       sync.Mutex
	queue    []*pending // FIFO; requeued tasks go to the front
	conns    map[string]*workerConn
	open     map[string]*pending // unfinished tasks by id
	inFlight int
	// registered holds the workers present in etcd, connected or not;
	// failures counts each one's failed streams since its last good one.
	registered map[string]bool
	failures   map[string]int
}

func newScheduler(c *Coordinator) *scheduler {
	return &scheduler{etcd: c.cfg.Etcd, prefix: c.cfg.Prefix, dial: c.cfg.DialOptions, cfg: c.cfg, log: c.log,
		metrics: c.metrics, wake: make(chan struct{}, 1), conns: map[string]*workerConn{}, open: map[string]*pending{},
		registered: map[string]bool{}, failures: map[string]int{}}
}

// run watches the worker registrations and dispatches until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	go s.watchWorkers(ctx)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for _, w := range s.conns {
				w.stop()
			}
			s.metrics.workers.Set(0)
			s.metrics.queued.Set(0)
			s.metrics.inFlight.Set(0)
			s.mu.Unlock()
			return
		case <-s.wake:
		case <-tick.C:
			s.checkDeadlines()
		}
		s.dispatch()
	}
}

func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// submit queues a task; every result is passed to deliver. The task is
// abandoned when ctx ends.
func (s *scheduler) submit(ctx context.Context, task *pb.Task, expected time.Duration, deliver func(delivery)) {
	p := &pending{task: task, ctx: ctx, expected: expected, deliver: deliver, queuedAt: time.Now()}
	s.mu.Lock()
	s.open[task.TaskId] = p
	s.queue = append(s.queue, p)
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.abandon(p) })
	s.poke()
}

// abandon forgets a task whose job ended and cancels it on its worker.
func (s *scheduler) abandon(p *pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	delete(s.open, p.task.TaskId)
	if w := p.owner; w != nil {
		delete(w.inflight, p.task.TaskId)
		s.inFlight--
		w.cancelTask(p.task.TaskId)
	}
}

// capacity returns the task slots of the connected workers that are not
// draining.
func (s *scheduler) capacity() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, w := range s.conns {
		if w.ready && !w.draining {
			n += w.slots
		}
	}
	return n
}

// workerCount returns the number of workers registered in etcd.
func (s *scheduler) workerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.registered)
}

func (s *scheduler) dispatch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 {
		p := s.queue[0]
		if p.finished {
			s.queue = s.queue[1:]
			continue
		}
		w := s.freeWorker()
		if w == nil {
			break
		}
		s.queue = s.queue[1:]
		now := time.Now()
		s.metrics.queueWait.Observe(now.Sub(p.queuedAt).Seconds())
		p.owner, p.sentAt, p.deadline = w, now, now.Add(s.deadline(p))
		w.inflight[p.task.TaskId] = p
		s.inFlight++
		w.send <- &pb.Assignment{Kind: &pb.Assignment_Task{Task: p.task}}
	}
	s.metrics.queued.Set(float64(len(s.queue)))
	s.metrics.inFlight.Set(float64(s.inFlight))
}

// freeWorker returns the ready, non-draining worker with the most free
// slots, or nil.
func (s *scheduler) freeWorker() *workerConn {
	var best *workerConn
	bestFree := 0
	for _, w := range s.conns {
		if free := w.slots - len(w.inflight); w.ready && !w.draining && free > bestFree {
			best, bestFree = w, free
		}
	}
	return best
}

// deadline is the time a task may take before it is given to another
// worker: generous against the runner's estimate, never below the minimum.
func (s *scheduler) deadline(p *pending) time.Duration {
	if p.expected <= 0 {
		return s.cfg.InitialTaskDeadline
	}
	return max(s.cfg.MinTaskDeadline, 10*p.expected)
}

func (s *scheduler) checkDeadlines() {
	now := time.Now()
	s.mu.Lock()
	var late []*pending
	for _, w := range s.conns {
		for id, p := range w.inflight {
			if now.After(p.deadline) {
				delete(w.inflight, id)
				s.inFlight--
				w.cancelTask(id)
				late = append(late, p)
			}
		}
	}
	for _, p := range late {
		s.log.Warn("task deadline passed; requeueing", "task", p.task.TaskId, "worker", p.owner.id)
		s.requeueLocked(p)
	}
	s.mu.Unlock()
}

// requeueLocked puts an unfinished task back at the front of the queue.
func (s *scheduler) requeueLocked(p *pending) {
	p.owner = nil
	p.attempts++
	p.queuedAt = time.Now()
	if p.finished {
		return
	}
	s.queue = append([]*pending{p}, s.queue...)
	s.metrics.tasks.WithLabelValues(outcomeRequeued).Inc()
}

// onResult handles a worker's result.
func (s *scheduler) onResult(w *workerConn, r *pb.TaskResult) {
	s.mu.Lock()
	p, assigned := w.inflight[r.TaskId]
	if assigned {
		delete(w.inflight, r.TaskId)
		s.inFlight--
	} else {
		p = s.open[r.TaskId] // answered after it was requeued
	}
	if p == nil {
		s.mu.Unlock()
		return
	}
	if r.Error != "" && !r.Permanent {
		if p.finished || !assigned {
			s.mu.Unlock() // a stale answer of a task already handled
			return
		}
		if p.attempts+1 < s.cfg.MaxAttempts {
			s.log.Info("task failed on a worker; requeueing", "task", r.TaskId, "worker", w.id, "err", r.Error)
			s.requeueLocked(p)
			s.mu.Unlock()
			s.poke()
			return
		}
		r.Permanent = true
		r.Error = fmt.Sprintf("task failed %d times, last: %s", p.attempts+1, r.Error)
	}
	first := !p.finished
	if first {
		p.finished = true
		delete(s.open, r.TaskId)
		if o := p.owner; o != nil && o != w {
			// Another worker holds a copy after a requeue: cancel it.
			if _, ok := o.inflight[r.TaskId]; ok {
				delete(o.inflight, r.TaskId)
				s.inFlight--
				o.cancelTask(r.TaskId)
			}
		}
		s.metrics.taskDuration.Observe(time.Since(p.sentAt).Seconds())
	}
	s.mu.Unlock()
	switch {
	case r.Error != "":
		s.metrics.tasks.WithLabelValues(outcomeFailed).Inc()
	case first:
		s.metrics.tasks.WithLabelValues(outcomeOK).Inc()
	}
	if p.ctx.Err() == nil {
		p.deliver(delivery{result: r, first: first})
	}
	s.poke()
}

// watchWorkers keeps a connection to every registered worker.
func (s *scheduler) watchWorkers(ctx context.Context) {
	for ctx.Err() == nil {
		resp, err := s.etcd.Get(ctx, s.prefix.Workers(), clientv3.WithPrefix())
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		present := map[string]bool{}
		for _, kv := range resp.Kvs {
			id := strings.TrimPrefix(string(kv.Key), s.prefix.Workers())
			present[id] = true
			s.addWorker(ctx, id, kv.Value)
		}
		s.mu.Lock()
		s.registered = present
		for id, w := range s.conns {
			if !present[id] {
				s.dropLocked(w, "registration gone")
			}
		}
		s.mu.Unlock()
		wch := s.etcd.Watch(ctx, s.prefix.Workers(), clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1))
		for wr := range wch {
			if wr.Err() != nil {
				break
			}
			for _, ev := range wr.Events {
				id := strings.TrimPrefix(string(ev.Kv.Key), s.prefix.Workers())
				s.mu.Lock()
				if ev.Type == clientv3.EventTypeDelete {
					delete(s.registered, id)
					delete(s.failures, id)
					if w, ok := s.conns[id]; ok {
						s.dropLocked(w, "registration deleted (lease lost or worker left)")
					}
					s.mu.Unlock()
					continue
				}
				s.registered[id] = true
				s.mu.Unlock()
				s.addWorker(ctx, id, ev.Kv.Value)
			}
		}
	}
}

// addWorker connects to a newly registered worker (or one whose address
// changed).
func (s *scheduler) addWorker(ctx context.Context, id string, raw []byte) {
	var info keys.WorkerInfo
	if err := json.Unmarshal(raw, &info); err != nil || info.Address == "" {
		s.log.Warn("ignoring malformed worker registration", "worker", id, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.conns[id]; ok {
		if w.addr == info.Address {
			w.slots = max(info.Slots, 1)
			return
		}
		s.dropLocked(w, "address changed")
	}
	wctx, stop := context.WithCancel(ctx)
	w := &workerConn{id: id, addr: info.Address, slots: max(info.Slots, 1), inflight: map[string]*pending{},
		send: make(chan *pb.Assignment, 4096), stop: stop}
	s.conns[id] = w
	s.metrics.workers.Set(float64(len(s.conns)))
	go s.serve(wctx, w)
}

// dropLocked forgets a worker and requeues its tasks.
func (s *scheduler) dropLocked(w *workerConn, why string) {
	if s.conns[w.id] != w {
		return
	}
	delete(s.conns, w.id)
	w.stop()
	n := len(w.inflight)
	for id, p := range w.inflight {
		delete(w.inflight, id)
		s.inFlight--
		s.requeueLocked(p)
	}
	s.metrics.workers.Set(float64(len(s.conns)))
	s.log.Info("worker lost", "worker", w.id, "address", w.addr, "reason", why, "requeued", n)
	s.poke()
}

// serve runs the Work stream of one worker until it breaks or ctx ends.
func (s *scheduler) serve(ctx context.Context, w *workerConn) {
	err := s.stream(ctx, w)
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	s.dropLocked(w, "stream ended: "+errString(err))
	s.failures[w.id]++
	pause := min(time.Second<<min(s.failures[w.id]-1, 5), 30*time.Second)
	s.mu.Unlock()
	// The worker may still be registered (e.g. it restarted on the same
	// id, or its TLS handshake fails): reconnect after a pause that grows
	// with each failure, if so.
	sleep(ctx, pause)
	if ctx.Err() != nil {
		return
	}
	if resp, err := s.etcd.Get(ctx, s.prefix.Worker(w.id)); err == nil && len(resp.Kvs) > 0 {
		s.addWorker(context.WithoutCancel(ctx), w.id, resp.Kvs[0].Value)
	}
}

func (s *scheduler) stream(ctx context.Context, w *workerConn) error {
	cc, err := grpc.NewClient(w.addr, s.dial...)
	if err != nil {
		return err
	}
	defer cc.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := pb.NewWorkerClient(cc).Work(ctx)
	if err != nil {
		return err
	}
	go func() {
		for {
			select {
			case a := <-w.send:
				if err := stream.Send(a); err != nil {
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	// The stream is open once the worker answers its headers.
	if _, err := stream.Header(); err != nil {
		return err
	}
	s.mu.Lock()
	w.ready = true
	delete(s.failures, w.id)
	s.mu.Unlock()
	s.poke()
	for {
		r, err := stream.Recv()
		if err != nil {
			return err
		}
		switch k := r.Kind.(type) {
		case *pb.Report_Result:
			s.onResult(w, k.Result)
		case *pb.Report_Status:
			s.mu.Lock()
			w.draining = k.Status.Draining
			s.mu.Unlock()
			s.log.Info("worker draining", "worker", w.id)
		}
	}
}

// cancelTask asks the worker to stop a task, without blocking.
func (w *workerConn) cancelTask(id string) {
	select {
	case w.send <- &pb.Assignment{Kind: &pb.Assignment_Cancel{Cancel: &pb.CancelTask{TaskId: id}}}:
	default:
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}
