package e2e

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/test/emulators"
)

// Tiering settings that make a test node upload and snapshot at once.
var fastTiering = map[string]string{
	"CHRONIK_TIER_INTERVAL_MS":              "100",
	"CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS": "100",
	"CHRONIK_OBJECT_STORE_TIMEOUT_MS":       "2000",
	"CHRONIK_TIER_OBJECT_SIZE":              "64KB",
}

func with(base map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// s3Fake serves an in-process S3 (gofakes3) with one bucket. fault, when
// set, answers every request with a 503 (1) or holds it for a while (2).
type s3Fake struct {
	srv   *httptest.Server
	fault atomic.Int32
}

func newS3(t *testing.T) *s3Fake {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("chronik"); err != nil {
		t.Fatal(err)
	}
	f := &s3Fake{}
	h := gofakes3.New(backend).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.fault.Load() {
		case 1:
			http.Error(w, "injected failure", http.StatusServiceUnavailable)
			return
		case 2:
			select {
			case <-r.Context().Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *s3Fake) env() map[string]string {
	return map[string]string{
		"S3_BUCKET": "chronik", "S3_ENDPOINT": f.srv.URL, "S3_REGION": "us-east-1",
		"S3_ACCESS_KEY": "test-access", "S3_SECRET_KEY": "test-secret-never-logged",
	}
}

func gcsEnv(t *testing.T) map[string]string {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "chronik"})
	return map[string]string{"GCS_BUCKET": "chronik", "GCS_ENDPOINT": srv.URL() + "/storage/v1/", "GCS_USE_EMULATOR": "true"}
}

func azureEnv(t *testing.T) map[string]string {
	t.Helper()
	endpoint := emulators.StartAzurite(t)
	return map[string]string{"AZURE_USE_EMULATOR": "true", "AZURE_ENDPOINT": endpoint, "AZURE_CONTAINER": "chronik", "AZURE_CREATE_CONTAINER": "true"}
}

func localEnv(t *testing.T) map[string]string {
	return map[string]string{"LOCAL_STORAGE_PATH": t.TempDir()}
}

// produceValues produces count records of about 1 KiB and returns their
// values in offset order.
func produceValues(t *testing.T, n *node, topicName string, count int) [][]byte {
	t.Helper()
	cl := n.client(kgo.DefaultProduceTopic(topicName), kgo.ProducerLinger(0), kgo.ProducerBatchMaxBytes(8<<10))
	values := make([][]byte, count)
	for i := range values {
		noise := make([]byte, 1000) // incompressible, so segments fill up
		_, _ = rand.Read(noise)
		values[i] = fmt.Appendf(nil, "%06d-%x", i, noise[:500])
	}
	for i := 0; i < count; i += 50 {
		var recs []*kgo.Record
		for _, v := range values[i:min(i+50, count)] {
			recs = append(recs, &kgo.Record{Value: v})
		}
		if err := cl.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	return values
}

// waitUploaded waits until every sealed segment is in the object store and
// returns the offset up to which the partition is remote.
func waitUploaded(t *testing.T, n *node, topicName string) int64 {
	t.Helper()
	tp := topic.Partition{Topic: topicName}
	deadline := time.Now().Add(30 * time.Second)
	for {
		segs, err := n.nd.Tiering.Segments(tp)
		if err != nil {
			t.Fatal(err)
		}
		end := n.nd.Tiering.RemoteEnd(tp)
		if active := segs[len(segs)-1].Base; active > 0 && end == active {
			return end
		}
		if time.Now().After(deadline) {
			t.Fatalf("uploads did not catch up: remote end %d, segments %+v, %+v", end, segs, n.nd.Tiering.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// localBytes sums the files of a partition's local log.
func localBytes(t *testing.T, n *node, topicName string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(filepath.Join(n.dir, "logs", "partitions", topicName+"-0"), func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted by a tiering pass meanwhile
		}
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// consumeFrom reads count records of partition 0 from offset with a plain
// (group-less) consumer and checks they are the expected values at
// contiguous offsets.
func consumeFrom(t *testing.T, n *node, topicName string, offset int64, want [][]byte) {
	t.Helper()
	cl := n.client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topicName: {0: kgo.NewOffset().At(offset)}}), kgo.FetchMaxBytes(256<<10))
	got := 0
	for got < len(want) {
		fs := cl.PollFetches(ctx(t))
		if err := fs.Err(); err != nil {
			t.Fatalf("after %d records: %v", got, err)
		}
		for _, r := range fs.Records() {
			if got < len(want) {
				if r.Offset != offset+int64(got) || !bytes.Equal(r.Value, want[got]) {
					t.Fatalf("record %d: offset %d, value %.12q; want offset %d, value %.12q", got, r.Offset, r.Value, offset+int64(got), want[got])
				}
			}
			got++
		}
	}
}

func tieredTopic(t *testing.T, n *node, name string) {
	t.Helper()
	createTopic(t, n, name, 1, map[string]*string{
		"segment.bytes":         kadm.StringPtr(strconv.Itoa(32 << 10)),
		"local.retention.bytes": kadm.StringPtr(strconv.Itoa(64 << 10)),
	})
}

// TestTieredStorage produces enough to seal and upload many segments with a
// tiny local.retention.bytes, on every backend, and reads it all back.
func TestTieredStorage(t *testing.T) {
	backends := map[string]func(t *testing.T) map[string]string{
		"local": localEnv,
		"s3":    func(t *testing.T) map[string]string { return newS3(t).env() },
		"gcs":   gcsEnv,
		"azure": azureEnv,
	}
	for name, env := range backends {
		t.Run(name, func(t *testing.T) {
			n := startNode(t, "", with(fastTiering, env(t)))
			tieredTopic(t, n, "tiered")
			values := produceValues(t, n, "tiered", 1000) // ~1 MiB: ~30 segments
			remoteEnd := waitUploaded(t, n, "tiered")
			// A pass drops the local copies once the bucket's manifest lists them.
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				lb := localBytes(t, n, "tiered")
				if lb <= 64<<10+2*(32<<10) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the local log holds %d bytes; local.retention.bytes is 64 KiB (plus the active segment and indexes)", lb)
				}
			}
			o, err := n.admin().ListStartOffsets(ctx(t), "tiered")
			if err != nil {
				t.Fatal(err)
			}
			if off, _ := o.Lookup("tiered", 0); off.Offset != 0 {
				t.Fatalf("log start offset %d, want 0: the remote tier still holds everything", off.Offset)
			}
			if remoteEnd < 500 {
				t.Fatalf("only %d of 1000 records are remote", remoteEnd)
			}
			consumeFrom(t, n, "tiered", 0, values)
			consumeFrom(t, n, "tiered", 123, values[123:200])
			if st := n.nd.Tiering.Stats(); st.RemoteReads == 0 || st.CacheMisses == 0 {
				t.Fatalf("no read went to the object store: %+v", st)
			}
		})
	}
}

// TestDisasterRecovery loses a node's disk and restores a new node on an
// empty data directory from the bucket alone.
func TestDisasterRecovery(t *testing.T) {
	s3 := newS3(t)
	env := with(fastTiering, s3.env())
	n := startNode(t, "", env)
	tieredTopic(t, n, "orders")
	createTopic(t, n, "configs-only", 3, map[string]*string{"retention.ms": kadm.StringPtr("3600000")})
	values := produceValues(t, n, "orders", 600)
	adm := n.admin()
	commit := kadm.Offsets{}
	commit.AddOffset("orders", 0, 250, -1)
	if _, err := adm.CommitOffsets(ctx(t), "billing", commit); err != nil {
		t.Fatal(err)
	}
	recoveryPoint := waitUploaded(t, n, "orders")
	before := n.nd.Tiering.Stats().Snapshots
	for n.nd.Tiering.Stats().Snapshots == before { // a snapshot taken after the commit
		time.Sleep(20 * time.Millisecond)
	}
	listed, err := adm.ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ordersID := listed["orders"].ID
	described, err := adm.DescribeTopicConfigs(ctx(t), "configs-only")
	if err != nil {
		t.Fatal(err)
	}
	// The recovery point: everything uploaded (all sealed segments) plus
	// the metadata of the last snapshot. Records of the active segment were
	// acknowledged but only on the lost disk.
	t.Logf("recovery point: offsets [0, %d) of %d, metadata of snapshot %d", recoveryPoint, len(values), before+1)

	n.close()
	if err := os.RemoveAll(n.dir); err != nil {
		t.Fatal(err)
	}

	m := startNode(t, t.TempDir(), env)
	madm := m.admin()
	topics, err := madm.ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !topics.Has("orders") || !topics.Has("configs-only") || len(topics["configs-only"].Partitions) != 3 {
		t.Fatalf("restored topics: %v", topics.Names())
	}
	if topics["orders"].ID != ordersID {
		t.Fatal("the restored topic id differs")
	}
	rc, err := madm.DescribeTopicConfigs(ctx(t), "configs-only")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := rc.On("configs-only", nil); v.Configs == nil || value(v.Configs, "retention.ms") != value(described[0].Configs, "retention.ms") || value(v.Configs, "retention.ms") != "3600000" {
		t.Fatalf("restored retention.ms = %q", value(v.Configs, "retention.ms"))
	}
	offs, err := madm.FetchOffsets(ctx(t), "billing")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup("orders", 0); !ok || o.At != 250 {
		t.Fatalf("restored committed offset: %+v, want 250", o)
	}
	consumeFrom(t, m, "orders", 0, values[:recoveryPoint])
	consumeFrom(t, m, "orders", 250, values[250:recoveryPoint])

	// New records go after every offset the old node handed out.
	cl := m.client(kgo.DefaultProduceTopic("orders"))
	r := cl.ProduceSync(ctx(t), &kgo.Record{Value: []byte("after the disaster")})
	if err := r.FirstErr(); err != nil {
		t.Fatal(err)
	}
	if off := r[0].Record.Offset; off < int64(len(values)) {
		t.Fatalf("a new record got offset %d, which the lost node had already given out (it had %d)", off, len(values))
	}
}

// TestObjectStoreFaults makes S3 fail, then hang, while clients produce:
// produce keeps working, uploads resume, and nothing is lost.
func TestObjectStoreFaults(t *testing.T) {
	s3 := newS3(t)
	n := startNode(t, "", with(fastTiering, s3.env()))
	tieredTopic(t, n, "faults")
	var values [][]byte
	for _, fault := range []int32{1, 2} {
		s3.fault.Store(fault)
		start := time.Now()
		values = append(values, produceValues(t, n, "faults", 300)...)
		if took := time.Since(start); took > 20*time.Second {
			t.Fatalf("producing while the object store is faulty took %v", took)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); n.nd.Tiering.Stats().UploadErrors == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no upload failed while S3 was failing: %+v", n.nd.Tiering.Stats())
		}
	}
	if lb := localBytes(t, n, "faults"); lb < 300<<10 {
		t.Fatalf("local log holds %d bytes; nothing may be dropped locally before it is uploaded", lb)
	}
	s3.fault.Store(0)
	waitUploaded(t, n, "faults")
	// produceValues numbers each round from 0, so check offsets and the
	// values of both rounds in order.
	consumeFrom(t, n, "faults", 0, values)
}

func value(cs []kadm.Config, key string) string {
	for _, c := range cs {
		if c.Key == key && c.Value != nil {
			return *c.Value
		}
	}
	return ""
}
