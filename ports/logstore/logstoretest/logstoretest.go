// Package logstoretest is the conformance suite of the logstore port. Every
// logstore.Store adapter runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		logstoretest.Run(t, func(t *testing.T) logstore.Store { return memlog.New() })
//	}
//
// Durable adapters also run RunReopen, which reopens a store on the same
// directory. MakeBatch builds valid v2 record batches for these and other
// tests.
//
// The suite is black-box: it sees only the port. Beyond the port's doc
// comments it pins down these behaviours:
//   - Append rejects a batch that is not exactly one well-formed v2 batch
//     with a correct CRC-32C, with an error wrapping record.ErrChecksum (a
//     checksum mismatch), record.ErrMalformed or record.ErrMagic and not
//     log.IsCorruption (the client's batch is damaged, not the log), and
//     leaves the log unchanged;
//   - a stored batch reads back byte for byte as appended except for the base
//     offset (and the partition leader epoch, which the suite ignores);
//   - with enough maxBytes, Read returns every batch up to the high watermark
//     (partitions are created with segments large enough never to roll);
//   - Offsets.MaxTimestampOffset is an offset inside the batch with the
//     largest timestamp; OffsetForTimestamp returns an offset of the first
//     matching batch that is not below the log start;
//   - DeleteRecords never moves the log start backwards, and a request past
//     the high watermark either fails with log.ErrOffsetOutOfRange or stops at
//     the high watermark;
//   - Size counts at least the bytes of the batches stored;
//   - after Watch's cancel returns, fn is not called for later appends, and
//     cancel may be called more than once;
//   - after Close, Append, Read, Offsets and CreatePartition fail with an
//     error wrapping log.ErrClosed.
package logstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/porttest"
)

// Config is the partition configuration the suite creates partitions with:
// segments large and old enough never to roll during a test, and no
// retention.
var Config = logstore.PartitionConfig{
	SegmentBytes:   1 << 30,
	SegmentMs:      7 * 24 * 60 * 60 * 1000,
	RetentionMs:    -1,
	RetentionBytes: -1,
}

// waitTimeout bounds every wait for durability or a Watch notification.
const waitTimeout = 30 * time.Second

// Run runs the conformance suite. open returns a new, empty store for each
// subtest; the suite closes it in t.Cleanup (Close must be idempotent, so
// open may register its own cleanup as well).
func Run(t *testing.T, open func(t *testing.T) logstore.Store) {
	t.Helper()
	porttest.Run(t, "store", open, []porttest.Case[logstore.Store]{
		{Name: "create_partition_is_empty", Fn: testCreateEmpty},
		{Name: "create_partition_at_offset", Fn: testCreateAt},
		{Name: "segments_cover_the_log", Fn: testSegments},
		{Name: "append_assigns_contiguous_offsets", Fn: testAppendContiguous},
		{Name: "read_inside_batch_returns_that_batch", Fn: testReadInsideBatch},
		{Name: "read_at_high_watermark_is_empty", Fn: testReadAtHighWatermark},
		{Name: "read_out_of_range", Fn: testReadOutOfRange},
		{Name: "read_max_bytes", Fn: testReadMaxBytes},
		{Name: "read_returns_copy", Fn: testReadReturnsCopy},
		{Name: "offsets_max_timestamp", Fn: testOffsetsMaxTimestamp},
		{Name: "offset_for_timestamp", Fn: testOffsetForTimestamp},
		{Name: "delete_records", Fn: testDeleteRecords},
		{Name: "delete_records_past_high_watermark", Fn: testDeleteRecordsPastHighWatermark},
		{Name: "size_counts_batches", Fn: testSize},
		{Name: "watch_fires_after_append", Fn: testWatch},
		{Name: "create_partition_same_id_is_idempotent", Fn: testCreateSameID},
		{Name: "create_partition_other_id_replaces", Fn: testCreateOtherID},
		{Name: "delete_partition", Fn: testDeletePartition},
		{Name: "unknown_partition", Fn: testUnknownPartition},
		{Name: "append_rejects_invalid_batches", Fn: testAppendRejectsInvalid},
		{Name: "partitions_are_independent", Fn: testPartitionsIndependent},
		{Name: "concurrent_appends_and_reads", Fn: testConcurrentAppends},
	}, testClose)
}

// RunReopen checks that a store opened again on the same directory recovers
// its partitions, their ids, offsets and data, and keeps assigning offsets
// where it left off. open opens (creating if needed) the store kept in dir.
func RunReopen(t *testing.T, open func(t *testing.T, dir string) logstore.Store) {
	t.Helper()
	t.Run("reopen_reads_back", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		p, q := topic.Partition{Topic: "orders", Index: 0}, topic.Partition{Topic: "orders", Index: 1}
		create(t, s, p, id(1))
		create(t, s, q, id(1))
		r := topic.Partition{Topic: "audit", Index: 0}
		create(t, s, r, id(2))
		for i, n := range []int{1, 4, 2, 7} {
			appendBatch(t, s, p, MakeBatch(n, int64(1000+i), -1, -1, -1))
		}
		appendBatch(t, s, r, MakeBatch(3, 5000, 9, 0, 0))
		wantOffsets := mustOffsets(t, s, p)
		wantP := readAll(t, s, p, 0)
		wantR := readAll(t, s, r, 0)

		s = porttest.Reopen(t, "store", s, dir, open)
		wantParts := map[topic.Partition]topic.ID{p: id(1), q: id(1), r: id(2)}
		if got := s.Partitions(); !maps.Equal(got, wantParts) {
			t.Fatalf("after reopen, Partitions() = %v, want %v", got, wantParts)
		}
		if got := mustOffsets(t, s, p); got != wantOffsets {
			t.Fatalf("after reopen, Offsets(%s) = %+v, want %+v", p, got, wantOffsets)
		}
		if got := mustOffsets(t, s, q); got != emptyOffsets(0) {
			t.Fatalf("after reopen, Offsets(%s) = %+v, want an empty log", q, got)
		}
		sameBatches(t, "after reopen, "+p.String(), readAll(t, s, p, 0), wantP)
		sameBatches(t, "after reopen, "+r.String(), readAll(t, s, r, 0), wantR)
		if base := appendBatch(t, s, p, MakeBatch(2, 2000, -1, -1, -1)); base != wantOffsets.LogEnd {
			t.Fatalf("after reopen, Append base offset = %d, want %d", base, wantOffsets.LogEnd)
		}
		if base := appendBatch(t, s, q, MakeBatch(1, 2000, -1, -1, -1)); base != 0 {
			t.Fatalf("after reopen, Append to the empty %s: base offset = %d, want 0", q, base)
		}
	})
	t.Run("reopen_partition_created_at_offset", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		p := topic.Partition{Topic: "restored", Index: 0}
		if err := s.CreatePartitionAt(testContext(t), p, id(1), logstore.PartitionConfig{}, 500); err != nil {
			t.Fatalf("CreatePartitionAt: %v", err)
		}
		appendBatch(t, s, p, MakeBatch(2, 1000, -1, -1, -1))
		s = porttest.Reopen(t, "store", s, dir, open)
		if o := mustOffsets(t, s, p); o.LogStart != 500 || o.HighWatermark != 502 {
			t.Fatalf("after reopen, Offsets = %+v, want log start 500 and high watermark 502", o)
		}
	})
	t.Run("reopen_after_delete_and_replace", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		p, q := topic.Partition{Topic: "gone", Index: 0}, topic.Partition{Topic: "replaced", Index: 0}
		create(t, s, p, id(1))
		create(t, s, q, id(2))
		appendBatch(t, s, p, MakeBatch(3, 1000, -1, -1, -1))
		appendBatch(t, s, q, MakeBatch(3, 1000, -1, -1, -1))
		if err := s.DeletePartition(testContext(t), p); err != nil {
			t.Fatalf("DeletePartition: %v", err)
		}
		create(t, s, q, id(3))
		appendBatch(t, s, q, MakeBatch(1, 2000, -1, -1, -1))

		s = porttest.Reopen(t, "store", s, dir, open)
		if got, want := s.Partitions(), map[topic.Partition]topic.ID{q: id(3)}; !maps.Equal(got, want) {
			t.Fatalf("after reopen, Partitions() = %v, want %v", got, want)
		}
		if _, err := s.Offsets(p); !errors.Is(err, log.ErrUnknownPartition) {
			t.Fatalf("after reopen, Offsets of the deleted %s: %v, want ErrUnknownPartition", p, err)
		}
		if o := mustOffsets(t, s, q); o.LogStart != 0 || o.HighWatermark != 1 || o.LogEnd != 1 {
			t.Fatalf("after reopen, Offsets of the replaced %s = %+v, want only the new log's one record", q, o)
		}
	})
}

// Batch is one stored batch as Read returned it.
type Batch struct {
	Header record.Header
	Data   []byte
}

func id(n byte) topic.ID { return topic.ID{0: 0xc4, 15: n} }

func emptyOffsets(at int64) log.Offsets {
	return log.Offsets{LogStart: at, HighWatermark: at, LogEnd: at, MaxTimestamp: -1, MaxTimestampOffset: -1}
}

// testContext is a context that ends with the test or after waitTimeout.
func testContext(t *testing.T) context.Context { return porttest.Context(t, waitTimeout) }

func create(t *testing.T, s logstore.Store, p topic.Partition, tid topic.ID) {
	t.Helper()
	if err := s.CreatePartition(testContext(t), p, tid, Config); err != nil {
		t.Fatalf("CreatePartition(%s, %s): %v", p, tid, err)
	}
}

// appendBatch appends batch to p, waits until it is durable and returns its
// base offset.
func appendBatch(t *testing.T, s logstore.Store, p topic.Partition, batch []byte) int64 {
	t.Helper()
	ctx := testContext(t)
	base, d, err := s.Append(ctx, p, batch)
	if err != nil {
		t.Fatalf("Append to %s: %v", p, err)
	}
	if d == nil {
		t.Fatalf("Append to %s returned a nil Durable", p)
	}
	if err := d.Wait(ctx); err != nil {
		t.Fatalf("Append to %s: Durable.Wait: %v", p, err)
	}
	return base
}

func mustOffsets(t *testing.T, s logstore.Store, p topic.Partition) log.Offsets {
	t.Helper()
	o, err := s.Offsets(p)
	if err != nil {
		t.Fatalf("Offsets(%s): %v", p, err)
	}
	return o
}

func mustRead(t *testing.T, s logstore.Store, p topic.Partition, offset int64, maxBytes int, minOne bool) []Batch {
	t.Helper()
	b, err := s.Read(testContext(t), p, offset, maxBytes, minOne)
	if err != nil {
		t.Fatalf("Read(%s, offset %d, maxBytes %d, minOne %v): %v", p, offset, maxBytes, minOne, err)
	}
	return splitBatches(t, b)
}

// splitBatches checks that b is whole, valid batches and returns them.
func splitBatches(t *testing.T, b []byte) []Batch {
	t.Helper()
	var out []Batch
	rest, err := record.Split(b, func(h record.Header, batch []byte) error {
		if err := record.Verify(batch); err != nil {
			return fmt.Errorf("batch at offset %d: %w", h.BaseOffset, err)
		}
		out = append(out, Batch{Header: h, Data: batch})
		return nil
	})
	if err != nil {
		t.Fatalf("Read returned invalid batches: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("Read returned %d bytes of a partial batch after %d whole ones", len(rest), len(out))
	}
	return out
}

// readAll reads p from offset up to its high watermark.
func readAll(t *testing.T, s logstore.Store, p topic.Partition, offset int64) []Batch {
	t.Helper()
	hw := mustOffsets(t, s, p).HighWatermark
	var out []Batch
	for offset < hw {
		got := mustRead(t, s, p, offset, 1<<20, true)
		if len(got) == 0 {
			t.Fatalf("Read(%s, %d) returned nothing below the high watermark %d", p, offset, hw)
		}
		for _, b := range got {
			if b.Header.BaseOffset > offset || b.Header.LastOffset() < offset {
				t.Fatalf("Read(%s): batch [%d, %d] does not hold the next offset %d", p, b.Header.BaseOffset, b.Header.LastOffset(), offset)
			}
			offset = b.Header.NextOffset()
		}
		out = append(out, got...)
	}
	if offset != hw {
		t.Fatalf("Read(%s) returned batches up to offset %d, past the high watermark %d", p, offset, hw)
	}
	return out
}

// sameBatches fails unless got and want hold the same batches at the same
// offsets.
func sameBatches(t *testing.T, what string, got, want []Batch) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d batches, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("%s: batch %d (offset %d) differs from the one stored (offset %d)", what, i, got[i].Header.BaseOffset, want[i].Header.BaseOffset)
		}
	}
}

// sameAsAppended fails unless stored is appended with its base offset set to
// base. The partition leader epoch is not compared.
func sameAsAppended(t *testing.T, stored Batch, appended []byte, base int64) {
	t.Helper()
	if stored.Header.BaseOffset != base {
		t.Fatalf("stored batch has base offset %d, want %d", stored.Header.BaseOffset, base)
	}
	if len(stored.Data) != len(appended) ||
		!bytes.Equal(stored.Data[8:12], appended[8:12]) ||
		!bytes.Equal(stored.Data[16:], appended[16:]) {
		t.Fatalf("batch at offset %d: stored bytes differ from the appended ones beyond the base offset", base)
	}
}

func testCreateEmpty(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	if got, want := mustOffsets(t, s, p), emptyOffsets(0); got != want {
		t.Fatalf("Offsets of a new partition = %+v, want %+v", got, want)
	}
	if got := s.Partitions(); got[p] != id(1) {
		t.Fatalf("Partitions() = %v, want %s with id %s", got, p, id(1))
	}
	if got := mustRead(t, s, p, 0, 1<<20, true); len(got) != 0 {
		t.Fatalf("Read of a new partition returned %d batches", len(got))
	}
	if _, err := s.Read(ctx, p, 1, 1<<20, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Fatalf("Read(offset 1) of a new partition: %v, want ErrOffsetOutOfRange", err)
	}
	off, ts, err := s.OffsetForTimestamp(ctx, p, 0)
	if err != nil || off != -1 || ts != -1 {
		t.Fatalf("OffsetForTimestamp of a new partition = %d, %d, %v; want -1, -1, nil", off, ts, err)
	}
	if n, err := s.Size(p); err != nil || n < 0 {
		t.Fatalf("Size of a new partition = %d, %v", n, err)
	}
}

func testCreateAt(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "restored", Index: 0}
	if err := s.CreatePartitionAt(ctx, p, id(1), logstore.PartitionConfig{}, 1000); err != nil {
		t.Fatalf("CreatePartitionAt: %v", err)
	}
	if got, want := mustOffsets(t, s, p), emptyOffsets(1000); got != want {
		t.Fatalf("Offsets of a partition created at 1000 = %+v, want %+v", got, want)
	}
	if _, err := s.Read(ctx, p, 999, 1<<20, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Fatalf("Read(999) below the start: %v, want ErrOffsetOutOfRange", err)
	}
	b := MakeBatch(3, 1000, -1, -1, -1)
	if base := appendBatch(t, s, p, b); base != 1000 {
		t.Fatalf("first Append at %d, want 1000", base)
	}
	if got := mustRead(t, s, p, 1001, 1<<20, true); len(got) != 1 || got[0].Header.BaseOffset != 1000 {
		t.Fatalf("Read(1001) = %d batches, want the one at 1000", len(got))
	}
	// The same id again leaves the log alone, whatever the start.
	if err := s.CreatePartitionAt(ctx, p, id(1), logstore.PartitionConfig{}, 0); err != nil {
		t.Fatalf("CreatePartitionAt again: %v", err)
	}
	if o := mustOffsets(t, s, p); o.LogStart != 1000 || o.HighWatermark != 1003 {
		t.Fatalf("after creating again, Offsets = %+v, want the log untouched", o)
	}
	if err := s.CreatePartitionAt(ctx, topic.Partition{Topic: "restored", Index: 1}, id(1), logstore.PartitionConfig{}, -1); err == nil {
		t.Fatal("CreatePartitionAt(-1) succeeded")
	}
}

func testSegments(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	for i := range 20 {
		appendBatch(t, s, p, MakeBatch(5, int64(1000+i), -1, -1, -1))
	}
	segs, err := s.Segments(p)
	if err != nil || len(segs) == 0 {
		t.Fatalf("Segments = %v, %v; want at least one", segs, err)
	}
	o := mustOffsets(t, s, p)
	var total int64
	for i, sg := range segs {
		if sg.Base > sg.End || (i > 0 && sg.Base != segs[i-1].End) || sg.Sealed != (i < len(segs)-1) {
			t.Fatalf("segment %d of %v does not follow the previous one, or only the last is unsealed", i, segs)
		}
		total += sg.Bytes
	}
	if segs[0].Base != o.LogStart || segs[len(segs)-1].End != o.HighWatermark {
		t.Fatalf("segments %v do not cover [%d, %d)", segs, o.LogStart, o.HighWatermark)
	}
	if last := segs[len(segs)-1]; last.MaxTimestamp != 1019 && len(segs) == 1 {
		t.Fatalf("max timestamp of the only segment = %d, want 1019", last.MaxTimestamp)
	}
	if size, _ := s.Size(p); total != size {
		t.Fatalf("segments hold %d bytes, Size says %d", total, size)
	}
}

func testAppendContiguous(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 3}
	create(t, s, p, id(1))
	counts := []int{1, 3, 5, 2, 1, 10}
	var appended [][]byte
	var bases []int64
	var next int64
	for i, n := range counts {
		b := MakeBatch(n, int64(1000+i), -1, -1, -1)
		if i == 2 {
			record.SetBaseOffset(b, 12345) // the store must overwrite whatever the producer sent
		}
		orig := bytes.Clone(b)
		base := appendBatch(t, s, p, b)
		if base != next {
			t.Fatalf("batch %d (%d records): base offset %d, want %d", i, n, base, next)
		}
		appended = append(appended, orig)
		bases = append(bases, base)
		next += int64(n)
	}
	o := mustOffsets(t, s, p)
	if o.LogStart != 0 || o.HighWatermark != next || o.LogEnd != next {
		t.Fatalf("Offsets = %+v, want LogStart 0, HighWatermark %d, LogEnd %d", o, next, next)
	}
	got := readAll(t, s, p, 0)
	if len(got) != len(counts) {
		t.Fatalf("read %d batches, want %d", len(got), len(counts))
	}
	for i := range got {
		sameAsAppended(t, got[i], appended[i], bases[i])
	}
}

func testReadInsideBatch(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	for i, n := range []int{4, 1, 6, 3} {
		appendBatch(t, s, p, MakeBatch(n, int64(i), -1, -1, -1))
	}
	all := readAll(t, s, p, 0)
	hw := mustOffsets(t, s, p).HighWatermark
	for off := range hw {
		want := slices.IndexFunc(all, func(b Batch) bool { return b.Header.BaseOffset <= off && off <= b.Header.LastOffset() })
		one := mustRead(t, s, p, off, 1, true)
		if len(one) != 1 || !bytes.Equal(one[0].Data, all[want].Data) {
			t.Fatalf("Read(offset %d, 1 byte, minOne) = %d batches, want exactly the batch at %d", off, len(one), all[want].Header.BaseOffset)
		}
		rest := mustRead(t, s, p, off, 1<<20, false)
		sameBatches(t, fmt.Sprintf("Read(offset %d, 1 MiB)", off), rest, all[want:])
	}
}

func testReadAtHighWatermark(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1, -1, -1, -1))
	hw := mustOffsets(t, s, p).HighWatermark
	for _, minOne := range []bool{true, false} {
		b, err := s.Read(testContext(t), p, hw, 1<<20, minOne)
		if err != nil || len(b) != 0 {
			t.Fatalf("Read at the high watermark %d (minOne %v) = %d bytes, %v; want no bytes and no error", hw, minOne, len(b), err)
		}
	}
}

func testReadOutOfRange(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1, -1, -1, -1))
	appendBatch(t, s, p, MakeBatch(2, 2, -1, -1, -1))
	tests := []struct {
		name   string
		offset int64
	}{
		{"negative", -1},
		{"very_negative", math.MinInt64},
		{"one_past_high_watermark", 6},
		{"far_past_high_watermark", 1000},
		{"max_int64", math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := s.Read(testContext(t), p, tc.offset, 1<<20, true)
			if !errors.Is(err, log.ErrOffsetOutOfRange) {
				t.Fatalf("Read(offset %d) = %d bytes, %v; want ErrOffsetOutOfRange", tc.offset, len(b), err)
			}
		})
	}
}

func testReadMaxBytes(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	const batches, perBatch = 5, 3
	var size int
	for i := range batches {
		b := MakeBatch(perBatch, int64(i), -1, -1, -1)
		size = len(b) // every batch has the same size
		appendBatch(t, s, p, b)
	}
	tests := []struct {
		name      string
		offset    int64
		maxBytes  int
		minOne    bool
		wantFirst int64
		want      int // batches
	}{
		{"exactly_two", 0, 2 * size, false, 0, 2},
		{"two_and_a_half", 0, 2*size + size/2, false, 0, 2},
		{"one_byte_short_of_three", 0, 3*size - 1, false, 0, 2},
		{"more_than_all", 0, 100 * size, false, 0, batches},
		{"exactly_all", 0, batches * size, false, 0, batches},
		{"first_too_big_min_one", 0, size - 1, true, 0, 1},
		{"first_too_big_without_min_one", 0, size - 1, false, 0, 0},
		{"zero_min_one", 0, 0, true, 0, 1},
		{"zero_without_min_one", 0, 0, false, 0, 0},
		{"min_one_does_not_add_a_second", 0, size + 1, true, 0, 1},
		{"from_inside_third_batch", 7, 2 * size, false, 6, 2},
		{"from_last_batch", 13, 10 * size, true, 12, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := s.Read(testContext(t), p, tc.offset, tc.maxBytes, tc.minOne)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := splitBatches(t, b)
			if len(got) != tc.want {
				t.Fatalf("Read(offset %d, maxBytes %d, minOne %v) = %d batches (%d bytes), want %d of %d bytes",
					tc.offset, tc.maxBytes, tc.minOne, len(got), len(b), tc.want, size)
			}
			if len(got) > 0 && got[0].Header.BaseOffset != tc.wantFirst {
				t.Fatalf("first batch at offset %d, want %d", got[0].Header.BaseOffset, tc.wantFirst)
			}
		})
	}
}

func testReadReturnsCopy(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(4, 1, -1, -1, -1))
	first, err := s.Read(ctx, p, 0, 1<<20, true)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	want := bytes.Clone(first)
	for i := range first {
		first[i] = 0xee
	}
	again, err := s.Read(ctx, p, 0, 1<<20, true)
	if err != nil {
		t.Fatalf("second Read: %v", err)
	}
	if !bytes.Equal(again, want) {
		t.Fatal("modifying the bytes Read returned changed the stored batch")
	}
}

func testOffsetsMaxTimestamp(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1000, -1, -1, -1)) // 0..2
	appendBatch(t, s, p, MakeBatch(3, 3000, -1, -1, -1)) // 3..5
	appendBatch(t, s, p, MakeBatch(2, 2000, -1, -1, -1)) // 6..7
	appendBatch(t, s, p, MakeBatch(1, 3000, -1, -1, -1)) // 8: a tie does not move it
	o := mustOffsets(t, s, p)
	if o.LogStart != 0 || o.HighWatermark != 9 || o.LogEnd != 9 {
		t.Fatalf("Offsets = %+v, want LogStart 0, HighWatermark and LogEnd 9", o)
	}
	if o.MaxTimestamp != 3000 || o.MaxTimestampOffset < 3 || o.MaxTimestampOffset > 5 {
		t.Fatalf("Offsets = %+v, want MaxTimestamp 3000 at an offset in [3, 5]", o)
	}
}

func testOffsetForTimestamp(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1000, -1, -1, -1)) // 0..2
	appendBatch(t, s, p, MakeBatch(3, 2000, -1, -1, -1)) // 3..5
	appendBatch(t, s, p, MakeBatch(3, 3000, -1, -1, -1)) // 6..8
	q := topic.Partition{Topic: "orders", Index: 1}      // timestamps out of order
	create(t, s, q, id(1))
	appendBatch(t, s, q, MakeBatch(2, 1000, -1, -1, -1)) // 0..1
	appendBatch(t, s, q, MakeBatch(2, 3000, -1, -1, -1)) // 2..3
	appendBatch(t, s, q, MakeBatch(2, 2000, -1, -1, -1)) // 4..5

	tests := []struct {
		name       string
		p          topic.Partition
		ts         int64
		wantOffset int64
		wantTS     int64
	}{
		{"before_all", p, 0, 0, 1000},
		{"negative", p, -5, 0, 1000},
		{"equal_to_first", p, 1000, 0, 1000},
		{"between_batches", p, 1500, 3, 2000},
		{"equal_to_middle", p, 2000, 3, 2000},
		{"equal_to_last", p, 3000, 6, 3000},
		{"after_all", p, 3001, -1, -1},
		{"unordered_first_match_wins", q, 1500, 2, 3000},
		{"unordered_skips_smaller_later", q, 2500, 2, 3000},
		{"unordered_after_all", q, 3001, -1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off, ts, err := s.OffsetForTimestamp(testContext(t), tc.p, tc.ts)
			if err != nil || off != tc.wantOffset || ts != tc.wantTS {
				t.Fatalf("OffsetForTimestamp(%s, %d) = %d, %d, %v; want %d, %d, nil", tc.p, tc.ts, off, ts, err, tc.wantOffset, tc.wantTS)
			}
		})
	}
}

func testDeleteRecords(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1000, -1, -1, -1)) // 0..2
	appendBatch(t, s, p, MakeBatch(3, 2000, -1, -1, -1)) // 3..5
	appendBatch(t, s, p, MakeBatch(3, 3000, -1, -1, -1)) // 6..8

	deleteTo := func(before, want int64) {
		t.Helper()
		got, err := s.DeleteRecords(ctx, p, before)
		if err != nil || got != want {
			t.Fatalf("DeleteRecords(%d) = %d, %v; want %d, nil", before, got, err, want)
		}
		if o := mustOffsets(t, s, p); o.LogStart != want || o.HighWatermark != 9 || o.LogEnd != 9 {
			t.Fatalf("after DeleteRecords(%d), Offsets = %+v; want LogStart %d, HighWatermark and LogEnd 9", before, o, want)
		}
	}
	deleteTo(0, 0)
	deleteTo(4, 4)
	for _, off := range []int64{0, 3} {
		if _, err := s.Read(ctx, p, off, 1<<20, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
			t.Fatalf("Read(%d) below the log start 4: %v, want ErrOffsetOutOfRange", off, err)
		}
	}
	got := mustRead(t, s, p, 4, 1<<20, true)
	if len(got) == 0 || got[0].Header.BaseOffset > 4 || got[0].Header.LastOffset() < 4 || got[len(got)-1].Header.LastOffset() != 8 {
		t.Fatalf("Read(4) after DeleteRecords(4) returned %d batches; want the batches holding offsets 4..8", len(got))
	}
	off, ts, err := s.OffsetForTimestamp(ctx, p, 0)
	if err != nil || off < 4 || off > 5 || ts != 2000 {
		t.Fatalf("OffsetForTimestamp(0) after DeleteRecords(4) = %d, %d, %v; want an offset in [4, 5] with timestamp 2000", off, ts, err)
	}
	deleteTo(2, 4) // never backwards
	deleteTo(4, 4)
	deleteTo(9, 9) // up to the high watermark: the log is empty
	if got := mustRead(t, s, p, 9, 1<<20, true); len(got) != 0 {
		t.Fatalf("Read at the high watermark after deleting everything returned %d batches", len(got))
	}
	if _, err := s.Read(ctx, p, 8, 1<<20, true); !errors.Is(err, log.ErrOffsetOutOfRange) {
		t.Fatalf("Read(8) after DeleteRecords(9): %v, want ErrOffsetOutOfRange", err)
	}
	if off, ts, err := s.OffsetForTimestamp(ctx, p, 0); err != nil || off != -1 || ts != -1 {
		t.Fatalf("OffsetForTimestamp(0) of an emptied log = %d, %d, %v; want -1, -1, nil", off, ts, err)
	}
	if base := appendBatch(t, s, p, MakeBatch(2, 4000, -1, -1, -1)); base != 9 {
		t.Fatalf("Append after DeleteRecords: base offset %d, want 9 (offsets are never reused)", base)
	}
	if o := mustOffsets(t, s, p); o.LogStart != 9 || o.HighWatermark != 11 || o.LogEnd != 11 {
		t.Fatalf("Offsets = %+v, want LogStart 9, HighWatermark and LogEnd 11", o)
	}
	if got := readAll(t, s, p, 9); len(got) != 1 || got[0].Header.BaseOffset != 9 {
		t.Fatalf("Read(9) = %d batches, want the one batch appended at 9", len(got))
	}
}

func testDeleteRecordsPastHighWatermark(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1000, -1, -1, -1))
	got, err := s.DeleteRecords(testContext(t), p, 100)
	switch {
	case errors.Is(err, log.ErrOffsetOutOfRange):
		if o := mustOffsets(t, s, p); o.LogStart != 0 {
			t.Fatalf("a failed DeleteRecords(100) moved the log start: %+v", o)
		}
	case err == nil:
		if o := mustOffsets(t, s, p); got != 3 || o.LogStart != 3 {
			t.Fatalf("DeleteRecords(100) = %d with Offsets %+v; want it to stop at the high watermark 3", got, o)
		}
	default:
		t.Fatalf("DeleteRecords(100) past the high watermark 3: %v, want ErrOffsetOutOfRange or success at 3", err)
	}
}

func testSize(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	var total int64
	for i := range 4 {
		b := MakeBatch(1+i, int64(i), -1, -1, -1)
		total += int64(len(b))
		appendBatch(t, s, p, b)
	}
	n, err := s.Size(p)
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if n < total {
		t.Fatalf("Size = %d, want at least the %d bytes of the batches appended", n, total)
	}
}

func testWatch(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	q := topic.Partition{Topic: "orders", Index: 1}
	create(t, s, p, id(1))
	create(t, s, q, id(1))
	notifier := func() (chan struct{}, func()) {
		ch := make(chan struct{}, 1)
		return ch, func() {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	expect := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(waitTimeout):
			t.Fatalf("%s: Watch did not fire within %v", what, waitTimeout)
		}
	}
	ch1, fn1 := notifier()
	cancel1, err := s.Watch(p, fn1)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer cancel1()
	ch2, fn2 := notifier()
	cancel2, err := s.Watch(p, fn2)
	if err != nil {
		t.Fatalf("second Watch: %v", err)
	}
	chQ, fnQ := notifier()
	cancelQ, err := s.Watch(q, fnQ)
	if err != nil {
		t.Fatalf("Watch(%s): %v", q, err)
	}
	defer cancelQ()

	appendBatch(t, s, p, MakeBatch(2, 1, -1, -1, -1))
	expect(ch1, "first watcher")
	expect(ch2, "second watcher")
	appendBatch(t, s, p, MakeBatch(1, 2, -1, -1, -1))
	expect(ch1, "first watcher, second append")

	cancel2()
	cancel2() // idempotent
	select {
	case <-ch2:
	default:
	}
	appendBatch(t, s, p, MakeBatch(1, 3, -1, -1, -1))
	expect(ch1, "first watcher, third append")
	select {
	case <-ch2:
		t.Fatal("Watch fired after its cancel returned")
	default:
	}
	select {
	case <-chQ:
		t.Fatalf("Watch(%s) fired for appends to %s", q, p)
	default:
	}
}

func testCreateSameID(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(2, 1, -1, -1, -1))
	appendBatch(t, s, p, MakeBatch(3, 2, -1, -1, -1))
	before := readAll(t, s, p, 0)
	wantOffsets := mustOffsets(t, s, p)
	create(t, s, p, id(1))
	if got := mustOffsets(t, s, p); got != wantOffsets {
		t.Fatalf("after CreatePartition with the same id, Offsets = %+v, want %+v", got, wantOffsets)
	}
	sameBatches(t, "after CreatePartition with the same id", readAll(t, s, p, 0), before)
	if got := s.Partitions()[p]; got != id(1) {
		t.Fatalf("Partitions()[%s] = %s, want %s", p, got, id(1))
	}
}

func testCreateOtherID(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	appendBatch(t, s, p, MakeBatch(5, 1, -1, -1, -1))
	create(t, s, p, id(2))
	if got := s.Partitions()[p]; got != id(2) {
		t.Fatalf("Partitions()[%s] = %s, want the new id %s", p, got, id(2))
	}
	if got, want := mustOffsets(t, s, p), emptyOffsets(0); got != want {
		t.Fatalf("after CreatePartition with another id, Offsets = %+v, want the empty %+v", got, want)
	}
	if got := mustRead(t, s, p, 0, 1<<20, true); len(got) != 0 {
		t.Fatalf("the replaced log still returns %d batches", len(got))
	}
	if base := appendBatch(t, s, p, MakeBatch(1, 2, -1, -1, -1)); base != 0 {
		t.Fatalf("first Append to the replaced log: base offset %d, want 0", base)
	}
}

func testDeletePartition(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	q := topic.Partition{Topic: "orders", Index: 1}
	create(t, s, p, id(1))
	create(t, s, q, id(1))
	appendBatch(t, s, p, MakeBatch(3, 1, -1, -1, -1))
	appendBatch(t, s, q, MakeBatch(2, 1, -1, -1, -1))
	if err := s.DeletePartition(ctx, p); err != nil {
		t.Fatalf("DeletePartition: %v", err)
	}
	if got, want := s.Partitions(), map[topic.Partition]topic.ID{q: id(1)}; !maps.Equal(got, want) {
		t.Fatalf("after DeletePartition, Partitions() = %v, want %v", got, want)
	}
	if _, err := s.Offsets(p); !errors.Is(err, log.ErrUnknownPartition) {
		t.Fatalf("Offsets after DeletePartition: %v, want ErrUnknownPartition", err)
	}
	if _, err := s.Read(ctx, p, 0, 1<<20, true); !errors.Is(err, log.ErrUnknownPartition) {
		t.Fatalf("Read after DeletePartition: %v, want ErrUnknownPartition", err)
	}
	if _, _, err := s.Append(ctx, p, MakeBatch(1, 1, -1, -1, -1)); !errors.Is(err, log.ErrUnknownPartition) {
		t.Fatalf("Append after DeletePartition: %v, want ErrUnknownPartition", err)
	}
	if err := s.DeletePartition(ctx, p); !errors.Is(err, log.ErrUnknownPartition) {
		t.Fatalf("second DeletePartition: %v, want ErrUnknownPartition", err)
	}
	if o := mustOffsets(t, s, q); o.LogEnd != 2 {
		t.Fatalf("deleting %s changed %s: Offsets = %+v", p, q, o)
	}
	create(t, s, p, id(2))
	if got, want := mustOffsets(t, s, p), emptyOffsets(0); got != want {
		t.Fatalf("re-created partition: Offsets = %+v, want %+v", got, want)
	}
}

func testUnknownPartition(t *testing.T, s logstore.Store) {
	create(t, s, topic.Partition{Topic: "orders", Index: 0}, id(1))
	calls := []struct {
		name string
		call func(ctx context.Context, p topic.Partition) error
	}{
		{"configure", func(ctx context.Context, p topic.Partition) error { return s.Configure(p, Config) }},
		{"delete_partition", func(ctx context.Context, p topic.Partition) error { return s.DeletePartition(ctx, p) }},
		{"append", func(ctx context.Context, p topic.Partition) error {
			_, _, err := s.Append(ctx, p, MakeBatch(1, 1, -1, -1, -1))
			return err
		}},
		{"read", func(ctx context.Context, p topic.Partition) error {
			_, err := s.Read(ctx, p, 0, 1<<20, true)
			return err
		}},
		{"offsets", func(ctx context.Context, p topic.Partition) error {
			_, err := s.Offsets(p)
			return err
		}},
		{"offset_for_timestamp", func(ctx context.Context, p topic.Partition) error {
			_, _, err := s.OffsetForTimestamp(ctx, p, 0)
			return err
		}},
		{"delete_records", func(ctx context.Context, p topic.Partition) error {
			_, err := s.DeleteRecords(ctx, p, 0)
			return err
		}},
		{"size", func(ctx context.Context, p topic.Partition) error {
			_, err := s.Size(p)
			return err
		}},
		{"watch", func(ctx context.Context, p topic.Partition) error {
			cancel, err := s.Watch(p, func() {})
			if err == nil && cancel != nil {
				cancel()
			}
			return err
		}},
	}
	partitions := []struct {
		name string
		p    topic.Partition
	}{
		{"unknown_topic", topic.Partition{Topic: "nope", Index: 0}},
		{"unknown_index", topic.Partition{Topic: "orders", Index: 1}},
	}
	for _, pc := range partitions {
		for _, c := range calls {
			t.Run(pc.name+"/"+c.name, func(t *testing.T) {
				if err := c.call(testContext(t), pc.p); !errors.Is(err, log.ErrUnknownPartition) {
					t.Fatalf("%s(%s): %v, want ErrUnknownPartition", c.name, pc.p, err)
				}
			})
		}
	}
}

func testAppendRejectsInvalid(t *testing.T, s logstore.Store) {
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	good := MakeBatch(3, 1000, -1, -1, -1)
	appendBatch(t, s, p, bytes.Clone(good))
	wantOffsets := mustOffsets(t, s, p)
	wantBatches := readAll(t, s, p, 0)

	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte {
			if i < 0 {
				i += len(b)
			}
			b[i] ^= 0x5a
			return b
		}
	}
	tests := []struct {
		name     string
		edit     func([]byte) []byte
		checksum bool // must be reported as a checksum failure
	}{
		{"flipped_record_byte", flip(-3), true},
		{"flipped_last_byte", flip(-1), true},
		{"flipped_attributes", flip(22), true},
		{"flipped_crc", flip(18), true},
		{"flipped_max_timestamp", flip(40), true},
		{"flipped_record_count", flip(60), true},
		{"bad_magic", func(b []byte) []byte { b[16] = 1; return b }, false},
		{"truncated_by_one", func(b []byte) []byte { return b[:len(b)-1] }, false},
		{"length_field_too_large", func(b []byte) []byte { b[11]++; return b }, false},
		{"length_field_too_small", func(b []byte) []byte { b[11]--; return b }, false},
		{"trailing_byte", func(b []byte) []byte { return append(b, 0) }, false},
		{"two_batches", func(b []byte) []byte { return append(b, MakeBatch(1, 1, -1, -1, -1)...) }, false},
		{"header_only_partly", func(b []byte) []byte { return b[:30] }, false},
		{"length_prefix_only", func(b []byte) []byte { return b[:record.LengthPrefix] }, false},
		{"empty", func(b []byte) []byte { return nil }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.edit(bytes.Clone(good))
			_, d, err := s.Append(testContext(t), p, bad)
			if err == nil && d != nil {
				err = d.Wait(testContext(t)) // a store may only notice later; it must still fail
			}
			isChecksum := errors.Is(err, record.ErrChecksum)
			switch {
			case err == nil:
				t.Fatal("Append accepted an invalid batch")
			case log.IsCorruption(err):
				t.Fatalf("Append: %v; a client's invalid batch is not stored-data corruption (log.IsCorruption)", err)
			case tc.checksum && !isChecksum:
				t.Fatalf("Append: %v; want an error wrapping record.ErrChecksum", err)
			case !isChecksum && !errors.Is(err, record.ErrMalformed) && !errors.Is(err, record.ErrMagic):
				t.Fatalf("Append: %v; want an error wrapping record.ErrChecksum, record.ErrMalformed or record.ErrMagic", err)
			}
			if got := mustOffsets(t, s, p); got != wantOffsets {
				t.Fatalf("a rejected Append changed Offsets to %+v, want %+v", got, wantOffsets)
			}
		})
	}
	sameBatches(t, "after rejected appends", readAll(t, s, p, 0), wantBatches)
	if base := appendBatch(t, s, p, bytes.Clone(good)); base != 3 {
		t.Fatalf("a valid Append after rejected ones: base offset %d, want 3", base)
	}
}

func testPartitionsIndependent(t *testing.T, s logstore.Store) {
	p0 := topic.Partition{Topic: "orders", Index: 0}
	p1 := topic.Partition{Topic: "orders", Index: 1}
	q0 := topic.Partition{Topic: "payments", Index: 0}
	create(t, s, p0, id(1))
	create(t, s, p1, id(1))
	create(t, s, q0, id(2))
	if got, want := s.Partitions(), map[topic.Partition]topic.ID{p0: id(1), p1: id(1), q0: id(2)}; !maps.Equal(got, want) {
		t.Fatalf("Partitions() = %v, want %v", got, want)
	}
	// The returned map is the caller's.
	m := s.Partitions()
	delete(m, p0)
	if _, ok := s.Partitions()[p0]; !ok {
		t.Fatal("deleting from the map Partitions returned changed the store")
	}
	for i := range 3 {
		appendBatch(t, s, p0, MakeBatch(2, int64(i), -1, -1, -1))
		appendBatch(t, s, q0, MakeBatch(5, int64(i), -1, -1, -1))
	}
	if err := s.Configure(p1, logstore.PartitionConfig{SegmentBytes: 1 << 20, SegmentMs: 60000, RetentionMs: 3600000, RetentionBytes: 1 << 30}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	for _, c := range []struct {
		p    topic.Partition
		want int64
	}{{p0, 6}, {p1, 0}, {q0, 15}} {
		if o := mustOffsets(t, s, c.p); o.HighWatermark != c.want || o.LogEnd != c.want {
			t.Fatalf("Offsets(%s) = %+v, want HighWatermark and LogEnd %d", c.p, o, c.want)
		}
	}
}

func testConcurrentAppends(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	const writers, perWriter = 8, 25
	type appended struct {
		writer, seq int32
		records     int64
	}
	var (
		mu     sync.Mutex
		byBase = map[int64]appended{}
	)
	write := func() {
		var wg sync.WaitGroup
		for w := range int32(writers) {
			wg.Go(func() {
				for i := range int32(perWriter) {
					n := 1 + int(w+i)%4
					base, d, err := s.Append(ctx, p, MakeBatch(n, int64(i), int64(w), 0, i))
					if err != nil {
						t.Errorf("writer %d: Append: %v", w, err)
						return
					}
					if err := d.Wait(ctx); err != nil {
						t.Errorf("writer %d: Wait: %v", w, err)
						return
					}
					mu.Lock()
					if prev, dup := byBase[base]; dup {
						t.Errorf("base offset %d assigned twice (writers %d and %d)", base, prev.writer, w)
					}
					byBase[base] = appended{writer: w, seq: i, records: int64(n)}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	reads := make([]func() bool, 2)
	for r := range reads {
		var next int64
		reads[r] = func() bool {
			b, err := s.Read(ctx, p, next, 4096, true)
			if err != nil {
				t.Errorf("reader %d: Read(%d): %v", r, next, err)
				return false
			}
			hw, err := s.Offsets(p)
			if err != nil {
				t.Errorf("reader %d: Offsets: %v", r, err)
				return false
			}
			if _, err := record.Split(b, func(h record.Header, batch []byte) error {
				if h.BaseOffset != next {
					return fmt.Errorf("batch at %d, want the next offset %d", h.BaseOffset, next)
				}
				if h.NextOffset() > hw.HighWatermark {
					return fmt.Errorf("batch [%d, %d] past the high watermark %d", h.BaseOffset, h.LastOffset(), hw.HighWatermark)
				}
				next = h.NextOffset()
				return record.Verify(batch)
			}); err != nil {
				t.Errorf("reader %d: %v", r, err)
				return false
			}
			return true
		}
	}
	porttest.ReadsRacingWrite(write, reads...)
	if t.Failed() {
		return
	}

	bases := slices.Sorted(maps.Keys(byBase))
	var next int64
	for _, b := range bases {
		if b != next {
			t.Fatalf("offsets are not contiguous: batch at %d, want %d", b, next)
		}
		next += byBase[b].records
	}
	if o := mustOffsets(t, s, p); o.HighWatermark != next || o.LogEnd != next {
		t.Fatalf("Offsets = %+v, want HighWatermark and LogEnd %d", o, next)
	}
	stored := readAll(t, s, p, 0)
	if len(stored) != writers*perWriter {
		t.Fatalf("read %d batches, want %d", len(stored), writers*perWriter)
	}
	for _, b := range stored {
		want := byBase[b.Header.BaseOffset]
		if b.Header.ProducerID != int64(want.writer) || b.Header.BaseSequence != want.seq {
			t.Fatalf("batch at %d is writer %d seq %d, but Append returned that offset to writer %d seq %d",
				b.Header.BaseOffset, b.Header.ProducerID, b.Header.BaseSequence, want.writer, want.seq)
		}
	}
}

func testClose(t *testing.T, s logstore.Store) {
	ctx := testContext(t)
	p := topic.Partition{Topic: "orders", Index: 0}
	create(t, s, p, id(1))
	_, d, err := s.Append(ctx, p, MakeBatch(2, 1, -1, -1, -1))
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := d.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	porttest.CloseTwice(t, s)
	if _, _, err := s.Append(ctx, p, MakeBatch(1, 1, -1, -1, -1)); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Read(ctx, p, 0, 1<<20, true); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Offsets(p); !errors.Is(err, log.ErrClosed) {
		t.Errorf("Offsets after Close: %v, want ErrClosed", err)
	}
	if err := s.CreatePartition(ctx, topic.Partition{Topic: "new", Index: 0}, id(2), Config); !errors.Is(err, log.ErrClosed) {
		t.Errorf("CreatePartition after Close: %v, want ErrClosed", err)
	}
}
