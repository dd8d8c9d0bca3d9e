package main

// What the SQL and search sections share: a Chronik node reached over
// Kafka and its unified HTTP API, producing numbered JSON records (paced
// or not), turning a sink's topic config on, waiting for a sink's lag in
// GET /admin/status, comparing produce throughput with and without a sink,
// and measuring the delay from ack to visible in a sink's answers.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// node is the Chronik node a section measures.
type node struct {
	ctx      context.Context // ends when the broker process exits
	seeds    []string
	httpAddr string
	http     *http.Client
	broker   proc
	parts    int           // partitions of every topic the section creates
	sealWait time.Duration // how long to wait for a sink to catch up
}

// recordFunc returns the value of the record with the given id. The value
// starts with {"id":<id>, (recordID reads it back).
type recordFunc func(id int64) []byte

func (nd node) createTopic(adm *kadm.Client, topic string, configs map[string]string) error {
	var cs map[string]*string
	for k, v := range configs {
		if cs == nil {
			cs = map[string]*string{}
		}
		cs[k] = kadm.StringPtr(v)
	}
	resp, err := adm.CreateTopic(nd.ctx, int32(nd.parts), 1, cs, topic)
	if err == nil && resp.Err != nil {
		err = fmt.Errorf("%w %s", resp.Err, resp.ErrMessage)
	}
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	return nil
}

// setConfig sets one topic config with IncrementalAlterConfigs.
func (nd node) setConfig(adm *kadm.Client, topic, name, value string) error {
	resp, err := adm.AlterTopicConfigs(nd.ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: name, Value: kadm.StringPtr(value)}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		return fmt.Errorf("setting %s=%s on %s: %w", name, value, topic, err)
	}
	return nil
}

// produce produces n records with ids from first on, as fast as the
// producer goes, or paced at rate records/s (0: unpaced). onAck, if set, is
// called from the promise of every record that succeeded. The first record
// warms the client up and is not timed.
func (nd node) produce(topic string, first, n int64, rate float64, value recordFunc, onAck func(*kgo.Record)) (time.Duration, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(nd.seeds...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedBytes(32<<20), kgo.MaxBufferedRecords(1_000_000),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx := nd.ctx
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: value(first)}).FirstErr(); err != nil {
		return 0, fmt.Errorf("warm-up record: %w", err)
	}
	var errs atomic.Int64
	var firstErr atomic.Value
	promise := func(r *kgo.Record, err error) {
		if err != nil {
			if errs.Add(1) == 1 {
				firstErr.Store(err)
			}
			return
		}
		if onAck != nil {
			onAck(r)
		}
	}
	start := time.Now()
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Millisecond)
		defer tick.Stop()
	}
	for i := int64(1); i < n && ctx.Err() == nil; {
		due := n
		if tick != nil {
			select {
			case <-ctx.Done():
				continue
			case now := <-tick.C:
				due = min(n, int64(now.Sub(start).Seconds()*rate)+1)
			}
		}
		for ; i < due; i++ {
			r := &kgo.Record{Value: value(first + i)}
			r.Timestamp = time.Now()
			cl.Produce(ctx, r, promise)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	d := time.Since(start)
	if errs.Load() > 0 {
		return d, fmt.Errorf("%d records failed, first: %v", errs.Load(), firstErr.Load())
	}
	return d, ctx.Err()
}

// ProduceCompare is produce throughput to topics without and with a sink.
type ProduceCompare struct {
	Records        int64   `json:"records"` // on each side
	PlainRecsPerS  float64 `json:"plain_records_per_s"`
	SinkRecsPerS   float64 `json:"sink_records_per_s"`
	PlainCPUPerGB  float64 `json:"plain_broker_cpu_s_per_gb,omitempty"`
	SinkCPUPerGB   float64 `json:"sink_broker_cpu_s_per_gb,omitempty"` // while producing, the sink's work included
	SinkWaitSecond float64 `json:"sink_wait_seconds"`                  // after producing, until the sink caught up
}

// compareProduce produces perSide records to topics without the sink's
// configs and as many to topics with them, in the order without, with,
// with, without (half of a side's records each), so that neither side gets all of the first topic's
// warm-up or of the machine's drift; each side's rate is its records over
// its total time. After each topic with the sink, it waits until the sink
// caught up, so that its work is not left to the next topic. An untimed
// topic without the sink goes first.
func (nd node) compareProduce(adm *kadm.Client, prefix, sink string, configs map[string]string, perSide int64, recordBytes int, value recordFunc) (*ProduceCompare, error) {
	each := perSide / 2
	c := &ProduceCompare{Records: 2 * each}
	// An untimed topic first: the node's first topic (and the client's
	// first connection) pays for warm-ups neither side should get.
	warm := prefix + "_warmup"
	if err := nd.createTopic(adm, warm, nil); err != nil {
		return nil, err
	}
	if _, err := nd.produce(warm, 0, min(each, 100_000), 0, value, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", warm, err)
	}
	var took [2]time.Duration
	var cpu [2]float64
	for i, with := range []bool{false, true, true, false} {
		side, topic, cfgs := 0, fmt.Sprintf("%s_plain_%d", prefix, i), map[string]string(nil)
		if with {
			side, topic, cfgs = 1, fmt.Sprintf("%s_%s_%d", prefix, sink, i), configs
		}
		if err := nd.createTopic(adm, topic, cfgs); err != nil {
			return nil, err
		}
		cpu0, _ := nd.broker.cpuSeconds()
		d, err := nd.produce(topic, 0, each, 0, value, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", topic, err)
		}
		cpu1, _ := nd.broker.cpuSeconds()
		took[side] += d
		cpu[side] += cpu1 - cpu0
		logf("%s: %s: %.1f MB/s", prefix, topic, rate(float64((each-1)*int64(recordBytes))/1e6, d))
		if with {
			t0 := time.Now()
			if err := nd.waitIndexed(sink, topic, each, false); err != nil {
				return nil, err
			}
			c.SinkWaitSecond += time.Since(t0).Seconds()
		}
	}
	// The warm-up record of each topic is not timed.
	timed := 2 * (each - 1)
	c.PlainRecsPerS, c.SinkRecsPerS = rate(float64(timed), took[0]), rate(float64(timed), took[1])
	c.PlainCPUPerGB = perGB(cpu[0], timed*int64(recordBytes))
	c.SinkCPUPerGB = perGB(cpu[1], timed*int64(recordBytes))
	return c, nil
}

// Ratio is the throughput with the sink over without.
func (c *ProduceCompare) Ratio() float64 {
	if c == nil || c.PlainRecsPerS == 0 {
		return 0
	}
	return c.SinkRecsPerS / c.PlainRecsPerS
}

// CatchUp is a sink catching up on a topic produced before it was on.
type CatchUp struct {
	Records        int64   `json:"records"`
	ProduceSeconds float64 `json:"produce_seconds"`
	LagZeroSeconds float64 `json:"lag_zero_seconds"` // from the config change until lag 0
	CountSeconds   float64 `json:"count_seconds"`    // from the config change until the count answered Records
	RecordsPerSec  float64 `json:"records_per_s"`    // Records / LagZeroSeconds
	Count          int64   `json:"count"`
	// The broker's CPU from the config change until lag 0.
	BrokerCPUSeconds float64 `json:"broker_cpu_seconds,omitempty"`
}

// CPUMsPerRecord is the broker's CPU time per record caught up.
func (c *CatchUp) CPUMsPerRecord() float64 {
	if c == nil || c.Records == 0 {
		return 0
	}
	return 1000 * c.BrokerCPUSeconds / float64(c.Records)
}

// catchUp produces rows records to topic (created with configs, without the
// sink), turns the sink on by setting on=true, times the sink's lag to 0,
// then asks count for the number of records the sink answers for.
func (nd node) catchUp(adm *kadm.Client, sink, on, topic string, configs map[string]string, rows int64, value recordFunc,
	count func(ctx context.Context) (int64, error)) (*CatchUp, error) {
	if err := nd.createTopic(adm, topic, configs); err != nil {
		return nil, err
	}
	d, err := nd.produce(topic, 0, rows, 0, value, nil)
	if err != nil {
		return nil, err
	}
	c := &CatchUp{Records: rows, ProduceSeconds: d.Seconds()}
	logf("%s: produced %d records to %s in %.1f s; turning %s on", sink, rows, topic, d.Seconds(), on)
	cpu0, _ := nd.broker.cpuSeconds()
	if err := nd.setConfig(adm, topic, on, "true"); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := nd.waitIndexed(sink, topic, rows, false); err != nil {
		return nil, err
	}
	c.LagZeroSeconds = time.Since(start).Seconds()
	cpu1, _ := nd.broker.cpuSeconds()
	c.BrokerCPUSeconds = cpu1 - cpu0
	c.RecordsPerSec = rate(float64(c.Records), time.Duration(c.LagZeroSeconds*float64(time.Second)))
	if c.Count, err = count(nd.ctx); err != nil {
		return nil, err
	}
	c.CountSeconds = time.Since(start).Seconds()
	if c.Count != c.Records {
		return c, fmt.Errorf("the count answered %d, want %d", c.Count, c.Records)
	}
	return c, nil
}

// indexEntry is one (sink, partition) of /admin/status's "indexing".
type indexEntry struct {
	Sink          string `json:"sink"`
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	Indexed       int64  `json:"indexed_offset"`
	Durable       int64  `json:"durable_offset"`
	HighWatermark int64  `json:"high_watermark"`
	LagRecords    int64  `json:"lag_records"`
}

// indexing returns the sink's entries of the topic in GET /admin/status.
func (nd node) indexing(sink, topic string) ([]indexEntry, error) {
	var st struct {
		Indexing []indexEntry `json:"indexing"`
	}
	if _, err := nd.call(nd.ctx, http.MethodGet, "/admin/status", nil, &st); err != nil {
		return nil, err
	}
	var out []indexEntry
	for _, e := range st.Indexing {
		if e.Topic == topic && e.Sink == sink {
			out = append(out, e)
		}
	}
	return out, nil
}

// caughtUp reports whether every one of parts partitions is indexed up to
// the end of want records in all, and, with sealed, saved up to it too.
func caughtUp(es []indexEntry, parts int, want int64, sealed bool) bool {
	if len(es) != parts {
		return false
	}
	var hw int64
	for _, e := range es {
		if e.LagRecords != 0 || e.Indexed < e.HighWatermark || (sealed && e.Durable < e.HighWatermark) {
			return false
		}
		hw += e.HighWatermark
	}
	return hw >= want
}

// waitIndexed polls /admin/status every 20 ms until the topic's records
// (want in all) are indexed by the sink, or with sealed saved by it too,
// for at most nd.sealWait.
func (nd node) waitIndexed(sink, topic string, want int64, sealed bool) error {
	deadline := time.Now().Add(nd.sealWait)
	for {
		es, err := nd.indexing(sink, topic)
		if err != nil {
			return err
		}
		if caughtUp(es, nd.parts, want, sealed) {
			return nil
		}
		if time.Now().After(deadline) {
			what := "indexed"
			if sealed {
				what = "saved (is the sink's seal age small?)"
			}
			return fmt.Errorf("%s: not every record %s by the %s sink after %s: %+v", topic, what, sink, nd.sealWait, es)
		}
		if err := sleep(nd.ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// call sends body (JSON-encoded unless nil) to the node's HTTP API and
// decodes a 200 answer into out (numbers as json.Number); it returns the
// answer's bytes.
func (nd node) call(ctx context.Context, method, path string, body, out any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+nd.httpAddr+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := nd.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return data, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Freshness is the delay from ack to visible in a sink's answers.
type Freshness struct {
	TargetMBps   float64     `json:"target_mb_per_s"`
	AchievedMBps float64     `json:"achieved_mb_per_s"`
	Records      int64       `json:"records"`
	Samples      int         `json:"samples"`
	Unseen       int         `json:"unseen"` // samples no answer covered before the end
	Polls        int         `json:"polls"`
	PollMs       Percentiles `json:"poll_ms"` // how long each poll took
	Delay        Percentiles `json:"delay"`
}

// freshRun is one freshness measurement: records paced at mbps to topic
// (which the sink indexes), the ack time of every sampleEvery-th id kept,
// while poll is called back to back; it answers each partition's highest
// id that the sink shows. tail bounds the wait, after the producer is done,
// for an answer covering every partition's last acknowledged id.
type freshRun struct {
	topic       string
	mbps        float64
	recordBytes int
	duration    time.Duration
	sampleEvery int64
	tail        time.Duration
	value       recordFunc
	poll        func(ctx context.Context) (map[int32]int64, error)
}

// ackSample is an acknowledged record of the freshness run.
type ackSample struct {
	part int32
	id   int64
	at   time.Time
}

// pollAnswer is what one poll saw: each partition's max id, when received.
type pollAnswer struct {
	at  time.Time
	max map[int32]int64
}

// freshnessDelays returns, for each sample, the time from its ack until the
// first answer received after it whose max id of the sample's partition
// covers it, and how many samples no answer covered. Both slices are in
// time order.
func freshnessDelays(samples []ackSample, answers []pollAnswer) (delays []int64, unseen int) {
	for _, s := range samples {
		i, _ := slices.BinarySearchFunc(answers, s.at, func(a pollAnswer, t time.Time) int { return a.at.Compare(t) })
		found := false
		for ; i < len(answers); i++ {
			if m, ok := answers[i].max[s.part]; ok && m >= s.id {
				delays = append(delays, int64(answers[i].at.Sub(s.at)))
				found = true
				break
			}
		}
		if !found {
			unseen++
		}
	}
	return delays, unseen
}

func (nd node) freshness(fr freshRun) (*Freshness, error) {
	ctx := nd.ctx
	recsPerSec := fr.mbps * 1e6 / float64(fr.recordBytes)
	n := int64(recsPerSec * fr.duration.Seconds())
	f := &Freshness{TargetMBps: fr.mbps}

	var mu sync.Mutex
	var samples []ackSample
	lastAcked := map[int32]int64{} // per partition, the highest id acknowledged
	onAck := func(r *kgo.Record) {
		at := time.Now()
		id, ok := recordID(r.Value)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lastAcked[r.Partition] = max(lastAcked[r.Partition], id)
		if id%fr.sampleEvery == 0 {
			samples = append(samples, ackSample{part: r.Partition, id: id, at: at})
		}
	}

	// The poller runs until the producer is done and an answer covers every
	// partition's last acknowledged id (or fr.tail after the producer
	// finished). Until its first answer, errors are expected (the sink has
	// nothing of the topic before its first record is indexed).
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	var answers []pollAnswer
	var pollMs []int64
	var pollErr error
	done := make(chan struct{})
	var produced atomic.Bool
	go func() {
		defer close(done)
		for pollCtx.Err() == nil {
			t0 := time.Now()
			m, err := fr.poll(pollCtx)
			if err != nil {
				if pollCtx.Err() == nil && len(answers) > 0 {
					pollErr = err
					return
				}
				_ = sleep(pollCtx, 10*time.Millisecond)
				continue
			}
			at := time.Now()
			pollMs = append(pollMs, int64(at.Sub(t0)))
			answers = append(answers, pollAnswer{at: at, max: m})
			if produced.Load() && covers(m, &mu, lastAcked) {
				return
			}
			_ = sleep(pollCtx, 5*time.Millisecond)
		}
	}()

	d, err := nd.produce(fr.topic, 0, n, recsPerSec, fr.value, onAck)
	if err != nil {
		stopPoll()
		<-done
		return nil, err
	}
	produced.Store(true)
	tail := time.NewTimer(fr.tail)
	defer tail.Stop()
	select {
	case <-done:
	case <-tail.C:
		stopPoll()
		<-done
	case <-ctx.Done():
		stopPoll()
		<-done
		return nil, context.Cause(ctx)
	}
	if pollErr != nil {
		return nil, pollErr
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(samples, func(a, b ackSample) int { return a.at.Compare(b.at) })
	delays, unseen := freshnessDelays(samples, answers)
	f.Records, f.Samples, f.Unseen, f.Polls = n, len(samples), unseen, len(answers)
	f.AchievedMBps = rate(float64(n-1)*float64(fr.recordBytes)/1e6, d)
	f.PollMs = percentiles(pollMs)
	f.Delay = percentiles(delays)
	if len(samples) == 0 {
		return f, errors.New("no sample was acknowledged")
	}
	return f, nil
}

// recordID reads N from a value that starts with {"id":N.
func recordID(v []byte) (int64, bool) {
	const prefix = `{"id":`
	if !bytes.HasPrefix(v, []byte(prefix)) {
		return 0, false
	}
	digits := v[len(prefix):]
	n := 0
	for n < len(digits) && n < 20 && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	id, err := strconv.ParseInt(string(digits[:n]), 10, 64)
	return id, err == nil
}

// covers reports whether an answer's max ids reach every partition's last
// acknowledged id.
func covers(m map[int32]int64, mu *sync.Mutex, last map[int32]int64) bool {
	mu.Lock()
	defer mu.Unlock()
	for p, id := range last {
		if got, ok := m[p]; !ok || got < id {
			return false
		}
	}
	return true
}
