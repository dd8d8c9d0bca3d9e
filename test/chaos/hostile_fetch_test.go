package chaos

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Twenty connections that each pipeline sixteen 55 MB fetches of a 50 MB
// partition would make a node that reads every fetch's records at once hold
// 16 GB. The node's fetch memory (CHRONIK_FETCH_RESPONSE_BUDGET, 256 MiB)
// bounds what it holds: fetches past it are answered at once, throttled.
// A kgo consumer reads the topic to its end during the attack, and a round
// trip works after it.
// Bound: peak RSS under 1.5 GiB (the node is killed at 4 GiB, which a node
// without the bound passes within a second). Measured: 712 to 1012 MiB.
// RSS is about 130 MiB plus 3 to 4 times the fetch memory, not once: each
// response's records are copied into the connection's write buffer
// (pooled), and the garbage of responses already written waits for the
// collector (GOGC); with 64 MiB of fetch memory the peak is 389 MiB, with
// 1 MiB 137 MiB.
func TestHostilePipelinedFetches(t *testing.T) {
	const (
		records   = 56
		valueSize = 900_000
		conns     = 20
		pipeline  = 16
		bound     = 1536 << 20
		kill      = 4 << 30
	)
	s := newServer(t, t.TempDir(), "64MB")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	produceIncompressible(ctx, t, s.addr(), "big", records, valueSize)

	peakOf, killed := s.watchAndKill(kill)

	// A consumer during the attack.
	consumed := make(chan error, 1)
	go func() { consumed <- consumeAll(ctx, s.addr(), "big", records) }()

	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = -1, 500, 1, 55<<20
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "big"
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 55 << 20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	frame := rawFrame(req, 11)

	var (
		wg                        sync.WaitGroup
		mu                        sync.Mutex
		answered, full, throttled int
		attackErr                 error
	)
	for range conns {
		c := dialServer(t, s)
		wg.Go(func() {
			for range pipeline {
				if _, err := c.Write(frame); err != nil {
					mu.Lock()
					attackErr = errors.Join(attackErr, err)
					mu.Unlock()
					return
				}
			}
			for range pipeline {
				thr, size, err := readFetch(c, 60*time.Second)
				mu.Lock()
				switch {
				case err != nil:
					attackErr = errors.Join(attackErr, err)
				default:
					answered++
					if thr > 0 {
						throttled++
					}
					if size > 40<<20 {
						full++
					}
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if killed() {
		t.Fatalf("node killed at %d MiB of RSS", peakOf()>>20)
	}
	if err := <-consumed; err != nil {
		t.Errorf("consumer during the attack: %v", err)
	}
	if err := consumeAll(ctx, s.addr(), "big", records); err != nil {
		t.Errorf("consumer after the attack: %v", err)
	}
	if err := s.roundTrip(ctx); err != nil {
		t.Errorf("round trip after the attack: %v", err)
	}
	peak := peakOf()
	t.Logf("%d of %d pipelined fetches answered: %d with about the whole partition, %d throttled; peak RSS %d MiB",
		answered, conns*pipeline, full, throttled, peak>>20)
	if killed() {
		t.Fatalf("node killed at %d MiB of RSS", peak>>20)
	}
	if attackErr != nil {
		t.Errorf("attacking connections: %v", attackErr)
	}
	if answered != conns*pipeline {
		t.Errorf("%d of %d fetches answered", answered, conns*pipeline)
	}
	if peak > bound {
		t.Fatalf("peak RSS %d MiB, bound %d MiB", peak>>20, bound>>20)
	}
}

// produceIncompressible writes n records of size random bytes to topic.
func produceIncompressible(ctx context.Context, t *testing.T, addr, topic string, n, size int) {
	t.Helper()
	cl := newClient(t, addr, kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	defer cl.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for range n {
		v := make([]byte, size)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// consumeAll reads topic from its start until it has n records.
func consumeAll(ctx context.Context, addr, topic string, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	got := 0
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return errors.Join(err, errors.New("consumer did not reach the end"))
		}
		fs.EachError(func(_ string, _ int32, err error) { _ = err })
		got += fs.NumRecords()
	}
	return nil
}

// readFetch reads one Fetch v11 response frame and returns its
// throttle_time_ms and size.
func readFetch(c net.Conn, d time.Duration) (throttle int32, size int64, err error) {
	_ = c.SetReadDeadline(time.Now().Add(d))
	var head [12]byte // size, correlation id, throttle_time_ms
	if _, err := io.ReadFull(c, head[:]); err != nil {
		return 0, 0, err
	}
	size = int64(binary.BigEndian.Uint32(head[0:4]))
	throttle = int32(binary.BigEndian.Uint32(head[8:12]))
	_, err = io.CopyN(io.Discard, c, size-8)
	return throttle, size, err
}
