package e2e

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestTopicAdministration(t *testing.T) {
	n := startNode(t, "", nil)
	adm := n.admin()
	c := ctx(t)
	retention := "3600000"
	createTopic(t, n, "orders", 3, map[string]*string{"retention.ms": &retention})

	resp, err := adm.CreateTopics(c, 1, 1, nil, "orders")
	if err != nil || !errors.Is(resp["orders"].Err, kerr.TopicAlreadyExists) {
		t.Fatalf("creating twice: %v / %v", err, resp["orders"].Err)
	}
	for _, bad := range []string{"bad name", "..", string(make([]byte, 250))} {
		resp, _ := adm.CreateTopics(c, 1, 1, nil, bad)
		if !errors.Is(resp[bad].Err, kerr.InvalidTopicException) {
			t.Fatalf("name %q: %v, want INVALID_TOPIC_EXCEPTION", bad, resp[bad].Err)
		}
	}
	if resp, _ := adm.CreateTopics(c, 1, 3, nil, "rf3"); !errors.Is(resp["rf3"].Err, kerr.InvalidReplicationFactor) {
		t.Fatalf("replication factor 3: %v", resp["rf3"].Err)
	}
	bogus := "x"
	if resp, _ := adm.CreateTopics(c, 1, 1, map[string]*string{"no.such.config": &bogus}, "cfg"); !errors.Is(resp["cfg"].Err, kerr.InvalidConfig) {
		t.Fatalf("unknown config: %v", resp["cfg"].Err)
	}

	details, err := adm.ListTopics(c, "orders")
	if err != nil {
		t.Fatal(err)
	}
	d := details["orders"]
	if len(d.Partitions) != 3 || d.ID == [16]byte{} {
		t.Fatalf("orders: %d partitions, id %v", len(d.Partitions), d.ID)
	}

	cfgs, err := adm.DescribeTopicConfigs(c, "orders")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cfgs.On("orders", nil)
	values := map[string]kadm.Config{}
	for _, cf := range rc.Configs {
		values[cf.Key] = cf
	}
	if v := values["retention.ms"]; v.MaybeValue() != "3600000" || v.Source != 1 {
		t.Fatalf("retention.ms = %q (source %v), want 3600000 set on the topic", v.MaybeValue(), v.Source)
	}
	if v := values["cleanup.policy"]; v.MaybeValue() != "delete" {
		t.Fatalf("cleanup.policy default = %q", v.MaybeValue())
	}

	lat := "LogAppendTime"
	if _, err := adm.AlterTopicConfigs(c, []kadm.AlterConfig{{Name: "message.timestamp.type", Value: &lat}, {Op: kadm.DeleteConfig, Name: "retention.ms"}}, "orders"); err != nil {
		t.Fatal(err)
	}
	cfgs, _ = adm.DescribeTopicConfigs(c, "orders")
	rc, _ = cfgs.On("orders", nil)
	for _, cf := range rc.Configs {
		switch cf.Key {
		case "message.timestamp.type":
			if cf.MaybeValue() != "LogAppendTime" {
				t.Fatalf("message.timestamp.type = %q after alter", cf.MaybeValue())
			}
		case "retention.ms":
			if cf.MaybeValue() != "604800000" {
				t.Fatalf("retention.ms = %q after delete, want the default", cf.MaybeValue())
			}
		}
	}

	if _, err := adm.CreatePartitions(c, 2, "orders"); err != nil {
		t.Fatal(err)
	}
	details, _ = adm.ListTopics(c, "orders")
	if len(details["orders"].Partitions) != 5 {
		t.Fatalf("after CreatePartitions: %d partitions, want 5", len(details["orders"].Partitions))
	}

	if _, err := adm.DeleteTopics(c, "orders"); err != nil {
		t.Fatal(err)
	}
	details, _ = adm.ListTopics(c)
	if _, ok := details["orders"]; ok {
		t.Fatal("orders still listed after delete")
	}
	// A recreated topic starts empty.
	createTopic(t, n, "orders", 1, nil)
	ends, _ := adm.ListEndOffsets(c, "orders")
	if o, _ := ends.Lookup("orders", 0); o.Offset != 0 {
		t.Fatalf("recreated topic ends at %d", o.Offset)
	}
}

func TestOffsetsAndDeleteRecords(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "times", 1, nil)
	p := n.client(kgo.DefaultProduceTopic("times"))
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := 0; i < 10; i++ {
		r := &kgo.Record{Value: []byte(strconv.Itoa(i)), Timestamp: base.Add(time.Duration(i) * time.Minute)}
		if err := p.ProduceSync(ctx(t), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := n.admin()
	c := ctx(t)
	after, err := adm.ListOffsetsAfterMilli(c, base.Add(4*time.Minute+time.Second).UnixMilli(), "times")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := after.Lookup("times", 0); o.Offset != 5 {
		t.Fatalf("offset after minute 4: %d, want 5", o.Offset)
	}
	if _, err := adm.DeleteRecords(c, kadm.Offsets{"times": {0: {Topic: "times", Partition: 0, At: 4}}}); err != nil {
		t.Fatal(err)
	}
	starts, _ := adm.ListStartOffsets(c, "times")
	if o, _ := starts.Lookup("times", 0); o.Offset != 4 {
		t.Fatalf("start offset after DeleteRecords: %d, want 4", o.Offset)
	}
	n.restart()
	starts, _ = n.admin().ListStartOffsets(ctx(t), "times")
	if o, _ := starts.Lookup("times", 0); o.Offset != 4 {
		t.Fatalf("start offset after restart: %d, want 4", o.Offset)
	}
	got := consumeAll(t, n, "times", 6)
	if got[0].Offset != 4 {
		t.Fatalf("first consumed offset %d, want 4", got[0].Offset)
	}
}

func TestAutoCreateOnMetadata(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_DEFAULT_PARTITIONS": "2"})
	p := n.client(kgo.DefaultProduceTopic("auto"), kgo.AllowAutoTopicCreation())
	if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	details, _ := n.admin().ListTopics(ctx(t), "auto")
	if len(details["auto"].Partitions) != 2 {
		t.Fatalf("auto-created topic has %d partitions, want 2", len(details["auto"].Partitions))
	}

	off := startNode(t, "", map[string]string{"CHRONIK_AUTO_CREATE_TOPICS": "false"})
	details, _ = off.admin().ListTopics(ctx(t), "auto")
	if _, ok := details["auto"]; ok && details["auto"].Err == nil {
		t.Fatal("topic auto-created although auto-creation is off")
	}
}

// TestListOffsetsInsideABatch: a timestamp that falls inside a compressed
// batch finds the record, not the batch, as Kafka answers.
func TestListOffsetsInsideABatch(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "inbatch", 1, nil)
	p := n.client(kgo.DefaultProduceTopic("inbatch"), kgo.ProducerBatchCompression(kgo.ZstdCompression()), kgo.ProducerLinger(50*time.Millisecond))
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var recs []*kgo.Record
	for i := 0; i < 10; i++ {
		recs = append(recs, &kgo.Record{Value: []byte(strconv.Itoa(i)), Timestamp: base.Add(time.Duration(i) * time.Second)})
	}
	if err := p.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if recs[9].Offset != 9 {
		t.Fatalf("offsets %d..%d", recs[0].Offset, recs[9].Offset)
	}
	after, err := n.admin().ListOffsetsAfterMilli(ctx(t), base.Add(6*time.Second+time.Millisecond).UnixMilli(), "inbatch")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := after.Lookup("inbatch", 0); o.Offset != 7 || o.Timestamp != base.Add(7*time.Second).UnixMilli() {
		t.Fatalf("ListOffsets inside a batch: offset %d, timestamp %d; want 7 at %d", o.Offset, o.Timestamp, base.Add(7*time.Second).UnixMilli())
	}
}
