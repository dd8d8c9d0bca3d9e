package kafkawire

import (
	"strconv"
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
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.bytesIn, m.bytesOut, m.connections)
	}
	return m
}

func (m *metrics) request(key, version int16) {
	m.requests.WithLabelValues(kmsg.NameForKey(key), strconv.Itoa(int(version))).Inc()
}

func (m *metrics) done(key int16, start time.Time) {
	m.latency.WithLabelValues(kmsg.NameForKey(key)).Observe(time.Since(start).Seconds())
}
