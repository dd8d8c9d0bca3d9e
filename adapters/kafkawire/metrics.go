package kafkawire

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metrics are the listener's Prometheus series.
type metrics struct {
	requests    *prometheus.CounterVec   // by API and version
	latency     *prometheus.HistogramVec // by API: frame read to response written
	bytesIn     *prometheus.CounterVec   // produced record-batch bytes, by topic
	bytesOut    *prometheus.CounterVec   // fetched record-batch bytes, by topic
	connections prometheus.Gauge
	closes      *prometheus.CounterVec // connections the broker ended or refused, by reason
	throttled   prometheus.Counter     // fetches answered throttled: the fetch memory was spent

	counts    [maxCachedKey][maxCachedVersion]atomic.Pointer[counter]
	latencies [maxCachedKey]atomic.Pointer[observer]
}

// newMetrics registers the series with reg; a nil reg keeps them private.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_kafka_requests_total", Help: "Kafka requests handled, by API and version.",
		}, []string{"api", "version"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chronik_kafka_request_duration_seconds",
			Help:    "Time from reading a Kafka request to writing its response (including waits for durability and long polls), by API.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"api"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_topic_bytes_in_total", Help: "Record-batch bytes produced, by topic.",
		}, []string{"topic"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_topic_bytes_out_total", Help: "Record-batch bytes fetched, by topic.",
		}, []string{"topic"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chronik_kafka_connections", Help: "Open Kafka client connections.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chronik_kafka_connections_closed_total",
			Help: "Kafka connections the broker refused or ended, by reason: max_connections, max_connections_per_ip, idle, slow_request, protocol_error.",
		}, []string{"reason"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chronik_kafka_fetch_throttled_total",
			Help: "Fetches answered at once with no records and a throttle time because the fetch response memory (CHRONIK_FETCH_RESPONSE_BUDGET) was spent.",
		}),
	}
	for _, r := range closeReasons {
		m.closes.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.bytesIn, m.bytesOut, m.connections, m.closes, m.throttled)
	}
	return m
}

// Reasons the broker ends or refuses a connection (metric labels).
const (
	closeMaxConnections = iota
	closeMaxPerAddress
	closeIdle
	closeSlow
	closeProtocol
)

var closeReasons = [...]string{"max_connections", "max_connections_per_ip", "idle", "slow_request", "protocol_error"}

func (m *metrics) closed(reason int) { m.closes.WithLabelValues(closeReasons[reason]).Inc() }

// unsupported counts a request of a known API at a version Chronik does
// not serve, under one series per API: the client's version never becomes
// a label.
func (m *metrics) unsupported(key int16) {
	m.requests.WithLabelValues(kmsg.NameForKey(key), "unsupported").Inc()
}

// request counts one request of a registered key at a supported version. The series of each API (and version) are
// looked up once and kept, so the hot path does no label hashing.
func (m *metrics) request(key, version int16) {
	slot := &m.counts[key][version]
	c := slot.Load()
	if c == nil {
		slot.CompareAndSwap(nil, &counter{m.requests.WithLabelValues(kmsg.NameForKey(key), strconv.Itoa(int(version)))})
		c = slot.Load()
	}
	c.Inc()
}

func (m *metrics) done(key int16, start time.Time) {
	d := time.Since(start).Seconds()
	slot := &m.latencies[key]
	o := slot.Load()
	if o == nil {
		slot.CompareAndSwap(nil, &observer{m.latency.WithLabelValues(kmsg.NameForKey(key))})
		o = slot.Load()
	}
	o.Observe(d)
}

type (
	counter  struct{ prometheus.Counter }
	observer struct{ prometheus.Observer }
)

// Keys and versions with pre-resolved series: every key and version
// Chronik serves fits (register checks it), so a label set is only ever
// made from a registered key and a version in its range.
const maxCachedKey, maxCachedVersion = 80, 20
