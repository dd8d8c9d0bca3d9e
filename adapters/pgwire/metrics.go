package pgwire

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the listener's Prometheus series.
type metrics struct {
	connections prometheus.Gauge
	closes      *prometheus.CounterVec // sessions refused or ended by the server, by reason
	queries     *prometheus.CounterVec // statements sent to the Querier, by outcome
	latency     prometheus.Histogram   // Querier calls
}

// Reasons the listener refuses or ends a session (metric labels).
var closeReasons = []string{"max_connections", "not_loopback", "auth_failed", "startup_timeout", "idle", "read_timeout", "too_large", "protocol_error", "write_failed"}

// Outcomes of a query (metric labels).
var queryOutcomes = []string{"ok", "error", "canceled"}

// newMetrics registers the series with reg; a nil reg keeps them private.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chronik_pg_connections", Help: "Open Postgres-protocol sessions.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_pg_connections_closed_total",
			Help: "Postgres-protocol sessions the server refused or ended, by reason: max_connections, not_loopback, auth_failed, startup_timeout, idle, read_timeout, too_large, protocol_error, write_failed.",
		}, []string{"reason"}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_pg_queries_total",
			Help: "Statements the Postgres listener ran through the SQL engine, by outcome: ok, error, canceled (CancelRequest, statement_timeout or shutdown).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chronik_pg_query_duration_seconds",
			Help:    "Time the SQL engine took to answer a statement of the Postgres listener, rows not yet sent.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
	}
	for _, r := range closeReasons {
		m.closes.WithLabelValues(r)
	}
	for _, o := range queryOutcomes {
		m.queries.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.closes, m.queries, m.latency)
	}
	return m
}

func (m *metrics) closed(reason string) { m.closes.WithLabelValues(reason).Inc() }

func (m *metrics) query(outcome string, took time.Duration) {
	m.queries.WithLabelValues(outcome).Inc()
	m.latency.Observe(took.Seconds())
}
