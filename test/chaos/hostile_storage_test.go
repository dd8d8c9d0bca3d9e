package chaos

// Process-level tests of storage abuse: a client that makes the node hold
// thousands of segment files must not exhaust its open-file limit, and the
// node must restart over what it left.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newLimitedServer starts a node like newServer, with its open-file limit
// (soft and hard) set to nofile by prlimit(1), which execs the server in
// place; restarts keep the limit.
func newLimitedServer(t *testing.T, nofile int, walRotation string, env ...string) *server {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit(1) is not installed")
	}
	s := prepareServer(t, t.TempDir(), walRotation, env...)
	s.wrap = []string{prlimit, fmt.Sprintf("--nofile=%d:%d", nofile, nofile)}
	s.start()
	return s
}

// checkDataFiles fails the test when data, a count of files open under the
// data directory (when says when), is above what a node whose open-file
// limit is nofile may hold: half of the limit for segment files, plus the
// WAL, the locks, pebble and a few files opened for a moment.
func checkDataFiles(t *testing.T, data, nofile int, when string) {
	t.Helper()
	if bound := nofile/2 + 40; data > bound {
		t.Fatalf("%d files under the data directory open %s, want at most %d", data, when, bound)
	}
}

// checkPeakRSS fails the test when the peak RSS is above bound, and logs it.
func checkPeakRSS(t *testing.T, peak, bound int64) {
	t.Helper()
	if peak > bound {
		t.Fatalf("peak RSS %d MiB, want under %d MiB", peak>>20, bound>>20)
	}
	t.Logf("peak RSS %d MiB", peak>>20)
}

// restartLimited stops the node and starts it again under its open-file
// limit of nofile, logs how long that took and the descriptors it then
// holds, and checks those under the data directory with checkDataFiles.
func (s *server) restartLimited(nofile int) {
	s.t.Helper()
	s.stop()
	began := time.Now()
	s.start()
	s.t.Logf("restarted in %v", time.Since(began).Round(time.Millisecond))
	all, data := s.openFiles()
	s.t.Logf("after restart: %d descriptors, %d under the data directory", all, data)
	checkDataFiles(s.t, data, nofile, "after restart")
}

// openFiles counts the server's open descriptors: all, and those of files
// under its data directory.
func (s *server) openFiles() (all, data int) {
	s.t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		s.t.Fatalf("listing the server's descriptors: %v", err)
	}
	abs, _ := filepath.Abs(s.dir)
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue
		}
		all++
		if strings.HasPrefix(target, abs+"/") {
			data++
		}
	}
	return all, data
}

// TestHostileTinySegments: a topic with segment.bytes=14 makes every
// produced batch a segment of its own. Under an open-file limit of 256 the
// node writes 1,500 of them, keeps its descriptors bounded (half the limit
// goes to segment files), serves every record back byte for byte and a
// normal round trip, restarts over the 1,500 segments within the start-up
// timeout, and serves them again. RSS stays under 512 MiB.
func TestHostileTinySegments(t *testing.T) {
	const (
		nofile  = 256
		records = 1500
		rssMax  = 512 << 20
	)
	s := newLimitedServer(t, nofile, "1MB")
	stopRSS := s.watchRSS()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cl := newClient(t, s.addr(), kgo.DefaultProduceTopic("tiny"),
		kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RecordDeliveryTimeout(30*time.Second))
	defer cl.Close()
	tiny := "14"
	resp, err := kadm.NewClient(cl).CreateTopics(ctx, 3, 1, map[string]*string{"segment.bytes": &tiny}, "tiny")
	if err != nil || resp["tiny"].Err != nil {
		t.Fatalf("creating the topic: %v %v", err, resp["tiny"].Err)
	}

	peakFiles, peakData := 0, 0
	sample := func() {
		all, data := s.openFiles()
		peakFiles, peakData = max(peakFiles, all), max(peakData, data)
	}
	for i := range records {
		r := &kgo.Record{Partition: int32(i % 3), Value: []byte(fmt.Sprintf("record-%05d", i))}
		if err := produceWithin(ctx, cl, r, time.Minute); err != nil {
			t.Fatalf("producing record %d: %v", i, err)
		}
		if i%100 == 0 {
			sample()
		}
		if i == records/2 {
			if err := s.roundTrip(ctx); err != nil {
				t.Fatalf("round trip while segments pile up: %v", err)
			}
		}
	}
	sample()
	segs, _ := filepath.Glob(filepath.Join(s.dir, "logs", "partitions", "tiny-*", "*.log"))
	t.Logf("%d segment files; peak %d descriptors, %d of them under the data directory", len(segs), peakFiles, peakData)
	if len(segs) < records-3 {
		t.Fatalf("only %d segment files; the test wants one per record", len(segs))
	}
	checkDataFiles(t, peakData, nofile, "at once")
	checkTiny(ctx, t, s, records)
	if err := s.roundTrip(ctx); err != nil {
		t.Fatalf("round trip after the segments: %v", err)
	}
	checkPeakRSS(t, stopRSS(), rssMax)

	// Restart over 1,500 segments with the same limit.
	s.restartLimited(nofile)
	checkTiny(ctx, t, s, records)
	if err := s.roundTrip(ctx); err != nil {
		t.Fatalf("round trip after restart: %v", err)
	}
	s.stop()
}

// checkTiny consumes topic tiny from the start and checks every record.
func checkTiny(ctx context.Context, t *testing.T, s *server, records int) {
	t.Helper()
	cl := newClient(t, s.addr(), kgo.ConsumeTopics("tiny"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	seen := make(map[string]bool, records)
	for len(seen) < records {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(seen), records, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		for _, r := range fs.Records() {
			want := fmt.Sprintf("record-%05d", r.Offset*3+int64(r.Partition))
			if string(r.Value) != want {
				t.Fatalf("partition %d offset %d holds %q, want %q", r.Partition, r.Offset, r.Value, want)
			}
			seen[want] = true
		}
	}
}

// produceWithin produces r and waits at most d for the answer: a node that
// never answers fails the test instead of hanging it.
func produceWithin(ctx context.Context, cl *kgo.Client, r *kgo.Record, d time.Duration) error {
	done := make(chan error, 1)
	cl.Produce(ctx, r, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("no answer in %v: the node hangs", d)
	}
}

// TestHostileManyPartitions: with the partition limits raised, one
// CreateTopics of 10,000 partitions under an open-file limit of 256 (each
// partition holds an active segment) succeeds, every partition takes a
// record, the node keeps its descriptors bounded, restarts over the 10,000
// partitions and serves them. With the default limits the same request is
// refused (test/e2e TestPartitionLimits).
func TestHostileManyPartitions(t *testing.T) {
	const (
		nofile     = 256
		partitions = 10000
		rssMax     = 768 << 20
	)
	s := newLimitedServer(t, nofile, "64MB", "CHRONIK_MAX_PARTITIONS_PER_REQUEST=20000", "CHRONIK_MAX_PARTITIONS=20000")
	stopRSS := s.watchRSS()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cl := newClient(t, s.addr(), kgo.DefaultProduceTopic("wide"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RecordDeliveryTimeout(2*time.Minute),
		// Creating 10,000 partitions can take longer than a request's
		// default timeout on a loaded machine; a retry would then find the
		// topic made by the first try.
		kgo.RequestTimeoutOverhead(5*time.Minute))
	defer cl.Close()
	began := time.Now()
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopics(ctx, partitions, 1, nil, "wide")
	if err == nil && errors.Is(resp["wide"].Err, kerr.TopicAlreadyExists) {
		// A retry of a creation that took too long: check the first try's.
		td, derr := adm.ListTopics(ctx, "wide")
		if derr == nil && len(td["wide"].Partitions) == partitions {
			resp["wide"] = kadm.CreateTopicResponse{Topic: "wide"}
		}
	}
	if err != nil || resp["wide"].Err != nil {
		t.Fatalf("creating 10,000 partitions: %v %v", err, resp["wide"].Err)
	}
	t.Logf("created %d partitions in %v", partitions, time.Since(began).Round(time.Millisecond))
	peak := 0
	began = time.Now()
	for from := 0; from < partitions; from += 1000 {
		recs := make([]*kgo.Record, 0, 1000)
		for p := from; p < from+1000; p++ {
			recs = append(recs, &kgo.Record{Partition: int32(p), Value: []byte(fmt.Sprintf("p%05d", p))})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("producing to partitions %d..%d: %v", from, from+999, err)
		}
		_, data := s.openFiles()
		peak = max(peak, data)
	}
	t.Logf("one record to each partition in %v; peak %d files open under the data directory", time.Since(began).Round(time.Millisecond), peak)
	checkDataFiles(t, peak, nofile, "at once")
	if err := s.roundTrip(ctx); err != nil {
		t.Fatalf("round trip with 10,000 partitions: %v", err)
	}
	checkPeakRSS(t, stopRSS(), rssMax)

	// Restart over 10,000 partitions with the same limit.
	s.restartLimited(nofile)
	// Read a spread of partitions back.
	offsets := map[int32]kgo.Offset{}
	for p := int32(0); p < partitions; p += 97 {
		offsets[p] = kgo.NewOffset().AtStart()
	}
	rd := newClient(t, s.addr(), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"wide": offsets}))
	defer rd.Close()
	rctx, rcancel := context.WithTimeout(ctx, time.Minute)
	defer rcancel()
	for seen := map[int32]bool{}; len(seen) < len(offsets); {
		fs := rd.PollFetches(rctx)
		if err := rctx.Err(); err != nil {
			t.Fatalf("read back %d of %d partitions: %v", len(seen), len(offsets), err)
		}
		for _, r := range fs.Records() {
			if want := fmt.Sprintf("p%05d", r.Partition); string(r.Value) != want {
				t.Fatalf("partition %d holds %q", r.Partition, r.Value)
			}
			seen[r.Partition] = true
		}
	}
	if err := s.roundTrip(ctx); err != nil {
		t.Fatalf("round trip after restart: %v", err)
	}
	s.stop()
}
