package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// service implements the Worker gRPC service.
type service struct {
	pb.UnimplementedWorkerServer
	exec    *executor
	slots   chan struct{} // one token per task that may run at once
	log     *slog.Logger
	metrics *metrics

	mu       sync.Mutex
	draining bool
	streams  map[*workStream]struct{}
	running  sync.WaitGroup // tasks executing
	stopped  chan struct{}  // closed after draining: streams end
}

// workStream is one open Work stream: its sender and its tasks.
type workStream struct {
	out    chan *pb.Report
	mu     sync.Mutex
	cancel map[string]context.CancelFunc
}

// Work receives assignments and sends results until the coordinator closes
// the stream, the stream breaks, or the worker stops after draining.
func (s *service) Work(stream pb.Worker_WorkServer) error {
	// streamCtx bounds sends; taskCtx bounds the execution of tasks.
	streamCtx, cancelStream := context.WithCancel(stream.Context())
	defer cancelStream()
	taskCtx, cancelTasks := context.WithCancel(streamCtx)
	defer cancelTasks()
	// Headers tell the coordinator that the stream is open.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	ws := &workStream{out: make(chan *pb.Report, 64), cancel: map[string]context.CancelFunc{}}
	s.mu.Lock()
	s.streams[ws] = struct{}{}
	if s.draining {
		ws.out <- &pb.Report{Kind: &pb.Report_Status{Status: &pb.WorkerStatus{Draining: true}}}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, ws)
		s.mu.Unlock()
	}()

	assignments := make(chan *pb.Assignment)
	go func() {
		defer close(assignments)
		for {
			a, err := stream.Recv()
			if err != nil {
				return
			}
			select {
			case assignments <- a:
			case <-streamCtx.Done():
				return
			}
		}
	}()

	var tasks sync.WaitGroup
	// finish cancels what still runs, forwards what finished tasks report,
	// and ends the stream; the coordinator requeues tasks without results.
	finish := func() error {
		cancelTasks()
		done := make(chan struct{})
		go func() { tasks.Wait(); close(done) }()
		for {
			select {
			case r := <-ws.out:
				if err := stream.Send(r); err != nil {
					cancelStream()
					<-done
					return err
				}
			case <-done:
				for {
					select {
					case r := <-ws.out:
						if err := stream.Send(r); err != nil {
							return err
						}
					default:
						return nil
					}
				}
			}
		}
	}
	for {
		select {
		case r := <-ws.out:
			if err := stream.Send(r); err != nil {
				cancelStream()
				tasks.Wait()
				return err
			}
		case a, ok := <-assignments:
			if !ok {
				return finish()
			}
			s.assign(taskCtx, streamCtx, ws, a, &tasks)
		case <-s.stopped:
			return finish()
		}
	}
}

// assign starts a task or applies a cancellation.
func (s *service) assign(taskCtx, streamCtx context.Context, ws *workStream, a *pb.Assignment, tasks *sync.WaitGroup) {
	switch k := a.Kind.(type) {
	case *pb.Assignment_Cancel:
		ws.mu.Lock()
		if c, ok := ws.cancel[k.Cancel.TaskId]; ok {
			c()
		}
		ws.mu.Unlock()
	case *pb.Assignment_Task:
		s.mu.Lock()
		refused := s.draining
		if !refused {
			s.running.Add(1)
		}
		s.mu.Unlock()
		if refused {
			s.metrics.tasks.WithLabelValues(kind(k.Task), "refused").Inc()
			go ws.send(streamCtx, &pb.TaskResult{TaskId: k.Task.TaskId, Error: "worker is draining"})
			return
		}
		tctx, tcancel := context.WithCancel(taskCtx)
		ws.mu.Lock()
		ws.cancel[k.Task.TaskId] = tcancel
		ws.mu.Unlock()
		tasks.Add(1)
		go func(task *pb.Task) {
			defer tasks.Done()
			defer s.running.Done()
			defer tcancel()
			res := s.execute(tctx, task)
			ws.mu.Lock()
			delete(ws.cancel, task.TaskId)
			ws.mu.Unlock()
			if res != nil {
				ws.send(streamCtx, res)
			}
		}(k.Task)
	}
}

func (ws *workStream) send(ctx context.Context, r *pb.TaskResult) {
	select {
	case ws.out <- &pb.Report{Kind: &pb.Report_Result{Result: r}}:
	case <-ctx.Done():
	}
}

// execute runs a task once a slot is free. It returns nil when the task was
// cancelled: the coordinator requeues or has abandoned it.
func (s *service) execute(ctx context.Context, task *pb.Task) *pb.TaskResult {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		s.metrics.tasks.WithLabelValues(kind(task), "cancelled").Inc()
		return nil
	}
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	start := time.Now()
	values, err := s.exec.run(ctx, task)
	elapsed := time.Since(start).Seconds()
	s.metrics.duration.Observe(elapsed)
	switch {
	case ctx.Err() != nil:
		s.metrics.tasks.WithLabelValues(kind(task), "cancelled").Inc()
		return nil
	case err != nil:
		s.metrics.tasks.WithLabelValues(kind(task), "failed").Inc()
		s.log.Warn("task failed", "task", task.TaskId, "job", task.JobId, "err", err)
		return &pb.TaskResult{TaskId: task.TaskId, Error: err.Error(), Permanent: isPermanent(err), Seconds: elapsed}
	}
	s.metrics.tasks.WithLabelValues(kind(task), "ok").Inc()
	return &pb.TaskResult{TaskId: task.TaskId, Values: values, Seconds: elapsed}
}

// drain refuses new tasks, tells every stream, and waits for running tasks
// until ctx ends; it reports whether they all finished.
func (s *service) drain(ctx context.Context) bool {
	s.mu.Lock()
	s.draining = true
	s.metrics.draining.Set(1)
	for ws := range s.streams {
		select {
		case ws.out <- &pb.Report{Kind: &pb.Report_Status{Status: &pb.WorkerStatus{Draining: true}}}:
		default:
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
