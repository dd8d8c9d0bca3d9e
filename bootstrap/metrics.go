package bootstrap

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/tiering"
)

// MetricsHandler serves the node's Prometheus metrics.
type MetricsHandler http.Handler

// provideMetricsRegistry is the registry every part of the node registers
// its collectors with: the Go runtime and process here, the Kafka listener
// through its config, the stores and groups through nodeCollector.
func provideMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// nodeMetrics marks the node collector as registered.
type nodeMetrics struct{}

// provideNodeMetrics registers the collectors that read the WAL, tiering,
// group, indexing and query statistics at scrape time.
func provideNodeMetrics(reg *prometheus.Registry, logs *segmentlog.Store, tier *tiering.Store, g *groups.Service, index *indexing.Pipeline, q *sql.Service, s *textsearch.Service) nodeMetrics {
	reg.MustRegister(&nodeCollector{logs: logs, tier: tier, groups: g, index: index}, &queryCollector{sql: q, search: s})
	return nodeMetrics{}
}

func provideMetricsHandler(reg *prometheus.Registry, _ nodeMetrics) MetricsHandler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// nodeCollector turns the statistics of the log store, tiering and the
// group coordinator into series when scraped.
type nodeCollector struct {
	logs   *segmentlog.Store
	tier   *tiering.Store
	groups *groups.Service
	index  *indexing.Pipeline
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	walAppends        = desc("chronik_wal_appends_total", "Record batches accepted by the log store.")
	walCommits        = desc("chronik_wal_commits_total", "Group commits: one WAL write and fsync each.")
	walBytes          = desc("chronik_wal_bytes_total", "Bytes written to the WAL.")
	walCommitSeconds  = desc("chronik_wal_commit_duration_seconds", "WAL write plus fsync time per group commit.")
	walCommitBatches  = desc("chronik_wal_commit_batches", "Record batches per group commit.")
	walCommitBytes    = desc("chronik_wal_commit_bytes", "Bytes per group commit.")
	segmentsRolled    = desc("chronik_segments_rolled_total", "Segments sealed.")
	segmentFilesOpen  = desc("chronik_segment_files_open", "Segment files open now (bounded by the max_open_segments budget).")
	segmentFileOpens  = desc("chronik_segment_file_opens_total", "Segment files opened by the handle cache; fast growth means the budget is too small for the reads.")
	tierUploaded      = desc("chronik_tier_uploaded_bytes_total", "Bytes uploaded to the object store.")
	tierObjects       = desc("chronik_tier_uploaded_objects_total", "Objects uploaded to the object store.")
	tierLag           = desc("chronik_tier_upload_lag_bytes", "Sealed local bytes not yet uploaded, as of the last tiering pass.")
	tierErrors        = desc("chronik_tier_upload_errors_total", "Failed tiering passes of a partition.")
	tierDeleted       = desc("chronik_tier_deleted_objects_total", "Remote objects deleted by retention or topic deletion.")
	tierRemoteReads   = desc("chronik_tier_remote_reads_total", "Reads served from the object store.")
	tierCacheLookups  = desc("chronik_tier_cache_lookups_total", "Remote block lookups, by result.", "result")
	tierCacheBytes    = desc("chronik_tier_cache_bytes", "Bytes held in the remote read cache.")
	tierSnapshots     = desc("chronik_metadata_snapshots_total", "Metadata snapshots written to the object store.")
	tierSnapshotFails = desc("chronik_metadata_snapshot_errors_total", "Failed metadata snapshot attempts.")
	groupsByState     = desc("chronik_consumer_groups", "Consumer groups, by state.", "state")
	groupLag          = desc("chronik_consumer_group_lag", "Records between a group's committed offset and the high watermark.", "group", "topic", "partition")
	indexLagRecords   = desc("chronik_indexing_lag_records", "Records of a partition not yet indexed by a sink (high watermark minus the sink's position).", "sink", "topic", "partition")
	indexLagSeconds   = desc("chronik_indexing_lag_seconds", "When a sink lags: how long ago the newest record it has was written (0 without a lag).", "sink", "topic", "partition")
	indexDurable      = desc("chronik_indexing_durable_offset", "A sink's saved watermark: every offset below it is durable in the sink.", "sink", "topic", "partition")
	indexSkipped      = desc("chronik_indexing_skipped_records_total", "Records a sink never got: deleted by retention before they were indexed, or in batches that cannot be read.", "sink", "topic", "partition")
	indexPaused       = desc("chronik_indexing_paused_seconds_total", "How long the indexing workers have paused, together, to give way to a burst of produce (CHRONIK_INDEXING_BUSY_*).")
	indexUndecodable  = desc("chronik_indexing_undecodable_records_total", "Values framed with a schema id that could not be decoded (indexed whole).", "topic", "partition")
)

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{walAppends, walCommits, walBytes, walCommitSeconds, walCommitBatches, walCommitBytes, segmentsRolled,
		segmentFilesOpen, segmentFileOpens, tierUploaded, tierObjects, tierLag, tierErrors, tierDeleted, tierRemoteReads, tierCacheLookups, tierCacheBytes, tierSnapshots, tierSnapshotFails,
		groupsByState, groupLag, indexLagRecords, indexLagSeconds, indexDurable, indexSkipped, indexUndecodable, indexPaused} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	hist := func(d *prometheus.Desc, h segmentlog.HistogramSnapshot) {
		ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum, h.Buckets)
	}
	ws := c.logs.Stats()
	counter(walAppends, ws.Appends)
	counter(walCommits, ws.Commits)
	counter(walBytes, ws.WALBytes)
	counter(segmentsRolled, ws.Rolls)
	gauge(segmentFilesOpen, float64(ws.OpenSegmentFiles))
	counter(segmentFileOpens, ws.SegmentOpens)
	hist(walCommitSeconds, ws.CommitSeconds)
	hist(walCommitBatches, ws.CommitBatches)
	hist(walCommitBytes, ws.CommitBytes)

	ts := c.tier.Stats()
	counter(tierUploaded, ts.UploadedBytes)
	counter(tierObjects, ts.UploadedObjects)
	gauge(tierLag, float64(ts.UploadLagBytes))
	counter(tierErrors, ts.UploadErrors)
	counter(tierDeleted, ts.DeletedObjects)
	counter(tierRemoteReads, ts.RemoteReads)
	counter(tierCacheLookups, ts.CacheHits, "hit")
	counter(tierCacheLookups, ts.CacheMisses, "miss")
	gauge(tierCacheBytes, float64(ts.CacheBytes))
	counter(tierSnapshots, ts.Snapshots)
	counter(tierSnapshotFails, ts.SnapshotErrors)

	states := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, g := range c.groups.List(nil) {
		states[g.State.String()]++
		lags, err := c.groups.Lag(ctx, g.ID)
		if err != nil {
			continue
		}
		for _, l := range lags {
			gauge(groupLag, float64(l.Lag), g.ID, l.Partition.Topic, strconv.Itoa(int(l.Partition.Index)))
		}
	}
	for state, n := range states {
		gauge(groupsByState, float64(n), state)
	}

	undecodable := map[[2]string]int64{}
	ch <- prometheus.MustNewConstMetric(indexPaused, prometheus.CounterValue, c.index.Paused().Seconds())
	for _, st := range c.index.Stats() {
		n := strconv.Itoa(int(st.Partition.Index))
		gauge(indexLagRecords, float64(st.LagRecords), st.Sink, st.Partition.Topic, n)
		gauge(indexLagSeconds, st.LagSeconds, st.Sink, st.Partition.Topic, n)
		gauge(indexDurable, float64(st.Durable), st.Sink, st.Partition.Topic, n)
		counter(indexSkipped, st.Skipped, st.Sink, st.Partition.Topic, n)
		undecodable[[2]string{st.Partition.Topic, n}] = st.Undecodable
	}
	for k, v := range undecodable {
		counter(indexUndecodable, v, k[0], k[1])
	}
}
