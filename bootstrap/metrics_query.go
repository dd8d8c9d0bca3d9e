package bootstrap

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
)

// queryCollector turns the statistics of SQL over topics (and its
// columnar sink) and of full-text search into series when scraped.
type queryCollector struct {
	sql    *sql.Service
	search *textsearch.Service
}

var (
	sqlQueries        = desc("chronik_sql_queries_total", "SQL statements (HTTP and Postgres listener), by result: ok, error (refused, invalid, timed out or failed), busy (no query slot within the timeout).", "result")
	sqlQuerySeconds   = desc("chronik_sql_query_seconds_total", "Time spent answering SQL statements, waiting for a slot included.")
	columnarCache     = desc("chronik_columnar_cache_bytes", "Local copies of Parquet files (bounded by CHRONIK_COLUMNAR_CACHE_SIZE).")
	columnarHot       = desc("chronik_columnar_hot_bytes", "Documents in the columnar sink's hot buffers, not yet in Parquet.")
	columnarMerges    = desc("chronik_columnar_merges_total", "Parquet files written by compaction.")
	columnarMerged    = desc("chronik_columnar_merged_files_total", "Parquet files compaction replaced.")
	columnarMergeRows = desc("chronik_columnar_merged_rows_total", "Rows written by compaction.")
	columnarMergeSize = desc("chronik_columnar_merged_bytes_total", "Bytes of the Parquet files compaction wrote.")
	columnarMergeTime = desc("chronik_columnar_merge_seconds_total", "Time compaction spent merging (fetch, merge, upload, commit).")
	columnarMergeFail = desc("chronik_columnar_merge_failures_total", "Merges that failed (the partition waits 6 compaction intervals).")
	searchQueries     = desc("chronik_search_queries_total", "Searches (_search, _count, _msearch), by result: ok, timed_out (answered with what was found by the timeout), error, busy (no search slot within the timeout).", "result")
	searchSeconds     = desc("chronik_search_query_seconds_total", "Time spent answering searches, waiting for a slot included.")
	searchCache       = desc("chronik_search_cache_bytes", "Sealed search indexes on local disk (bounded by CHRONIK_SEARCH_CACHE_SIZE).")
)

func (c *queryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sqlQueries, sqlQuerySeconds, columnarCache, columnarHot, columnarMerges, columnarMerged,
		columnarMergeRows, columnarMergeSize, columnarMergeTime, columnarMergeFail, searchQueries, searchSeconds, searchCache} {
		ch <- d
	}
}

func (c *queryCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	s := c.sql.Stats()
	counter(sqlQueries, float64(s.Queries-s.Failed), "ok")
	counter(sqlQueries, float64(s.Failed), "error")
	counter(sqlQueries, float64(s.Busy), "busy")
	counter(sqlQuerySeconds, s.QueryTime.Seconds())
	gauge(columnarCache, float64(s.CacheBytes))
	gauge(columnarHot, float64(s.HotBytes))
	m := s.Compaction
	counter(columnarMerges, float64(m.Merges))
	counter(columnarMerged, float64(m.FilesMerged))
	counter(columnarMergeRows, float64(m.Rows))
	counter(columnarMergeSize, float64(m.Bytes))
	counter(columnarMergeTime, m.Time.Seconds())
	counter(columnarMergeFail, float64(m.Failures))

	t := c.search.Stats()
	counter(searchQueries, float64(t.Searches-t.Failed-t.TimedOut), "ok")
	counter(searchQueries, float64(t.TimedOut), "timed_out")
	counter(searchQueries, float64(t.Failed), "error")
	counter(searchQueries, float64(t.Busy), "busy")
	counter(searchSeconds, t.SearchTime.Seconds())
	gauge(searchCache, float64(t.CacheBytes))
}
