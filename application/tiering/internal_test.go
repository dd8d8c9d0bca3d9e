package tiering

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
	"github.com/chronik-stream/chronik/ports/objstore"
)

func TestManifestRoundTripAndChecks(t *testing.T) {
	tp := topic.Partition{Topic: "orders", Index: 2}
	id := topic.ID{1, 15: 9}
	m := newManifest(tp, id, 10)
	m.Objects = []object{{Base: 0, End: 50, Bytes: 100, MaxTimestamp: 5, Key: "a"}, {Base: 60, End: 90, Bytes: 10, MaxTimestamp: 7, Key: "b"}}
	m.End = 120
	got, err := decodeManifest(encodeManifest(m))
	if err != nil || got.End != 120 || got.LogStart != 10 || len(got.Objects) != 2 || got.Objects[1] != m.Objects[1] {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if gid, _ := got.id(); gid != id {
		t.Fatalf("id %v, want %v", gid, id)
	}
	bad := []func(m *manifest){
		func(m *manifest) { m.Version = 2 },
		func(m *manifest) { m.TopicID = "zz" },
		func(m *manifest) { m.Objects[1].Base = 40 },  // overlaps
		func(m *manifest) { m.Objects[0].End = 0 },    // empty
		func(m *manifest) { m.Objects[0].Key = "" },   // no key
		func(m *manifest) { m.End = 80 },              // end inside an object
		func(m *manifest) { m.LogStart = 130 },        // start past the end
		func(m *manifest) { m.LogStart = -1 },         // negative start
		func(m *manifest) { m.Objects[0].Bytes = -1 }, // negative size
	}
	for i, mutate := range bad {
		c := m.clone()
		mutate(c)
		if _, err := decodeManifest(encodeManifest(c)); err == nil {
			t.Errorf("mutation %d was accepted", i)
		}
	}
	if _, err := decodeManifest([]byte("{")); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestIndexRoundTripAndCorruption(t *testing.T) {
	b := indexBuilder{interval: 100}
	for i := range 50 {
		b.add(int64(i*40), int64(i*3), int64(1000+i%7))
	}
	enc := encodeIndex(b.spans)
	spans, err := decodeIndex(enc)
	if err != nil || len(spans) != len(b.spans) || len(spans) < 10 {
		t.Fatalf("decode: %d spans, %v", len(spans), err)
	}
	for i, s := range spans {
		if s != b.spans[i] {
			t.Fatalf("span %d = %+v, want %+v", i, s, b.spans[i])
		}
	}
	if i := spanFor(spans, spans[3].Offset+1); i != 3 {
		t.Fatalf("spanFor = %d, want 3", i)
	}
	for i := range enc {
		c := bytes.Clone(enc)
		c[i] ^= 0x40
		if _, err := decodeIndex(c); err == nil {
			t.Fatalf("flipping byte %d was not detected", i)
		}
	}
	if _, err := decodeIndex(enc[:len(enc)-1]); !errors.Is(err, errBadIndex) {
		t.Fatalf("truncated index: %v", err)
	}
}

func TestSnapshotRoundTripAndCorruption(t *testing.T) {
	kvs := []kv{{[]byte("topic/a"), []byte("{}")}, {[]byte("offset/g\x00a\x000"), nil}, {[]byte("k"), bytes.Repeat([]byte{7}, 1000)}}
	enc := encodeSnapshot(kvs)
	got, err := decodeSnapshot(enc)
	if err != nil || len(got) != 3 || !bytes.Equal(got[2].value, kvs[2].value) || string(got[1].key) != string(kvs[1].key) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	for _, n := range []int{0, 10, len(enc) - 1} {
		if _, err := decodeSnapshot(enc[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	c := bytes.Clone(enc)
	c[30] ^= 1
	if _, err := decodeSnapshot(c); !errors.Is(err, errBadSnapshot) {
		t.Fatalf("flipped byte: %v", err)
	}
}

func TestCacheStaysWithinItsBound(t *testing.T) {
	c := newBlockCache(10)
	for i := range 20 {
		c.put(blockID{"k", int64(i)}, make([]byte, 3))
		if c.bytes() > 10 {
			t.Fatalf("cache holds %d bytes, bound 10", c.bytes())
		}
	}
	if _, ok := c.get(blockID{"k", 19}); !ok {
		t.Fatal("the newest block was evicted")
	}
	if _, ok := c.get(blockID{"k", 0}); ok {
		t.Fatal("the oldest block survived")
	}
	c.put(blockID{"big", 0}, make([]byte, 11))
	if _, ok := c.get(blockID{"big", 0}); ok {
		t.Fatal("a block larger than the cache was kept")
	}
	c.dropKey("k")
	if c.bytes() != 0 {
		t.Fatalf("%d bytes left after dropping the only key", c.bytes())
	}
}

// TestRemoteReadManySpans reads every offset of an object with many index
// spans and small blocks' worth of batches, and checks only the needed
// bytes are fetched.
func TestRemoteReadManySpans(t *testing.T) {
	ctx := context.Background()
	bucket := mapBucket{}
	var (
		data  []byte
		ib    = indexBuilder{interval: 4 << 10}
		heads []record.Header
	)
	off := int64(100)
	for i := range 400 {
		b := logstoretest.MakeBatchValues(int64(5000+i), -1, -1, -1, bytes.Repeat([]byte{byte(i)}, 300), []byte(fmt.Sprint(i)))
		record.SetBaseOffset(b, off)
		h, _ := record.ParseHeader(b)
		ib.add(int64(len(data)), off, h.MaxTimestamp)
		heads = append(heads, h)
		data = append(data, b...)
		off = h.NextOffset()
	}
	o := object{Base: 100, End: off, Bytes: int64(len(data)), MaxTimestamp: 5399, Key: "tier/x/0/obj.batches"}
	if err := bucket.Put(ctx, o.Key, data); err != nil {
		t.Fatal(err)
	}
	if err := bucket.Put(ctx, indexKey(o.Key), encodeIndex(ib.spans)); err != nil {
		t.Fatal(err)
	}
	r := newRemote(bucket, 4<<20, time.Second)
	for i, h := range heads {
		for _, at := range []int64{h.BaseOffset, h.LastOffset()} {
			b, err := r.read(ctx, o, at, 1, true)
			if err != nil {
				t.Fatal(err)
			}
			got, err := record.ParseHeader(b)
			if err != nil || got.BaseOffset != h.BaseOffset || len(b) != h.Size() {
				t.Fatalf("read at %d (batch %d): base %d, %d bytes, %v", at, i, got.BaseOffset, len(b), err)
			}
		}
	}
	if r.gets.Load() > int64(len(data))/blockSize+1 {
		t.Fatalf("%d GETs for a %d-byte object: blocks are not cached", r.gets.Load(), len(data))
	}
	all, err := r.read(ctx, o, 100, 1<<30, false)
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("reading the whole object: %d of %d bytes, %v", len(all), len(data), err)
	}
	if got, ts, found, err := r.offsetForTimestamp(ctx, o, 100, 5250); err != nil || !found || got != heads[250].BaseOffset || ts != 5250 {
		t.Fatalf("offsetForTimestamp(5250) = %d, %d, %v, %v", got, ts, found, err)
	}
	if _, _, found, _ := r.offsetForTimestamp(ctx, o, 100, 6000); found {
		t.Fatal("offsetForTimestamp past every batch found one")
	}

	// A truncated object is corrupt, not a hang or a panic.
	short := o
	short.Key = "tier/x/0/short.batches"
	if err := bucket.Put(ctx, short.Key, data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(ctx, short, o.End-1, 1<<20, true); !errors.Is(err, log.ErrCorrupt) {
		t.Fatalf("read past a truncated object: %v, want ErrCorrupt", err)
	}
}

// mapBucket is the least objstore.Bucket the remote reader's tests need:
// objects in a map, no concurrency, no listing.
type mapBucket map[string][]byte

func (b mapBucket) Put(_ context.Context, key string, data []byte) error {
	b[key] = bytes.Clone(data)
	return nil
}

func (b mapBucket) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if _, ok := b[key]; ok {
		return objstore.ErrExists
	}
	return b.Put(ctx, key, data)
}

func (b mapBucket) Get(ctx context.Context, key string) ([]byte, error) {
	return b.GetRange(ctx, key, 0, -1)
}

func (b mapBucket) GetRange(_ context.Context, key string, offset, length int64) ([]byte, error) {
	data, ok := b[key]
	if !ok {
		return nil, objstore.ErrNotFound
	}
	start, end, err := objstore.Range(int64(len(data)), offset, length)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(data[start:end]), nil
}

func (b mapBucket) List(context.Context, string, string, int) ([]objstore.ObjectInfo, string, error) {
	return nil, "", errors.New("mapBucket does not list")
}

func (b mapBucket) Delete(_ context.Context, key string) error { delete(b, key); return nil }
func (b mapBucket) Close() error                               { return nil }
