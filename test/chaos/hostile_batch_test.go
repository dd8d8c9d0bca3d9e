package chaos

// Hostile produced batches against a real process: compression bombs on
// Produce (v2 batches and legacy gzip wrappers, plain and schema-validating
// topics) and a down-conversion that amplifies stored records. The node
// must refuse the bombs with MESSAGE_TOO_LARGE, bound what one Fetch v3
// converts, keep its RSS under rssBound, and keep serving a normal round
// trip during and after.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// rssBound is the most a node that refuses the bombs may hold: about
	// 60 MiB idle, the 64 MiB of pooled chunks one decompression reads
	// before it passes the default CHRONIK_MAX_UNCOMPRESSED_BATCH_SIZE,
	// the requests themselves and the GC's headroom (measured: about
	// 140 MiB over the three cases, one process).
	rssBound = 300 << 20
	// convertRSSBound is the most a node may hold while it down-converts
	// a stored batch that decompresses to 59 MB: the decompressed records,
	// the 64 MiB of converted messages, the encoded response and the GC's
	// headroom (measured: about 520 MiB).
	convertRSSBound = 800 << 20
	// concurrentRSSBound: eight bombs at once, of which two decompress at
	// a time on two cores while the others wait (measured: 190-210 MiB).
	concurrentRSSBound = 400 << 20
	// rssKill stops a node that does not bound decompression before it
	// takes the shared machine's memory.
	rssKill = 1536 << 20
)

// rawRequest sends one non-flexible request on a new connection and reads
// its response.
func rawRequest(addr string, req kmsg.Request) (kmsg.Response, error) {
	if req.IsFlexible() {
		return nil, errors.New("rawRequest speaks non-flexible versions only")
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	buf := make([]byte, 4, 64)
	buf = binary.BigEndian.AppendUint16(buf, uint16(req.Key()))
	buf = binary.BigEndian.AppendUint16(buf, uint16(req.GetVersion()))
	buf = binary.BigEndian.AppendUint32(buf, 7)
	buf = binary.BigEndian.AppendUint16(buf, 5)
	buf = append(buf, "chaos"...)
	buf = req.AppendTo(buf)
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	if _, err := conn.Write(buf); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return nil, fmt.Errorf("reading the response size: %w", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body[4:]); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	return resp, nil
}

// produceRaw produces records (a v2 batch or a legacy set) with version v
// and returns the partition's error code and message.
func produceRaw(addr, topic string, version int16, records []byte) (int16, string, error) {
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = version, 1, 30000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = records
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := rawRequest(addr, req)
	if err != nil {
		return 0, "", fmt.Errorf("produce v%d to %s: %w", version, topic, err)
	}
	p := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
	msg := ""
	if p.ErrorMessage != nil {
		msg = *p.ErrorMessage
	}
	return p.ErrorCode, msg, nil
}

// recordHeader is a v2 record's fields before a value of n bytes (no key,
// no headers follow the value but a zero header count).
func recordHeader(offsetDelta int32, n int) []byte {
	var body []byte
	body = append(body, 0)              // attributes
	body = binary.AppendVarint(body, 0) // timestamp delta
	body = binary.AppendVarint(body, int64(offsetDelta))
	body = binary.AppendVarint(body, -1) // null key
	body = binary.AppendVarint(body, int64(n))
	bodyLen := len(body) + n + 1 // + header count
	return append(binary.AppendVarint(nil, int64(bodyLen)), body...)
}

// v2Batch frames compressed (or plain) record bytes as a batch of count
// records with codec, with a valid CRC.
func v2Batch(codec int16, count int32, records []byte) []byte {
	b := make([]byte, 61, 61+len(records))
	b = append(b, records...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
	binary.BigEndian.PutUint32(b[12:], 0xffffffff)
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:], uint16(codec))
	binary.BigEndian.PutUint32(b[23:], uint32(count-1))
	now := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint64(b[27:], now)
	binary.BigEndian.PutUint64(b[35:], now)
	binary.BigEndian.PutUint64(b[43:], 0xffffffffffffffff)
	binary.BigEndian.PutUint16(b[51:], 0xffff)
	binary.BigEndian.PutUint32(b[53:], 0xffffffff)
	binary.BigEndian.PutUint32(b[57:], uint32(count))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// zeros writes n zero bytes to w.
func zeros(w io.Writer, n int) error {
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// zstdBomb is one record whose value is n zeros, zstd-compressed.
func zstdBomb(t *testing.T, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	enc, err := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Write(recordHeader(0, n)); err == nil {
		err = zeros(enc, n)
	}
	if err == nil {
		_, err = enc.Write([]byte{0}) // header count
	}
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return v2Batch(4, 1, out.Bytes())
}

// legacyGzipBomb is a magic-1 gzip wrapper around one message whose value
// is n zeros.
func legacyGzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	// The inner message: offset, size, crc, magic, attributes, timestamp,
	// null key, value.
	head := make([]byte, 0, 34)
	head = binary.BigEndian.AppendUint64(head, 0)
	head = binary.BigEndian.AppendUint32(head, uint32(4+1+1+8+4+4+n))
	head = binary.BigEndian.AppendUint32(head, 0) // crc, below
	head = append(head, 1, 0)
	head = binary.BigEndian.AppendUint64(head, uint64(time.Now().UnixMilli()))
	head = binary.BigEndian.AppendUint32(head, 0xffffffff)
	head = binary.BigEndian.AppendUint32(head, uint32(n))
	crc := crc32.NewIEEE()
	crc.Write(head[16:])
	_ = zeros(crc, n)
	binary.BigEndian.PutUint32(head[12:], crc.Sum32())
	var inner bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&inner, gzip.BestSpeed)
	gz.Write(head)
	if err := zeros(gz, n); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	// The wrapper: its value is the compressed inner set.
	w := make([]byte, 0, 34+inner.Len())
	w = binary.BigEndian.AppendUint64(w, 0)
	w = binary.BigEndian.AppendUint32(w, uint32(4+1+1+8+4+4+inner.Len()))
	w = binary.BigEndian.AppendUint32(w, 0)
	w = append(w, 1, 1) // magic 1, gzip
	w = binary.BigEndian.AppendUint64(w, uint64(time.Now().UnixMilli()))
	w = binary.BigEndian.AppendUint32(w, 0xffffffff)
	w = binary.BigEndian.AppendUint32(w, uint32(inner.Len()))
	w = append(w, inner.Bytes()...)
	binary.BigEndian.PutUint32(w[12:], crc32.ChecksumIEEE(w[16:]))
	return w
}

// tinyRecords is a zstd batch of count records with empty values: a few
// bytes each stored, 34 bytes each once down-converted to magic 1.
func tinyRecords(t *testing.T, count int) []byte {
	t.Helper()
	var raw []byte
	for i := range count {
		raw = append(raw, recordHeader(int32(i), 0)...)
		raw = append(raw, 0)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	compressed := enc.EncodeAll(raw, nil)
	t.Logf("down-conversion batch: %d records, %d bytes of records, %d compressed", count, len(raw), len(compressed))
	return v2Batch(4, int32(count), compressed)
}

// guardRSS kills the node if its RSS passes rssKill, so that a node
// without the bounds cannot take the machine down; it reports the peak.
func guardRSS(t *testing.T, s *server) (stop func() (peak int64, killed bool)) {
	t.Helper()
	peakOf, killed := s.watchAndKill(rssKill)
	return func() (int64, bool) { return peakOf(), killed() }
}

func TestHostileCompressionBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1.5 GiB of bombs")
	}
	s := newServer(t, t.TempDir(), "64MB")
	ctx := context.Background()
	cl := newClient(t, s.addr())
	defer cl.Close()
	adm := kadm.NewClient(cl)
	validating := "confluent.value.schema.validation"
	yes, big := "true", "104857600"
	for name, configs := range map[string]map[string]*string{
		"plain": nil, "validating": {validating: &yes}, "legacy": nil, "convert": {"max.message.bytes": &big},
	} {
		if _, err := adm.CreateTopic(ctx, 1, 1, configs, name); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
	}

	bomb := zstdBomb(t, 1<<30)
	legacy := legacyGzipBomb(t, 512<<20)
	t.Logf("zstd bomb of 1 GiB: %d bytes; gzip wrapper of 512 MiB: %d bytes", len(bomb), len(legacy))

	for _, tc := range []struct {
		name, topic string
		version     int16
		records     []byte
	}{
		{"zstd_bomb_plain_topic", "plain", 7, bomb},
		{"zstd_bomb_validating_topic", "validating", 7, bomb},
		{"legacy_gzip_bomb_produce_v2", "legacy", 2, legacy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := guardRSS(t, s)
			var during error
			var wg sync.WaitGroup
			wg.Go(func() { during = s.roundTrip(ctx) })
			code, msg, err := produceRaw(s.addr(), tc.topic, tc.version, tc.records)
			wg.Wait()
			peak, killed := stop()
			if killed {
				_ = s.cmd.Wait()
				s.start() // for the next case
				t.Fatalf("RSS passed %d MiB: the node was killed (%v)", rssKill>>20, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("answer %d (%s) %q; peak RSS %d MiB", code, kerr.ErrorForCode(code), msg, peak>>20)
			if code != kerr.MessageTooLarge.Code {
				t.Errorf("answered %v, want MESSAGE_TOO_LARGE", kerr.ErrorForCode(code))
			}
			if peak > rssBound {
				t.Errorf("peak RSS %d MiB, bound %d MiB", peak>>20, rssBound>>20)
			}
			if during != nil {
				t.Errorf("round trip during the bomb: %v", during)
			}
			if err := s.roundTrip(ctx); err != nil {
				t.Errorf("round trip after the bomb: %v", err)
			}
			o, err := adm.ListEndOffsets(ctx, tc.topic)
			if err != nil {
				t.Fatal(err)
			}
			if end, _ := o.Lookup(tc.topic, 0); end.Offset != 0 {
				t.Errorf("%s holds %d records after the refused bomb", tc.topic, end.Offset)
			}
		})
	}

	t.Run("concurrent_bombs", func(t *testing.T) {
		// Eight connections at once: the node decompresses at most
		// max(2, GOMAXPROCS) batches at a time. A fresh process, so the
		// peak is this case's alone.
		s.stop()
		s.start()
		stop := guardRSS(t, s)
		var wg sync.WaitGroup
		codes := make([]int16, 8)
		errs := make([]error, 8)
		for i := range codes {
			wg.Go(func() { codes[i], _, errs[i] = produceRaw(s.addr(), "validating", 7, bomb) })
		}
		wg.Wait()
		peak, killed := stop()
		if killed {
			_ = s.cmd.Wait()
			s.start()
			t.Fatalf("RSS passed %d MiB: the node was killed", rssKill>>20)
		}
		t.Logf("8 concurrent bombs: answers %v; peak RSS %d MiB", codes, peak>>20)
		for i := range codes {
			if errs[i] != nil || codes[i] != kerr.MessageTooLarge.Code {
				t.Errorf("connection %d: %v %v", i, kerr.ErrorForCode(codes[i]), errs[i])
			}
		}
		if peak > concurrentRSSBound {
			t.Errorf("peak RSS %d MiB, bound %d MiB", peak>>20, concurrentRSSBound>>20)
		}
		if err := s.roundTrip(ctx); err != nil {
			t.Errorf("round trip after the bombs: %v", err)
		}
	})

	t.Run("down_conversion_bounded", func(t *testing.T) {
		// 6M empty records: about 59 MB decompressed (under the 64 MiB
		// bound, so the batch is accepted) and 204 MB as magic 1 messages.
		const count = 6_000_000
		code, msg, err := produceRaw(s.addr(), "convert", 7, tinyRecords(t, count))
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			t.Fatalf("producing the batch: %v %s", kerr.ErrorForCode(code), msg)
		}
		s.stop() // a fresh process, so the peak is the fetches' alone
		s.start()
		stop := guardRSS(t, s)
		first, n := fetchV3(t, s.addr(), "convert", 0)
		// The batch converts in parts: the next fetch goes on from the
		// offset after the last message converted.
		second, m := fetchV3(t, s.addr(), "convert", first+1)
		peak, killed := stop()
		if killed {
			t.Fatalf("RSS passed %d MiB: the node was killed", rssKill>>20)
		}
		t.Logf("Fetch v3 from 0: %d bytes up to offset %d; from %d: %d bytes up to %d; peak RSS %d MiB", n, first, first+1, m, second, peak>>20)
		if n > 64<<20 || m > 64<<20 {
			t.Errorf("down-conversion answered %d and %d bytes, bound 64 MiB", n, m)
		}
		if first < 0 || (first < count-1 && second <= first) {
			t.Errorf("no progress: first fetch ends at %d, the second at %d", first, second)
		}
		if peak > convertRSSBound {
			t.Errorf("peak RSS %d MiB, bound %d MiB", peak>>20, convertRSSBound>>20)
		}
		if err := s.roundTrip(ctx); err != nil {
			t.Errorf("round trip after the fetch: %v", err)
		}
	})
	s.stop()
}

// procRSS is a process's resident set size, 0 when it cannot be read.
func procRSS(pid int) int64 {
	b, err := readStatus(pid)
	if err != nil {
		return 0
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("VmRSS:")); ok {
			var kb int64
			fmt.Sscan(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), &kb)
			return kb << 10
		}
	}
	return 0
}

func readStatus(pid int) ([]byte, error) {
	return os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
}

// fetchV3 fetches one partition with Fetch v3 from offset and returns the
// offset of the last message and the size of the message set.
func fetchV3(t *testing.T, addr, topic string, offset int64) (last int64, size int) {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.ReplicaID, req.MaxWaitMillis, req.MinBytes = 3, -1, 100, 1
	req.MaxBytes = 1<<31 - 1
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = topic
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.FetchOffset, fp.PartitionMaxBytes = offset, 1<<31-1
	ft.Partitions = append(ft.Partitions, fp)
	req.Topics = append(req.Topics, ft)
	resp, err := rawRequest(addr, req)
	if err != nil {
		t.Fatalf("Fetch v3 from %d: %v", offset, err)
	}
	p := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
	if p.ErrorCode != 0 {
		t.Fatalf("Fetch v3 from %d: %v", offset, kerr.ErrorForCode(p.ErrorCode))
	}
	last = -1
	for set := p.RecordBatches; len(set) >= 12; {
		size := int(binary.BigEndian.Uint32(set[8:]))
		if 12+size > len(set) {
			break
		}
		last = int64(binary.BigEndian.Uint64(set))
		set = set[12+size:]
	}
	return last, len(p.RecordBatches)
}
