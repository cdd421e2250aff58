package worker

import "github.com/prometheus/client_golang/prometheus"

// metrics are the worker's Prometheus series.
type metrics struct {
	tasks        *prometheus.CounterVec
	duration     prometheus.Histogram
	inFlight     prometheus.Gauge
	replications *prometheus.CounterVec
	candidates   prometheus.Counter
	cacheHits    *prometheus.CounterVec
	cacheMisses  *prometheus.CounterVec
	sessionLoss  prometheus.Counter
	slots        prometheus.Gauge
	draining     prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_worker_tasks_total",
			Help: "Tasks executed by this worker, by kind and outcome (ok, failed, cancelled, refused).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "thresher_worker_task_duration_seconds",
			Help:    "Execution time of tasks on this worker.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "thresher_worker_tasks_in_flight",
			Help: "Tasks executing on this worker.",
		}),
		replications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_worker_replications_total",
			Help: "Bootstrap replications computed by this worker, by stage.",
		}, []string{"stage"}),
		candidates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thresher_worker_grid_candidates_total",
			Help: "Candidate thresholds evaluated by this worker in point-estimation profiles.",
		}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_worker_cache_hits_total",
			Help: "Dataset and prepared-model cache hits.",
		}, []string{"cache"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thresher_worker_cache_misses_total",
			Help: "Dataset and prepared-model cache misses.",
		}, []string{"cache"}),
		sessionLoss: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thresher_worker_etcd_session_losses_total",
			Help: "Registrations lost because the etcd lease expired or its keep-alive failed.",
		}),
	}
	m.slots = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "thresher_worker_slots",
		Help: "Tasks this worker runs at once.",
	})
	m.draining = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "thresher_worker_draining",
		Help: "1 while the worker drains (refuses new tasks before leaving), else 0.",
	})
	reg.MustRegister(m.tasks, m.duration, m.inFlight, m.replications, m.candidates, m.cacheHits, m.cacheMisses,
		m.sessionLoss, m.slots, m.draining)
	for _, c := range []string{"dataset", "model"} {
		m.cacheHits.WithLabelValues(c)
		m.cacheMisses.WithLabelValues(c)
	}
	return m
}
