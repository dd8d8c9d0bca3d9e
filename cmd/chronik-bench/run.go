package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Results is everything one `chronik-bench run` measured against one broker.
// `chronik-bench report` reads those of every round, for Chronik and kfake.
type Results struct {
	Broker   string    `json:"broker"`
	Seeds    string    `json:"seeds"`
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"`
	LoadAvg  string    `json:"loadavg_at_start"` // /proc/loadavg: other work sharing the cores
	Settings Settings  `json:"settings"`

	Throughput   []Throughput    `json:"throughput"`
	HalfPeak     []HalfPeak      `json:"half_peak"`
	Many         *ManyPartitions `json:"many_partitions,omitempty"`
	BrokerTotals BrokerTotals    `json:"broker_totals"`
	Errors       []string        `json:"errors,omitempty"`
}

// Settings records the load so a report can describe it.
type Settings struct {
	MBPerScenario      float64 `json:"mb_per_scenario"`
	RecordBytes        []int   `json:"record_bytes"`
	Partitions         []int   `json:"partitions"`
	Linger             string  `json:"linger"`
	MaxBufferedBytes   int     `json:"max_buffered_bytes"`
	MaxBufferedRecords int     `json:"max_buffered_records"`
	HalfPeakSeconds    float64 `json:"half_peak_seconds"`
	ManyPartitions     int     `json:"many_partitions"`
	ManyRecordsPerPart int     `json:"many_records_per_partition"`
	ManyRecordBytes    int     `json:"many_record_bytes"`
	SettleSeconds      float64 `json:"settle_seconds"`
	Compression        string  `json:"compression"`
	RequiredAcks       string  `json:"acks"`
	Idempotent         bool    `json:"idempotent"`
}

// BrokerTotals are whole-run facts about the broker process.
type BrokerTotals struct {
	CPUSeconds float64 `json:"cpu_seconds"` // over the whole run
	HWMBytes   int64   `json:"vm_hwm_bytes"`
}

// Phase is one timed half of a throughput scenario.
type Phase struct {
	Seconds          float64 `json:"seconds"`
	Records          int64   `json:"records"`
	Bytes            int64   `json:"bytes"` // record values only
	MBps             float64 `json:"mb_per_s"`
	RecordsPerSec    float64 `json:"records_per_s"`
	BrokerCPUSeconds float64 `json:"broker_cpu_seconds"`
	BrokerCPUPerGB   float64 `json:"broker_cpu_s_per_gb"`
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
}

// Throughput is one produce-then-consume scenario at full speed.
type Throughput struct {
	Scenario       string      `json:"scenario"`
	RecordBytes    int         `json:"record_bytes"`
	Partitions     int         `json:"partitions"`
	Produce        Phase       `json:"produce"`
	Consume        Phase       `json:"consume"`
	Latency        Percentiles `json:"produce_latency"`
	BrokerCPUPerGB float64     `json:"broker_cpu_s_per_gb"` // produce+consume CPU over bytes produced+consumed
	PeakRSSBytes   int64       `json:"peak_rss_bytes"`
	Error          string      `json:"error,omitempty"`
}

// HalfPeak is a rate-limited produce at half of the scenario's peak rate.
type HalfPeak struct {
	Scenario     string      `json:"scenario"`
	RecordBytes  int         `json:"record_bytes"`
	Partitions   int         `json:"partitions"`
	TargetRate   float64     `json:"target_records_per_s"`
	AchievedRate float64     `json:"achieved_records_per_s"`
	MBps         float64     `json:"mb_per_s"`
	Seconds      float64     `json:"seconds"`
	Records      int64       `json:"records"`
	Latency      Percentiles `json:"produce_latency"`
	// Timeline is the slowest record of each 100 ms of the run, by when it
	// was produced: it shows whether the tail is steady or comes in spikes.
	Timeline []float64 `json:"max_latency_ms_per_100ms"`
	Started  time.Time `json:"started"` // start of the timeline
	Error    string    `json:"error,omitempty"`
}

// ManyPartitions is the memory check with one topic of many partitions.
type ManyPartitions struct {
	Partitions          int     `json:"partitions"`
	RecordsPerPartition int     `json:"records_per_partition"`
	RecordBytes         int     `json:"record_bytes"`
	RSSBeforeBytes      int64   `json:"rss_before_bytes"`
	PeakRSSBytes        int64   `json:"peak_rss_bytes"`
	RSSAfterBytes       int64   `json:"rss_after_bytes"`
	CreateSeconds       float64 `json:"create_seconds"`
	ProduceSeconds      float64 `json:"produce_seconds"`
	ConsumeSeconds      float64 `json:"consume_seconds"`
	Error               string  `json:"error,omitempty"`
}

type runConfig struct {
	ctx           context.Context // ends early if the broker process exits
	seeds         []string
	name          string
	broker        proc
	mb            float64
	sizes         []int
	partitions    []int
	linger        time.Duration
	maxBufBytes   int
	maxBufRecords int
	halfPeak      time.Duration
	many          int
	manyRecords   int
	manyBytes     int
	settle        time.Duration
	phaseTimeout  time.Duration
	out           string
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated seed brokers")
	name := fs.String("name", "broker", "label for this broker in the results (chronik, kfake)")
	pid := fs.Int("broker-pid", 0, "broker process id, for CPU time and RSS from /proc (0: not measured)")
	mb := fs.Float64("mb", 200, "megabytes (10^6 bytes of record values) produced, then consumed, per throughput scenario")
	sizes := fs.String("sizes", "1024,100", "comma-separated record value sizes in bytes")
	parts := fs.String("partitions", "1,16", "comma-separated partition counts")
	linger := fs.Duration("linger", 5*time.Millisecond, "producer linger (kgo.ProducerLinger)")
	maxBufMB := fs.Int("max-buffered-mb", 32, "producer buffer limit in MiB (kgo.MaxBufferedBytes)")
	maxBufRecs := fs.Int("max-buffered-records", 1_000_000, "producer buffer limit in records (kgo.MaxBufferedRecords)")
	half := fs.Duration("half-peak", 10*time.Second, "how long to produce at half the peak rate for latency (0: skip)")
	many := fs.Int("many-partitions", 1000, "partitions in the RSS check topic (0: skip)")
	manyRecs := fs.Int("many-records", 10, "records produced to each partition of the RSS check topic")
	manyBytes := fs.Int("many-record-bytes", 1024, "record value size for the RSS check")
	settle := fs.Duration("settle", time.Second, "pause after produce before reading broker CPU, so trailing work is counted")
	timeout := fs.Duration("phase-timeout", 10*time.Minute, "give up on a produce or consume phase after this long")
	out := fs.String("out", "", "write results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := runConfig{
		seeds: strings.Split(*brokers, ","), name: *name, broker: proc{*pid}, mb: *mb,
		linger: *linger, maxBufBytes: *maxBufMB << 20, maxBufRecords: *maxBufRecs,
		halfPeak: *half, many: *many, manyRecords: *manyRecs, manyBytes: *manyBytes,
		settle: *settle, phaseTimeout: *timeout, out: *out,
	}
	var err error
	if cfg.sizes, err = intList(*sizes); err != nil {
		return fmt.Errorf("--sizes: %w", err)
	}
	if cfg.partitions, err = intList(*parts); err != nil {
		return fmt.Errorf("--partitions: %w", err)
	}
	if cfg.mb <= 0 {
		return fmt.Errorf("--mb %v: must be positive", cfg.mb)
	}
	ctx, cancel := watchBroker(cfg.broker)
	defer cancel()
	cfg.ctx = ctx
	res := run(cfg)
	if cfg.out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.out, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("%s: %d scenario(s) failed: %s", cfg.name, len(res.Errors), strings.Join(res.Errors, "; "))
	}
	return nil
}

// watchBroker returns a context that ends, with a cause, when the broker
// process exits, so that a phase fails at once instead of retrying into its
// timeout.
func watchBroker(p proc) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if p.pid != 0 {
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if !p.alive() {
					cancel(fmt.Errorf("broker process %d exited", p.pid))
					return
				}
			}
		}()
	}
	return ctx, func() { cancel(nil) }
}

func intList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// run measures every scenario in turn. A failed scenario is recorded and the
// next one runs, unless the broker process is gone.
func run(cfg runConfig) *Results {
	res := &Results{
		Broker: cfg.name, Seeds: strings.Join(cfg.seeds, ","), PID: cfg.broker.pid, Started: time.Now().UTC(),
		LoadAvg: loadAvg(),
		Settings: Settings{
			MBPerScenario: cfg.mb, RecordBytes: cfg.sizes, Partitions: cfg.partitions,
			Linger: cfg.linger.String(), MaxBufferedBytes: cfg.maxBufBytes, MaxBufferedRecords: cfg.maxBufRecords,
			HalfPeakSeconds: cfg.halfPeak.Seconds(), ManyPartitions: cfg.many, ManyRecordsPerPart: cfg.manyRecords,
			ManyRecordBytes: cfg.manyBytes, SettleSeconds: cfg.settle.Seconds(),
			Compression: "none", RequiredAcks: "all", Idempotent: true,
		},
	}
	cpu0, _ := cfg.broker.cpuSeconds()
	fail := func(what string, err error) bool {
		msg := fmt.Sprintf("%s: %v", what, err)
		if cause := context.Cause(cfg.ctx); cause != nil {
			msg += fmt.Sprintf(" (%v)", cause)
		}
		logf("%s: FAILED %s", cfg.name, msg)
		res.Errors = append(res.Errors, msg)
		return cfg.broker.pid != 0 && !cfg.broker.alive() // the broker died: stop
	}

	for _, size := range cfg.sizes {
		for _, parts := range cfg.partitions {
			scn := scenarioName(size, parts)
			t := throughput(cfg, scn, size, parts)
			res.Throughput = append(res.Throughput, t)
			if t.Error != "" {
				if fail(scn, errors.New(t.Error)) {
					return finish(cfg, res, cpu0)
				}
				continue
			}
			logf("%s %s: produce %.1f MB/s %.0f rec/s p50 %.1f p99 %.1f p999 %.1f ms | consume %.1f MB/s | broker %.2f CPU-s/GB, peak RSS %s",
				cfg.name, scn, t.Produce.MBps, t.Produce.RecordsPerSec, t.Latency.P50, t.Latency.P99, t.Latency.P999,
				t.Consume.MBps, t.BrokerCPUPerGB, mib(t.PeakRSSBytes))
			if cfg.halfPeak <= 0 {
				continue
			}
			h := halfPeak(cfg, scn, size, parts, t.Produce.RecordsPerSec/2)
			res.HalfPeak = append(res.HalfPeak, h)
			if h.Error != "" {
				if fail(scn+" half peak", errors.New(h.Error)) {
					return finish(cfg, res, cpu0)
				}
				continue
			}
			logf("%s %s at half peak (%.0f of %.0f rec/s): p50 %.1f p99 %.1f p999 %.1f ms",
				cfg.name, scn, h.AchievedRate, h.TargetRate, h.Latency.P50, h.Latency.P99, h.Latency.P999)
		}
	}
	if cfg.many > 0 {
		m := manyPartitions(cfg)
		res.Many = &m
		if m.Error != "" {
			fail(fmt.Sprintf("%d partitions", cfg.many), errors.New(m.Error))
		} else {
			logf("%s %d partitions: RSS before %s, peak %s, after %s",
				cfg.name, m.Partitions, mib(m.RSSBeforeBytes), mib(m.PeakRSSBytes), mib(m.RSSAfterBytes))
		}
	}
	return finish(cfg, res, cpu0)
}

func finish(cfg runConfig, res *Results, cpu0 float64) *Results {
	cpu1, _ := cfg.broker.cpuSeconds()
	_, hwm, _ := cfg.broker.memory()
	res.BrokerTotals = BrokerTotals{CPUSeconds: cpu1 - cpu0, HWMBytes: hwm}
	return res
}

func scenarioName(size, parts int) string {
	s := fmt.Sprintf("%dB", size)
	if size%1024 == 0 {
		s = fmt.Sprintf("%dKiB", size/1024)
	}
	return fmt.Sprintf("%s x %dp", s, parts)
}

func topicName(prefix string, size, parts int) string {
	return fmt.Sprintf("bench-%s-%db-%dp", prefix, size, parts)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// payload is random, so values do not compress; records are slices of it.
var payload = func() []byte {
	b := make([]byte, 8<<20)
	_, _ = rand.NewChaCha8([32]byte{'c', 'h', 'r', 'o', 'n', 'i', 'k'}).Read(b) // never fails
	return b
}()

func value(i int64, size int) []byte {
	off := int((i * 4099) % int64(len(payload)-size))
	return payload[off : off+size : off+size]
}

// producerClient is configured as a real durable producer would be:
// acks=all, idempotent (kgo's default), a short linger, a large buffer, and
// no compression so that MB/s are bytes the broker really moved.
func producerClient(cfg runConfig, extra ...kgo.Opt) (*kgo.Client, error) {
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.seeds...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(cfg.linger),
		kgo.MaxBufferedRecords(cfg.maxBufRecords),
		kgo.MaxBufferedBytes(cfg.maxBufBytes),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}, extra...)
	return kgo.NewClient(opts...)
}

func createTopic(ctx context.Context, cfg runConfig, topic string, parts int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.seeds...))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(parts), 1, nil, topic)
	if err != nil {
		return fmt.Errorf("creating topic %s with %d partitions: %w", topic, parts, err)
	}
	if resp.Err != nil {
		return fmt.Errorf("creating topic %s with %d partitions: %w %s", topic, parts, resp.Err, resp.ErrMessage)
	}
	return nil
}

// endOffsetSum is the number of records in a topic that starts at offset 0.
func endOffsetSum(ctx context.Context, cfg runConfig, topic string) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.seeds...))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err == nil {
		err = offs.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("listing end offsets of %s: %w", topic, err)
	}
	var n int64
	offs.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n, nil
}

// latencies collects per-record produce latency (Produce call to promise)
// from kgo's promise goroutine. kgo calls promises serially; the atomics make
// the slice safe to read after Flush regardless.
type latencies struct {
	lat      []int64
	origin   time.Time      // start of the timeline, if any
	windows  []atomic.Int64 // slowest latency (ns) of records produced in each timeline window
	n        atomic.Int64
	bytes    atomic.Int64
	errs     atomic.Int64
	firstErr atomic.Value // error
}

func newLatencies(capacity int64) *latencies {
	return &latencies{lat: make([]int64, capacity)}
}

func (l *latencies) promise(r *kgo.Record, err error) {
	if err != nil {
		if l.errs.Add(1) == 1 {
			l.firstErr.Store(fmt.Errorf("record to %s[%d]: %w", r.Topic, r.Partition, err))
		}
		return
	}
	d := time.Since(r.Timestamp)
	if i := l.n.Add(1) - 1; i < int64(len(l.lat)) {
		l.lat[i] = int64(d)
	}
	if w := int(r.Timestamp.Sub(l.origin) / timelineWindow); l.windows != nil && w >= 0 && w < len(l.windows) {
		for m := &l.windows[w]; ; {
			old := m.Load()
			if int64(d) <= old || m.CompareAndSwap(old, int64(d)) {
				break
			}
		}
	}
	l.bytes.Add(int64(len(r.Value)))
}

const timelineWindow = 100 * time.Millisecond

// trackTimeline makes the promise keep the slowest latency per window of
// records produced from origin on, for d.
func (l *latencies) trackTimeline(origin time.Time, d time.Duration) {
	l.origin = origin
	l.windows = make([]atomic.Int64, int(d/timelineWindow)+1)
}

// timeline returns the slowest latency of each window in milliseconds.
func (l *latencies) timeline() []float64 {
	out := make([]float64, len(l.windows))
	for i := range l.windows {
		out[i] = float64(l.windows[i].Load()) / float64(time.Millisecond)
	}
	return out
}

func (l *latencies) err() error {
	if l.errs.Load() == 0 {
		return nil
	}
	return fmt.Errorf("%d records failed, first: %v", l.errs.Load(), l.firstErr.Load())
}

func (l *latencies) samples() []int64 { return l.lat[:min(l.n.Load(), int64(len(l.lat)))] }

// produce sends one record and stamps it, so the promise can measure from
// the Produce call (which may block while the buffer is full).
func produce(ctx context.Context, cl *kgo.Client, l *latencies, topic string, part int32, v []byte) {
	r := &kgo.Record{Topic: topic, Partition: part, Value: v}
	r.Timestamp = time.Now()
	cl.Produce(ctx, r, l.promise)
}

// warmUp produces one record synchronously so that metadata, the producer id
// and connections exist before the clock starts.
func warmUp(ctx context.Context, cl *kgo.Client, topic string, size int) error {
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: value(0, size)}).FirstErr(); err != nil {
		return fmt.Errorf("warm-up produce to %s: %w", topic, err)
	}
	return nil
}

func throughput(cfg runConfig, scn string, size, parts int) (t Throughput) {
	t = Throughput{Scenario: scn, RecordBytes: size, Partitions: parts}
	setErr := func(err error) Throughput { t.Error = err.Error(); return t }
	ctx, cancel := context.WithTimeout(cfg.ctx, 2*cfg.phaseTimeout)
	defer cancel()
	topic := topicName("tp", size, parts)
	if err := createTopic(ctx, cfg, topic, parts); err != nil {
		return setErr(err)
	}
	count := int64(cfg.mb * 1e6 / float64(size))
	logf("%s %s: producing %d records of %d bytes (%.0f MB) to %s", cfg.name, scn, count, size, cfg.mb, topic)

	rss := startRSSSampler(cfg.broker, 100*time.Millisecond)
	defer rss.StopInto(&t.PeakRSSBytes, &t.Error)

	// Produce.
	cl, err := producerClient(cfg)
	if err != nil {
		return setErr(err)
	}
	if err := warmUp(ctx, cl, topic, size); err != nil {
		cl.Close()
		return setErr(err)
	}
	l := newLatencies(count)
	pctx, pcancel := context.WithTimeout(ctx, cfg.phaseTimeout)
	cpu0, err := cfg.broker.cpuSeconds()
	if err != nil {
		pcancel()
		cl.Close()
		return setErr(err)
	}
	self0, start := selfCPUSeconds(), time.Now()
	for i := range count {
		produce(pctx, cl, l, topic, -1, value(i, size))
	}
	ferr := cl.Flush(pctx)
	elapsed := time.Since(start)
	self1 := selfCPUSeconds()
	pcancel()
	cl.Close()
	if ferr != nil {
		return setErr(fmt.Errorf("flushing %s after %s: %w", topic, elapsed.Round(time.Millisecond), ferr))
	}
	if err := l.err(); err != nil {
		return setErr(err)
	}
	time.Sleep(cfg.settle)
	cpu1, err := cfg.broker.cpuSeconds()
	if err != nil {
		return setErr(err)
	}
	t.Produce = phase(count, l.bytes.Load(), elapsed, cpu1-cpu0, self1-self0)
	t.Latency = percentiles(l.samples())
	l = nil

	// Consume everything the topic holds (the warm-up record too).
	want, err := endOffsetSum(ctx, cfg, topic)
	if err != nil {
		return setErr(err)
	}
	if want != count+1 {
		return setErr(fmt.Errorf("%s holds %d records after producing %d (+1 warm-up): lost or duplicated records", topic, want, count))
	}
	got, gotBytes, celapsed, ccpu, cself, err := consume(ctx, cfg, topic, want)
	if err != nil {
		return setErr(err)
	}
	t.Consume = phase(got, gotBytes, celapsed, ccpu, cself)
	t.BrokerCPUPerGB = perGB(t.Produce.BrokerCPUSeconds+t.Consume.BrokerCPUSeconds, t.Produce.Bytes+t.Consume.Bytes)
	return t
}

func phase(records, bytes int64, d time.Duration, brokerCPU, clientCPU float64) Phase {
	return Phase{
		Seconds: d.Seconds(), Records: records, Bytes: bytes,
		MBps: rate(float64(bytes)/1e6, d), RecordsPerSec: rate(float64(records), d),
		BrokerCPUSeconds: brokerCPU, BrokerCPUPerGB: perGB(brokerCPU, bytes), ClientCPUSeconds: clientCPU,
	}
}

// consume reads a topic from the start with a fresh client until it has seen
// want records, and returns what it read and the broker and client CPU spent.
func consume(ctx context.Context, cfg runConfig, topic string, want int64) (recs, bytes int64, d time.Duration, brokerCPU, clientCPU float64, err error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.seeds...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	defer cl.Close()
	cctx, cancel := context.WithTimeout(ctx, cfg.phaseTimeout)
	defer cancel()
	cpu0, err := cfg.broker.cpuSeconds()
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	self0, start := selfCPUSeconds(), time.Now()
	for recs < want {
		fs := cl.PollFetches(cctx)
		if cctx.Err() != nil {
			return recs, bytes, time.Since(start), 0, 0, fmt.Errorf("consuming %s: read %d of %d records in %s: %w",
				topic, recs, want, time.Since(start).Round(time.Millisecond), context.Cause(cctx))
		}
		for _, fe := range fs.Errors() {
			return recs, bytes, time.Since(start), 0, 0, fmt.Errorf("consuming %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			recs++
			bytes += int64(len(r.Value))
		})
	}
	d = time.Since(start)
	self1 := selfCPUSeconds()
	cpu1, err := cfg.broker.cpuSeconds()
	if err != nil {
		return recs, bytes, d, 0, 0, err
	}
	return recs, bytes, d, cpu1 - cpu0, self1 - self0, nil
}

// halfPeak produces at a fixed record rate for cfg.halfPeak and reports the
// latency distribution. The rate is kept by a 1 ms ticker that releases the
// records due so far, so bursts are at most one millisecond's worth.
func halfPeak(cfg runConfig, scn string, size, parts int, target float64) (h HalfPeak) {
	h = HalfPeak{Scenario: scn, RecordBytes: size, Partitions: parts, TargetRate: target}
	setErr := func(err error) HalfPeak { h.Error = err.Error(); return h }
	if target <= 0 {
		return setErr(errors.New("no peak rate to halve"))
	}
	ctx, cancel := context.WithTimeout(cfg.ctx, cfg.halfPeak+cfg.phaseTimeout)
	defer cancel()
	topic := topicName("half", size, parts)
	if err := createTopic(ctx, cfg, topic, parts); err != nil {
		return setErr(err)
	}
	cl, err := producerClient(cfg)
	if err != nil {
		return setErr(err)
	}
	defer cl.Close()
	if err := warmUp(ctx, cl, topic, size); err != nil {
		return setErr(err)
	}
	l := newLatencies(int64(target*cfg.halfPeak.Seconds()*1.05) + 1000)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	l.trackTimeline(start, cfg.halfPeak)
	h.Started = start
	var sent int64
	// If the broker falls behind, Produce blocks on the full buffer; the
	// records due meanwhile then go out as soon as it unblocks, as they would
	// from a real application, but never past the end of the run.
	end := start.Add(cfg.halfPeak)
	for now := range tick.C {
		if !now.Before(end) || ctx.Err() != nil {
			break
		}
		for due := int64(target * now.Sub(start).Seconds()); sent < due; sent++ {
			if sent%256 == 0 && !time.Now().Before(end) {
				break
			}
			produce(ctx, cl, l, topic, -1, value(sent, size))
		}
	}
	elapsed := time.Since(start)
	if err := cl.Flush(ctx); err != nil {
		return setErr(fmt.Errorf("flushing %s: %w", topic, err))
	}
	if err := l.err(); err != nil {
		return setErr(err)
	}
	h.Seconds = elapsed.Seconds()
	h.Records = sent
	h.AchievedRate = rate(float64(sent), elapsed)
	h.MBps = rate(float64(sent)*float64(size)/1e6, elapsed)
	h.Latency = percentiles(l.samples())
	h.Timeline = l.timeline()
	return h
}

// manyPartitions creates one topic with cfg.many partitions, produces a few
// records to each, reads them back, and watches the broker's RSS throughout.
func manyPartitions(cfg runConfig) (m ManyPartitions) {
	m = ManyPartitions{Partitions: cfg.many, RecordsPerPartition: cfg.manyRecords, RecordBytes: cfg.manyBytes}
	setErr := func(err error) ManyPartitions { m.Error = err.Error(); return m }
	ctx, cancel := context.WithTimeout(cfg.ctx, 2*cfg.phaseTimeout)
	defer cancel()
	var err error
	if m.RSSBeforeBytes, _, err = cfg.broker.memory(); err != nil {
		return setErr(err)
	}
	rss := startRSSSampler(cfg.broker, 50*time.Millisecond)
	defer rss.StopInto(&m.PeakRSSBytes, &m.Error)
	topic := fmt.Sprintf("bench-many-%dp", cfg.many)
	logf("%s: creating %s with %d partitions, %d records of %d bytes each", cfg.name, topic, cfg.many, cfg.manyRecords, cfg.manyBytes)
	start := time.Now()
	if err := createTopic(ctx, cfg, topic, cfg.many); err != nil {
		return setErr(err)
	}
	m.CreateSeconds = time.Since(start).Seconds()

	cl, err := producerClient(cfg, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return setErr(err)
	}
	total := int64(cfg.many * cfg.manyRecords)
	l := newLatencies(total)
	start = time.Now()
	var i int64
	for p := range cfg.many {
		for range cfg.manyRecords {
			produce(ctx, cl, l, topic, int32(p), value(i, cfg.manyBytes))
			i++
		}
	}
	err = cl.Flush(ctx)
	cl.Close()
	m.ProduceSeconds = time.Since(start).Seconds()
	if err == nil {
		err = l.err()
	}
	if err != nil {
		return setErr(fmt.Errorf("producing to %s: %w", topic, err))
	}
	got, _, d, _, _, err := consume(ctx, cfg, topic, total)
	m.ConsumeSeconds = d.Seconds()
	if err != nil {
		return setErr(err)
	}
	if got != total {
		return setErr(fmt.Errorf("read %d records from %s, produced %d", got, topic, total))
	}
	time.Sleep(2 * time.Second)
	if m.RSSAfterBytes, _, err = cfg.broker.memory(); err != nil {
		return setErr(err)
	}
	return m
}
