package coordinator

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Task outcomes counted by thresher_tasks_total.
const (
	outcomeOK        = "ok"        // a task's first successful result
	outcomeFailed    = "failed"    // a result reporting an error
	outcomeRequeued  = "requeued"  // sent again after lease loss, stream error, deadline or a transient error
	outcomeDuplicate = "duplicate" // a further result for a finished task (identical values)
	outcomeConflict  = "conflict"  // a further result whose values differ: a determinism bug
)

// metrics are the coordinator's Prometheus series.
type metrics struct {
	replications  *prometheus.CounterVec
	candidates    prometheus.Counter
	tasks         *prometheus.CounterVec
	taskDuration  prometheus.Histogram
	queueWait     prometheus.Histogram
	queued        prometheus.Gauge
	inFlight      prometheus.Gauge
	workers       prometheus.Gauge
	jobs          *prometheus.GaugeVec
	progress      *prometheus.GaugeVec
	sessionLosses prometheus.Counter
	leader        prometheus.Gauge
	retained      prometheus.Gauge
	compactions   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		replications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_replications_completed_total",
			Help: "Bootstrap replications merged into jobs, by stage (each replication counted once).",
		}, []string{"stage"}),
		candidates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thresher_grid_candidates_evaluated_total",
			Help: "Candidate thresholds evaluated for point estimates and LR curves.",
		}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_tasks_total",
			Help: "Task results and dispatches by outcome: ok, failed, requeued, duplicate, conflict.",
		}, []string{"outcome"}),
		taskDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "thresher_task_duration_seconds",
			Help:    "Time from dispatching a task to receiving its result.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_tasks_queued",
			Help: "Tasks waiting for a worker slot.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_tasks_in_flight",
			Help: "Tasks dispatched and not yet answered.",
		}),
		workers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_workers_registered",
			Help: "Workers registered in etcd and connected to the leading coordinator.",
		}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "thresher_jobs",
			Help: "Jobs known to the leading coordinator, by state.",
		}, []string{"state"}),
		progress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "thresher_job_progress_ratio",
			Help: "Share of a running job's tasks (candidates and replications) that are done.",
		}, []string{"job_id"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "thresher_task_queue_wait_seconds",
			Help:    "Time tasks wait in the queue for a worker slot, from submission or requeue to dispatch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 3, 14),
		}),
		sessionLosses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thresher_etcd_session_losses_total",
			Help: "Leadership sessions lost because their etcd lease expired.",
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_coordinator_leader",
			Help: "1 while this coordinator leads, else 0.",
		}),
		retained: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_jobs_retained",
			Help: "Jobs stored in etcd, finished or not, on the leading coordinator; finished ones go after --retention.",
		}),
		compactions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thresher_etcd_compactions_total",
			Help: "Compactions of etcd's history by the leading coordinator.",
		}),
	}
	reg.MustRegister(m.replications, m.candidates, m.tasks, m.taskDuration, m.queueWait, m.queued, m.inFlight,
		m.workers, m.jobs, m.progress, m.sessionLosses, m.leader, m.retained, m.compactions)
	for _, o := range []string{outcomeOK, outcomeFailed, outcomeRequeued, outcomeDuplicate, outcomeConflict} {
		m.tasks.WithLabelValues(o)
	}
	for _, s := range jobStates {
		m.jobs.WithLabelValues(s)
	}
	return m
}

// jobStates are the values of thresher_jobs{state}.
var jobStates = []string{"queued", "running", "succeeded", "failed", "cancelled"}

// stopLeading zeroes the series only the leader keeps, so that a standby
// does not report stale jobs.
func (m *metrics) stopLeading() {
	m.leader.Set(0)
	for _, s := range jobStates {
		m.jobs.WithLabelValues(s).Set(0)
	}
	m.progress.Reset()
	m.retained.Set(0)
}

var (
	etcdDBDesc = prometheus.NewDesc("thresher_etcd_db_bytes",
		"Size of the etcd database (backend) as its members report it, the largest member's; the NOSPACE alarm stops writes at thresher_etcd_quota_bytes.", nil, nil)
	etcdQuotaDesc = prometheus.NewDesc("thresher_etcd_quota_bytes",
		"Quota of the etcd database (quota-backend-bytes), the smallest member's.", nil, nil)
)

// etcdCollector reports etcd's database size and quota at each scrape,
// from every member's status; a member that does not answer within 2 s is
// left out (no series when none answers).
type etcdCollector struct{ cli *clientv3.Client }

func (e etcdCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- etcdDBDesc
	ch <- etcdQuotaDesc
}

func (e etcdCollector) Collect(ch chan<- prometheus.Metric) {
	var db, quota int64
	answered := false
	for _, ep := range e.cli.Endpoints() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := e.cli.Status(ctx, ep)
		cancel()
		if err != nil {
			continue
		}
		db = max(db, st.DbSize)
		if !answered || st.DbSizeQuota < quota {
			quota = st.DbSizeQuota
		}
		answered = true
	}
	if answered {
		ch <- prometheus.MustNewConstMetric(etcdDBDesc, prometheus.GaugeValue, float64(db))
		ch <- prometheus.MustNewConstMetric(etcdQuotaDesc, prometheus.GaugeValue, float64(quota))
	}
}
