package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// load is what the sql and search sections share: the node, the load they
// put on it and the parts they run.
type load struct {
	node
	produceMB   float64
	rows        int64
	freshMBps   float64
	freshFor    time.Duration
	sampleEvery int64
	runs        int
	only        map[string]bool
}

// LoadSettings is a section's load, in its results.
type LoadSettings struct {
	RecordBytes  int     `json:"record_bytes"`
	Partitions   int     `json:"partitions"`
	ProduceMB    float64 `json:"produce_mb"`
	Rows         int64   `json:"rows"`
	FreshMBps    float64 `json:"freshness_mb_per_s"`
	FreshSeconds float64 `json:"freshness_seconds"`
	SampleEvery  int64   `json:"sample_every"`
	Runs         int     `json:"runs"`
}

func (l load) settings(recordBytes int) LoadSettings {
	return LoadSettings{
		RecordBytes: recordBytes, Partitions: l.parts, ProduceMB: l.produceMB, Rows: l.rows, FreshMBps: l.freshMBps,
		FreshSeconds: l.freshFor.Seconds(), SampleEvery: l.sampleEvery, Runs: l.runs,
	}
}

// loadDefaults are a section's defaults for the shared flags.
type loadDefaults struct {
	sink        string // what the section turns on, for the flags' help
	produceMB   float64
	rows        int64
	freshMBps   float64
	sampleEvery int64
	runs        int
	sealWait    time.Duration
}

// sectionParts are the parts a section runs unless --only says otherwise.
var sectionParts = []string{"produce", "catchup", "queries", "freshness"}

// loadFlags registers the shared flags on fs; once fs is parsed, the
// returned function checks them and returns the load and the --out path.
func loadFlags(fs *flag.FlagSet, d loadDefaults) func() (load, string, error) {
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated seed brokers")
	httpAddr := fs.String("http", "127.0.0.1:6092", "the node's unified HTTP API (host:port)")
	pid := fs.Int("broker-pid", 0, "broker process id (0: not watched, no CPU figures)")
	parts := fs.Int("partitions", 2, "partitions of every topic")
	produceMB := fs.Float64("produce-mb", d.produceMB, "MB of record values produced without "+d.sink+", and as many with (each in two topics)")
	rows := fs.Int64("rows", d.rows, "records produced before "+d.sink+" is turned on, then queried")
	freshMBps := fs.Float64("fresh-mbps", d.freshMBps, "produce rate of the freshness run, MB/s")
	freshFor := fs.Duration("fresh-for", 20*time.Second, "how long the freshness run produces")
	sampleEvery := fs.Int64("sample-every", d.sampleEvery, "keep the ack time of every n-th record of the freshness run")
	runs := fs.Int("runs", d.runs, "timed runs of each query")
	sealWait := fs.Duration("seal-wait", d.sealWait, "how long to wait for the "+d.sink+" sink to catch up")
	only := fs.String("only", strings.Join(sectionParts, ","), "comma-separated parts to run")
	out := fs.String("out", "", "write results as JSON to this file")
	return func() (load, string, error) {
		l := load{
			node: node{
				seeds: strings.Split(*brokers, ","), httpAddr: *httpAddr, broker: proc{*pid}, parts: *parts, sealWait: *sealWait,
				http: &http.Client{Timeout: 5 * time.Minute},
			},
			produceMB: *produceMB, rows: *rows, freshMBps: *freshMBps, freshFor: *freshFor, sampleEvery: *sampleEvery,
			runs: *runs, only: map[string]bool{},
		}
		for p := range strings.SplitSeq(*only, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(sectionParts, p) {
				return l, "", fmt.Errorf("--only: %q is not one of %s", p, strings.Join(sectionParts, ", "))
			}
			l.only[p] = true
		}
		switch {
		case l.parts < 1 || l.parts > 1000:
			return l, "", fmt.Errorf("--partitions %d: must be between 1 and 1000", l.parts)
		case l.rows < 1:
			return l, "", fmt.Errorf("--rows %d: must be positive", l.rows)
		case l.produceMB <= 0 || l.freshMBps <= 0 || l.freshFor <= 0:
			return l, "", errors.New("--produce-mb, --fresh-mbps and --fresh-for must be positive")
		case l.sampleEvery < 1 || l.runs < 1:
			return l, "", errors.New("--sample-every and --runs must be positive")
		}
		return l, *out, nil
	}
}

// runSection runs a section with l.ctx ending when the broker exits, and
// writes its results as JSON to out (unless empty). run returns the
// results and the parts that failed.
func runSection(name string, l *load, out string, run func() (any, []string)) error {
	ctx, cancel := watchBroker(l.broker)
	defer cancel()
	l.ctx = ctx
	res, errs := run()
	if out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %d part(s) failed: %s", name, len(errs), strings.Join(errs, "; "))
	}
	return nil
}

// failer returns what a section calls when a part fails: it logs the
// failure and adds it to errs, with the broker's exit as the cause if it
// exited.
func (nd node) failer(name string, errs *[]string) func(what string, err error) {
	return func(what string, err error) {
		msg := fmt.Sprintf("%s: %v", what, err)
		if cause := context.Cause(nd.ctx); cause != nil {
			msg += fmt.Sprintf(" (%v)", cause)
		}
		logf("%s: FAILED %s", name, msg)
		*errs = append(*errs, msg)
	}
}
