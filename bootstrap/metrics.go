package bootstrap

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the node's Prometheus metrics.
type MetricsHandler http.Handler

// provideMetricsRegistry is the registry every part of the node registers
// its collectors with: the Go runtime and process here.
func provideMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func provideMetricsHandler(reg *prometheus.Registry) MetricsHandler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
