package chaos

// A hostile client against the group coordinator: offset commits with huge
// metadata to many groups, joins with huge protocol metadata, and a flood of
// joins without a member id. Each is refused with Kafka's error (or the
// documented one), the node keeps serving produce and consume during and
// after, and its memory stays bounded.

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// hostileGroupBound is the peak RSS the node may reach under the attack
// below. Unbounded, the attack makes the node keep about 200 MiB of offset
// metadata and 80 MiB of member metadata (and write both to its metadata
// store); bounded, the node holds only the request being read.
const hostileGroupBound = 300 << 20

func TestHostileGroupBloat(t *testing.T) {
	s := newServer(t, t.TempDir(), "64MB")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := newClient(t, s.addr(), kgo.RequestTimeoutOverhead(30*time.Second))
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "victim"); err != nil {
		t.Fatal(err)
	}
	base := s.rssBytes()
	peak := s.watchRSS()

	// Normal clients keep going during the attack.
	var wg sync.WaitGroup
	during := make(chan error, 1)
	attackDone := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if err := s.roundTrip(ctx); err != nil {
				during <- err
				return
			}
			select {
			case <-attackDone:
				during <- nil
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	// 1. 200 groups, each committing an offset with 1 MiB of metadata.
	start := time.Now()
	md := string(make([]byte, 1<<20))
	wrong := 0
	for i := 0; i < 200; i++ {
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Group, req.Generation = fmt.Sprintf("bloat-%d", i), -1
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = "victim"
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.Metadata = 0, 1, &md
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != kerr.OffsetMetadataTooLarge.Code {
			if wrong++; wrong == 1 {
				t.Errorf("commit %d with 1 MiB of metadata: %v, want OFFSET_METADATA_TOO_LARGE", i, kerr.ErrorForCode(code))
			}
		}
	}
	t.Logf("200 commits of 1 MiB metadata in %v, %d not refused", time.Since(start), wrong)

	// 2. 40 groups, each joined by a member with 2 MiB of protocol metadata
	// (JoinGroup v3, from a client speaking Kafka 2.1: no member id round
	// trip), four at a time: above group.member.metadata.max.bytes (1 MiB),
	// below what the listener admits for a JoinGroup frame (about 2.4 MB).
	old := newClient(t, s.addr(), kgo.MaxVersions(kversion.V2_1_0()), kgo.RequestTimeoutOverhead(30*time.Second))
	defer old.Close()
	start = time.Now()
	meta := make([]byte, 2<<20)
	var jwg sync.WaitGroup
	errs := make(chan error, 40) // one per join at most
	for w := 0; w < 4; w++ {
		jwg.Add(1)
		go func() {
			defer jwg.Done()
			for i := w; i < 40; i += 4 {
				rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
				resp, err := fatJoin(i, meta).RequestWith(rctx, old)
				rcancel()
				switch {
				case err != nil:
					errs <- fmt.Errorf("join %d: %w", i, err)
				case resp.ErrorCode != kerr.MessageTooLarge.Code:
					errs <- fmt.Errorf("join %d with 2 MiB of metadata: %v, want MESSAGE_TOO_LARGE", i, kerr.ErrorForCode(resp.ErrorCode))
				}
			}
		}()
	}
	jwg.Wait()
	close(errs)
	wrong = 0
	for err := range errs {
		if wrong++; wrong == 1 {
			t.Error(err)
		}
	}
	t.Logf("40 joins with 2 MiB of metadata in %v, %d not refused", time.Since(start), wrong)

	// A JoinGroup of 8 MiB is more than the listener admits for that key
	// (its decoded size would pass the in-flight budget): the connection is
	// closed after the frame's size, before its body is read.
	start = time.Now()
	if err := refusedUnread(s.addr(), fatJoin(0, make([]byte, 8<<20))); err != nil {
		t.Error(err)
	}
	t.Logf("an 8 MiB JoinGroup closed its connection in %v", time.Since(start))

	// 3. 20,000 joins without a member id to one group: only
	// group.max.size (1000) member ids are handed out.
	start = time.Now()
	required, full := 0, 0
	for i := 0; i < 20000; i++ {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Version = 5
		req.Group, req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = "flood", 1800000, 1800000
		req.ProtocolType = "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0}
		req.Protocols = append(req.Protocols, p)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("flood join %d: %v", i, err)
		}
		switch resp.ErrorCode {
		case kerr.MemberIDRequired.Code:
			required++
		case kerr.GroupMaxSizeReached.Code:
			full++
		default:
			t.Errorf("flood join %d: %v", i, kerr.ErrorForCode(resp.ErrorCode))
		}
	}
	t.Logf("20000 joins without a member id in %v: %d member ids handed out, %d refused", time.Since(start), required, full)
	if required != 1000 {
		t.Errorf("%d member ids handed out, want group.max.size (1000)", required)
	}

	close(attackDone)
	wg.Wait()
	if err := <-during; err != nil {
		t.Fatalf("round trip during the attack: %v", err)
	}
	if err := s.roundTrip(ctx); err != nil {
		t.Fatalf("round trip after the attack: %v", err)
	}
	p := peak()
	after := s.rssBytes()
	t.Logf("RSS: %d MiB before, peak %d MiB, %d MiB after (bound %d MiB)", base>>20, p>>20, after>>20, hostileGroupBound>>20)
	if p > hostileGroupBound {
		t.Errorf("peak RSS %d MiB above the bound %d MiB", p>>20, hostileGroupBound>>20)
	}
	s.stop()
}

// fatJoin is a JoinGroup v3 of group fat-<i> whose one protocol carries meta.
func fatJoin(i int, meta []byte) *kmsg.JoinGroupRequest {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version = 3
	req.Group, req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = fmt.Sprintf("fat-%d", i), 30000, 30000
	req.ProtocolType = "consumer"
	p := kmsg.NewJoinGroupRequestProtocol()
	p.Name, p.Metadata = "range", meta
	req.Protocols = append(req.Protocols, p)
	return req
}

// refusedUnread sends req on a fresh connection and expects the broker to
// close it within 10 s without an answer.
func refusedUnread(addr string, req kmsg.Request) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("hostile")).AppendRequest(nil, req, 1)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.Write(frame) // the broker may close before all of it is written
	var b [1]byte
	n, err := c.Read(b[:])
	if n > 0 {
		return fmt.Errorf("%s of %d bytes was answered; want the connection closed unread", kmsg.NameForKey(req.Key()), len(frame))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return fmt.Errorf("%s of %d bytes: the connection stayed open 10 s; want it closed unread", kmsg.NameForKey(req.Key()), len(frame))
	}
	return nil
}
