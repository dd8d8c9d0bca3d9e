package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tiering settings of TestCrashWithTieringLosesNoAcknowledgedRecord: small
// segments that go up to the bucket as they seal, and a local retention that
// keeps only two of them, so uploads and local deletions never stop.
const (
	tieredSegmentBytes        = 64 << 10
	tieredLocalRetentionBytes = 128 << 10
	tieredPartitions          = 3
	tieredMinBucketBytes      = 2 << 20
)

// TestCrashWithTieringLosesNoAcknowledgedRecord kills the node while tiering
// uploads sealed segments (a pass every 50 ms), drops the local copies and
// snapshots the metadata (every 100 ms), restarting it on the same data dir
// and the same object folder each time. Afterwards every acknowledged record
// must be read exactly once from offset 0, most of them from the object
// store. CHAOS_KILLS sets the number of kills, CHAOS_SEED the seed of the
// pauses between them.
func TestCrashWithTieringLosesNoAcknowledgedRecord(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("CHAOS_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (CHAOS_SEED=%d repeats the pauses between kills)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	dir := t.TempDir()
	bucket := filepath.Join(dir, "bucket") // outside the data dir, as a bucket would be
	s := newServer(t, dir, "1MB",
		"CHRONIK_TIER_INTERVAL_MS=50",
		"CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS=100",
		"CHRONIK_TIER_OBJECT_SIZE=64KB",
		"LOCAL_STORAGE_PATH="+bucket,
	)

	const topic = "tiered"
	adm := newClient(t, s.addr())
	segmentBytes, localRetention := strconv.Itoa(tieredSegmentBytes), strconv.Itoa(tieredLocalRetentionBytes)
	created, err := kadm.NewClient(adm).CreateTopic(context.Background(), tieredPartitions, 1,
		map[string]*string{"segment.bytes": &segmentBytes, "local.retention.bytes": &localRetention}, topic)
	if err == nil {
		err = created.Err
	}
	adm.Close()
	if err != nil {
		t.Fatal(err)
	}

	p := startProducers(t, s.addr(), topic)
	n := kills()
	for i := 0; i < n; i++ {
		pause := time.Duration(100+rng.IntN(1400)) * time.Millisecond
		time.Sleep(pause)
		s.kill()
		objects, _ := bucketObjects(t, bucket)
		t.Logf("kill %d at %s, after %v: %d objects in the bucket, local log starts %v",
			i+1, time.Now().UTC().Format("15:04:05.000"), pause, objects, localLogStarts(t, s.dir, topic))
		s.start()
	}
	// Few kills close together leave little data: produce on until the
	// bucket holds several times what local retention keeps.
	time.Sleep(500 * time.Millisecond)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, b := bucketObjects(t, bucket); b >= tieredMinBucketBytes {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after the last kill, the bucket holds less than %d bytes of record batches: tiering does not upload", tieredMinBucketBytes)
		}
	}
	p.finish(t)

	// One clean restart more, then let tiering catch up with the last
	// segments sealed and read everything back.
	s.stop()
	s.start()
	defer s.stop()
	p.report(t)

	limit := int64(tieredLocalRetentionBytes + 2*tieredSegmentBytes)
	deadline := time.Now().Add(30 * time.Second)
	for {
		big := ""
		for part := int32(0); part < tieredPartitions; part++ {
			if b := localLogBytes(t, s.dir, topic, part); b > limit {
				big = fmt.Sprintf("partition %d keeps %d bytes of segments locally (more than %d)", part, b, limit)
				break
			}
		}
		if big == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after the restart, %s: local retention does not drop what is uploaded", big)
		}
		time.Sleep(100 * time.Millisecond)
	}
	localStarts := localLogStarts(t, s.dir, topic)
	objects, objectBytes := bucketObjects(t, bucket)
	t.Logf("bucket: %d .batches objects, %d bytes; local log starts %v", objects, objectBytes, localStarts)
	if objects == 0 {
		t.Fatalf("no .batches object in %s: nothing was uploaded", bucket)
	}

	counts := verify(t, s.addr(), topic, p.results)

	cl := newClient(t, s.addr())
	defer cl.Close()
	listOffsets(t, cl, topic, (*kadm.Client).ListStartOffsets).Each(func(o kadm.ListedOffset) {
		if o.Err != nil || o.Offset != 0 {
			t.Errorf("partition %d: log start %d (%v), want 0: records were deleted", o.Partition, o.Offset, o.Err)
		}
	})
	var remote, total, localBytes int64
	for part := int32(0); part < tieredPartitions; part++ {
		start, ok := localStarts[part]
		if !ok || start == 0 {
			t.Errorf("partition %d: the lowest local segment starts at %d; nothing was read from the object store", part, start)
			continue
		}
		remote += min(start, counts[part])
		total += counts[part]
		localBytes += localLogBytes(t, s.dir, topic, part)
	}
	t.Logf("%d of %d records read were only in the object store; %d bytes of segments stay local, %d in the bucket", remote, total, localBytes, objectBytes)
	if localBytes*2 > objectBytes {
		t.Errorf("%d bytes of segments stay local against %d in the bucket: most data should be only remote", localBytes, objectBytes)
	}

	// Metadata snapshots must survive the kills too: a restore from the
	// bucket starts from the newest one, so once produce stopped it must
	// come to record every partition's end.
	want := map[int32]int64{}
	listOffsets(t, cl, topic, (*kadm.Client).ListEndOffsets).Each(func(o kadm.ListedOffset) { want[o.Partition] = o.Offset })
	deadline = time.Now().Add(10 * time.Second)
	for {
		l, err := readSnapshotPointer(bucket)
		got := map[int32]int64{}
		for _, m := range l.Partitions {
			if m.Topic == topic {
				got[m.Partition] = m.HighWatermark
			}
		}
		if err == nil && maps.Equal(got, want) {
			t.Logf("metadata snapshot %d records the high watermarks %v", l.Seq, got)
			break
		}
		if time.Now().After(deadline) {
			snaps, _ := filepath.Glob(filepath.Join(bucket, "metadata", "snapshots", "*"))
			for i := range snaps {
				snaps[i] = filepath.Base(snaps[i])
			}
			t.Errorf("10s after the last restart, metadata/latest.json names snapshot %d with high watermarks %v (%v), but the partitions end at %v: "+
				"metadata snapshots stopped (snapshot files in the bucket: %v)", l.Seq, got, err, want, snaps)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Disaster recovery after a crash: kill -9, lose the whole data
	// directory, start on an empty one with the same bucket. The recovery
	// point is each partition's remote end (what the bucket's manifests
	// list); every record below it must come back, at its offset, and new
	// offsets must start after every offset handed out before.
	before := readPartitions(t, s.addr(), topic, want)
	remoteEnds := waitRemoteEnds(t, bucket, topic, s.dir)
	s.kill()
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}
	s.start()
	after := readPartitions(t, s.addr(), topic, remoteEnds)
	for part, end := range remoteEnds {
		if end == 0 {
			t.Errorf("partition %d: nothing in the bucket to restore", part)
		}
		if !slices.Equal(after[part], before[part][:end]) {
			t.Errorf("partition %d: restored %d records; want the %d below the recovery point, as they were", part, len(after[part]), end)
		}
	}
	rcl := newClient(t, s.addr())
	defer rcl.Close()
	listOffsets(t, rcl, topic, (*kadm.Client).ListEndOffsets).Each(func(o kadm.ListedOffset) {
		if o.Offset < want[o.Partition] {
			t.Errorf("partition %d: the restored log ends at %d, below the %d offsets handed out before the crash", o.Partition, o.Offset, want[o.Partition])
		}
	})
	t.Logf("restored from the bucket alone after kill -9: recovery points %v of %v", remoteEnds, want)
}

// readPartitions reads every partition of topic from offset 0 up to
// ends[partition] and returns the values in offset order.
func readPartitions(t *testing.T, addr, topic string, ends map[int32]int64) map[int32][]string {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for part := range ends {
		offsets[part] = kgo.NewOffset().At(0)
	}
	cl := newClient(t, addr, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := map[int32][]string{}
	done := func() bool {
		for part, end := range ends {
			if int64(len(out[part])) < end {
				return false
			}
		}
		return true
	}
	for !done() {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: timed out with %d of %v", topic, len(out), ends)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("reading %s: %v", topic, errs[0].Err)
		}
		for _, r := range fs.Records() {
			if r.Offset >= ends[r.Partition] {
				continue
			}
			if r.Offset != int64(len(out[r.Partition])) {
				t.Fatalf("partition %d: offset %d where %d was expected", r.Partition, r.Offset, len(out[r.Partition]))
			}
			out[r.Partition] = append(out[r.Partition], string(r.Value))
		}
	}
	return out
}

// waitRemoteEnds waits until every sealed local segment of topic is listed
// in the bucket's manifests and returns, per partition, the offset up to
// which they hold records.
func waitRemoteEnds(t *testing.T, bucket, topic, dataDir string) map[int32]int64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ends := map[int32]int64{}
		caughtUp := true
		for part := int32(0); part < tieredPartitions; part++ {
			paths, _ := filepath.Glob(filepath.Join(bucket, "tier", topic+"-*", strconv.Itoa(int(part)), "manifest.json%o"))
			var m struct {
				Objects []struct {
					End int64 `json:"end"`
				} `json:"objects"`
			}
			if len(paths) == 1 {
				if b, err := os.ReadFile(paths[0]); err == nil {
					_ = json.Unmarshal(b, &m)
				}
			}
			if n := len(m.Objects); n > 0 {
				ends[part] = m.Objects[n-1].End
			}
			bases, _ := localSegments(t, dataDir, topic, part)
			if len(bases) == 0 || ends[part] != bases[len(bases)-1] {
				caughtUp = false // the newest sealed segment is not listed yet
			}
		}
		if caughtUp {
			return ends
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bucket's manifests do not reach the active segments after 30s: %v", ends)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// snapshotPointer is the part of the bucket's metadata/latest.json (see
// application/tiering/doc.go) that the test reads.
type snapshotPointer struct {
	Seq        int64 `json:"seq"`
	Partitions []struct {
		Topic         string `json:"topic"`
		Partition     int32  `json:"partition"`
		HighWatermark int64  `json:"high_watermark"`
	} `json:"partitions"`
}

func readSnapshotPointer(bucket string) (snapshotPointer, error) {
	var l snapshotPointer
	b, err := os.ReadFile(filepath.Join(bucket, "metadata", "latest.json%o"))
	if err != nil {
		return l, err
	}
	return l, json.Unmarshal(b, &l)
}

// partitionDir is where the node keeps a partition's segments.
func partitionDir(dataDir, topic string, part int32) string {
	return filepath.Join(dataDir, "logs", "partitions", topic+"-"+strconv.Itoa(int(part)))
}

// localSegments lists the base offsets of a partition's local segments,
// lowest first, and their total size.
func localSegments(t *testing.T, dataDir, topic string, part int32) (bases []int64, bytes int64) {
	t.Helper()
	entries, err := os.ReadDir(partitionDir(dataDir, topic, part))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok || e.IsDir() {
			continue
		}
		base, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if os.IsNotExist(err) {
			continue // dropped by local retention meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		bases = append(bases, base)
		bytes += info.Size()
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	return bases, bytes
}

func localLogBytes(t *testing.T, dataDir, topic string, part int32) int64 {
	t.Helper()
	_, b := localSegments(t, dataDir, topic, part)
	return b
}

// localLogStarts gives each partition's lowest local segment base offset.
func localLogStarts(t *testing.T, dataDir, topic string) map[int32]int64 {
	t.Helper()
	starts := map[int32]int64{}
	for part := int32(0); part < tieredPartitions; part++ {
		if bases, _ := localSegments(t, dataDir, topic, part); len(bases) > 0 {
			starts[part] = bases[0]
		}
	}
	return starts
}

// bucketObjects counts the record-batch objects in the object folder (the
// filestore names an object's file <key>%o) and their total size.
func bucketObjects(t *testing.T, root string) (n int, bytes int64) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".batches%o") {
			return nil
		}
		info, err := d.Info()
		if os.IsNotExist(err) {
			return nil // deleted by retention meanwhile
		}
		if err != nil {
			return err
		}
		n++
		bytes += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, bytes
}
