package e2e

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// roundTrip produces one record to a fresh topic and consumes it back.
func roundTrip(t *testing.T, n *node, name string) {
	t.Helper()
	createTopic(t, n, name, 1, nil)
	p := n.client(kgo.DefaultProduceTopic(name), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("v-" + name)}).FirstErr(); err != nil {
		t.Fatalf("producing to %s: %v", name, err)
	}
	if got := consumeAll(t, n, name, 1); string(got[0].Value) != "v-"+name {
		t.Fatalf("consumed %q", got[0].Value)
	}
}

// TestLongTopicNames: every legal name length near Kafka's 249 can be
// created, used, deleted, and the node restarts afterwards (on main a
// 225-244 character name, once deleted, stopped the node from starting,
// and 245-249 failed with UNKNOWN_SERVER_ERROR).
func TestLongTopicNames(t *testing.T) {
	n := startNode(t, "", nil)
	adm := n.admin()
	var names []string
	for _, l := range []int{224, 225, 240, 244, 245, 249} {
		names = append(names, strings.Repeat(string(rune('a'+l%26)), l))
	}
	for _, name := range names {
		resp, err := adm.CreateTopics(ctx(t), 2, 1, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := resp[name].Err; err != nil {
			t.Fatalf("creating a %d-character topic: %v", len(name), err)
		}
		p := n.client(kgo.DefaultProduceTopic(name), kgo.RequiredAcks(kgo.AllISRAcks()))
		if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatalf("producing to a %d-character topic: %v", len(name), err)
		}
	}
	resp, err := adm.DeleteTopics(ctx(t), names...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := resp[name].Err; err != nil {
			t.Fatalf("deleting a %d-character topic: %v", len(name), err)
		}
	}
	n.restart()
	roundTrip(t, n, "after-restart")
	// A long name can be created again after its deletion.
	createTopic(t, n, names[len(names)-1], 1, nil)
}

// TestPartitionLimits: one CreateTopics asking for 10,000 partitions is
// refused with INVALID_PARTITIONS and a message, creating nothing; so is
// the part of a Metadata request that would auto-create more than the
// per-request limit; the node keeps serving.
func TestPartitionLimits(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_MAX_PARTITIONS_PER_REQUEST": "20"})
	adm := n.admin()
	cl := n.client()

	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "huge", 10000, 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Topics[0]
	if err := kerr.ErrorForCode(got.ErrorCode); !errors.Is(err, kerr.InvalidPartitions) || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, "per request") {
		t.Fatalf("CreateTopics of 10,000 partitions: %v %v, want INVALID_PARTITIONS with a message", err, got.ErrorMessage)
	}
	if strings.Contains(*got.ErrorMessage, "/") {
		t.Errorf("error message shows a path: %q", *got.ErrorMessage)
	}
	topics, err := adm.ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("huge") {
		t.Fatal("the refused topic exists")
	}

	// Metadata auto-creating 30 topics of 1 partition: 20 are created.
	mreq := kmsg.NewPtrMetadataRequest()
	mreq.AllowAutoTopicCreation = true
	for i := range 30 {
		mt := kmsg.NewMetadataRequestTopic()
		name := fmt.Sprintf("auto-%02d", i)
		mt.Topic = &name
		mreq.Topics = append(mreq.Topics, mt)
	}
	mresp, err := mreq.RequestWith(ctx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	created, refused := 0, 0
	for _, mt := range mresp.Topics {
		switch err := kerr.ErrorForCode(mt.ErrorCode); {
		case err == nil || errors.Is(err, kerr.LeaderNotAvailable):
			created++
		case errors.Is(err, kerr.InvalidPartitions):
			refused++
		default:
			t.Fatalf("auto-creating %s: %v", *mt.Topic, err)
		}
	}
	if created != 20 || refused != 10 {
		t.Fatalf("Metadata auto-created %d topics and refused %d, want 20 and 10", created, refused)
	}
	roundTrip(t, n, "still-serving")
}

// TestDataFileModes: everything the node writes under its data directory
// is private to its user (files 0600, directories 0700), or readable by
// its group with CHRONIK_DATA_GROUP_READABLE, never by others.
func TestDataFileModes(t *testing.T) {
	for _, c := range []struct {
		name          string
		env           map[string]string
		files, dirs   fs.FileMode
		groupReadable bool
	}{
		{"private", nil, 0o600, 0o700, false},
		{"group_readable", map[string]string{"CHRONIK_DATA_GROUP_READABLE": "true"}, 0o640, 0o750, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := startNode(t, "", c.env)
			roundTrip(t, n, "modes")
			n.restart() // the metadata store flushes, the WAL rotates
			roundTrip(t, n, "modes-again")
			checked := 0
			err := filepath.WalkDir(n.dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				fi, err := d.Info()
				if err != nil {
					return err
				}
				perm := fi.Mode().Perm()
				if perm&0o007 != 0 {
					t.Errorf("%s is %v: others can use it", path, perm)
				}
				if !c.groupReadable && perm&0o070 != 0 {
					t.Errorf("%s is %v: its group can use it", path, perm)
				}
				if c.groupReadable && perm&0o020 != 0 {
					t.Errorf("%s is %v: its group can write it", path, perm)
				}
				checked++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if checked < 10 {
				t.Fatalf("only %d entries under the data directory", checked)
			}
			for _, p := range []string{"logs", "logs/wal", "logs/partitions", "meta"} {
				fi, err := os.Lstat(filepath.Join(n.dir, p))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != c.dirs {
					t.Errorf("%s is %v, want %v", p, fi.Mode().Perm(), c.dirs)
				}
			}
			if fi, err := os.Lstat(n.dir); err != nil || fi.Mode().Perm() != c.dirs {
				t.Errorf("the data directory is %v (%v), want %v", fi.Mode().Perm(), err, c.dirs)
			}
		})
	}
}

// TestTieringLongTopicName: the segments of 230- and 249-character topics reach the
// local object folder (whose folder for the topic, "<topic>-<id>", is longer
// than a file name) and read back from it once local copies are gone.
func TestTieringLongTopicName(t *testing.T) {
	n := startNode(t, "", fastTiering)
	for _, l := range []int{230, 249} {
		name := strings.Repeat(string(rune('a'+l%26)), l)
		seg, local := "65536", "1"
		createTopic(t, n, name, 1, map[string]*string{"segment.bytes": &seg, "local.retention.bytes": &local})
		values := produceValues(t, n, name, 400)
		if remote := waitUploaded(t, n, name); remote == 0 {
			t.Fatalf("%d-character topic: nothing was uploaded", l)
		}
		consumeFrom(t, n, name, 0, values)
	}
}

// TestSegmentFileMetrics: /metrics shows the segment files open and the
// opens of the handle cache.
func TestSegmentFileMetrics(t *testing.T) {
	n := startNode(t, "", nil)
	roundTrip(t, n, "metrics")
	code, body := httpGet(t, n.unifiedURL()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: HTTP %d", code)
	}
	if v := metricSum(string(body), "chronik_segment_files_open"); v < 1 {
		t.Errorf("chronik_segment_files_open = %v, want at least 1", v)
	}
	if !strings.Contains(string(body), "\nchronik_segment_file_opens_total ") {
		t.Errorf("/metrics has no chronik_segment_file_opens_total")
	}
}
