package e2e

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A long poll returns as soon as data arrives, not at max wait.
func TestFetchLongPollWakesOnProduce(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "poll", 1, nil)
	cl := n.client()
	go func() {
		time.Sleep(300 * time.Millisecond)
		p := n.client(kgo.DefaultProduceTopic("poll"))
		_ = p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("wake")}).FirstErr()
	}()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 20000
	req.MinBytes = 1
	req.MaxBytes = 1 << 20
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "poll"
	details, err := n.admin().ListTopics(ctx(t), "poll")
	if err != nil {
		t.Fatal(err)
	}
	rt.TopicID = details["poll"].ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	start := time.Now()
	resp, err := req.RequestWith(ctx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
		t.Fatalf("fetch returned error %d and %d bytes", p.ErrorCode, len(p.RecordBatches))
	}
	if took > 10*time.Second {
		t.Fatalf("fetch took %v: it waited for max wait instead of waking on the produce", took)
	}
}

// Frames the broker cannot serve close that connection and nothing else.
func TestBadFramesCloseOnlyTheirConnection(t *testing.T) {
	n := startNode(t, "", nil)
	frames := map[string][]byte{
		"unknown_api_key":                frame(9999, 0, nil),
		"unsupported_version_of_produce": frame(0, 99, nil),
		"garbage_body":                   frame(3, 9, []byte{0xff, 0xff, 0xff}),
		"tiny_frame":                     {0, 0, 0, 2, 0, 0},
		"huge_frame":                     {0x7f, 0xff, 0xff, 0xff},
	}
	for name, f := range frames {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", n.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(f); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("connection was not closed: %v", err)
			}
		})
	}
	// KIP-511: an ApiVersions version from the future gets a v0 answer.
	c, err := net.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(frame(18, 99, nil)); err != nil {
		t.Fatal(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 0
	if err := resp.ReadFrom(body[4:]); err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 35 || len(resp.ApiKeys) == 0 {
		t.Fatalf("ApiVersions v99: error %d with %d keys, want UNSUPPORTED_VERSION and the list", resp.ErrorCode, len(resp.ApiKeys))
	}
	// The broker still serves others.
	if err := n.client().Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// frame builds a request frame with a v1 header (no tags).
func frame(key, version int16, body []byte) []byte {
	b := make([]byte, 4, 64)
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, "test"...)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func TestSaramaProduceConsume(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "sarama", 1, nil)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Compression = sarama.CompressionSnappy
	prod, err := sarama.NewSyncProducer([]string{n.addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	for i := 0; i < 50; i++ {
		_, off, err := prod.SendMessage(&sarama.ProducerMessage{Topic: "sarama", Value: sarama.StringEncoder("m")})
		if err != nil {
			t.Fatal(err)
		}
		if off != int64(i) {
			t.Fatalf("message %d got offset %d", i, off)
		}
	}
	cons, err := sarama.NewConsumer([]string{n.addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition("sarama", 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for i := 0; i < 50; i++ {
		select {
		case m := <-pc.Messages():
			if m.Offset != int64(i) || string(m.Value) != "m" {
				t.Fatalf("message %d: offset %d value %q", i, m.Offset, m.Value)
			}
		case err := <-pc.Errors():
			t.Fatal(err)
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of 50 messages consumed", i)
		}
	}
}
