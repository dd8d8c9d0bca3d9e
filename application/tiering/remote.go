package tiering

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// maxIndexes bounds the decoded object indexes kept in memory (a few KiB
// each).
const maxIndexes = 4096

// remote reads record batches out of uploaded objects, through the block
// cache. Safe for concurrent use.
type remote struct {
	bucket  objstore.Bucket
	cache   *blockCache
	timeout time.Duration

	imu     sync.Mutex
	indexes map[string][]span

	gets, getBytes atomic.Int64
}

func newRemote(bucket objstore.Bucket, cacheBytes int64, timeout time.Duration) *remote {
	return &remote{bucket: bucket, cache: newBlockCache(cacheBytes), timeout: timeout, indexes: map[string][]span{}}
}

// corrupt marks a structural problem found in an object.
func corrupt(o object, format string, args ...any) error {
	return fmt.Errorf("%w: object %s: %s", log.ErrCorrupt, o.Key, fmt.Sprintf(format, args...))
}

// index returns o's spans. An object without a readable index is one
// span, scanned from its start.
func (r *remote) index(ctx context.Context, o object) ([]span, error) {
	r.imu.Lock()
	spans, ok := r.indexes[o.Key]
	r.imu.Unlock()
	if ok {
		return spans, nil
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	b, err := r.bucket.Get(cctx, indexKey(o.Key))
	switch {
	case err == nil:
		if spans, err = decodeIndex(b); err != nil {
			spans = []span{{Offset: o.Base, MaxTs: o.MaxTimestamp}}
		}
	case errors.Is(err, objstore.ErrNotFound):
		spans = []span{{Offset: o.Base, MaxTs: o.MaxTimestamp}}
	default:
		return nil, fmt.Errorf("%w: reading the index of %s: %v", log.ErrRemoteUnavailable, o.Key, err)
	}
	r.imu.Lock()
	if len(r.indexes) >= maxIndexes {
		clear(r.indexes)
	}
	r.indexes[o.Key] = spans
	r.imu.Unlock()
	return spans, nil
}

// forget drops what is cached of a deleted object.
func (r *remote) forget(key string) {
	r.imu.Lock()
	delete(r.indexes, key)
	r.imu.Unlock()
	r.cache.dropKey(key)
}

// block returns block n of o, from the cache or with one ranged GET.
func (r *remote) block(ctx context.Context, o object, n int64) ([]byte, error) {
	id := blockID{key: o.Key, block: n}
	if b, ok := r.cache.get(id); ok {
		return b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	start := n * blockSize
	b, err := r.bucket.GetRange(ctx, o.Key, start, min(blockSize, o.Bytes-start))
	if err != nil {
		if errors.Is(err, objstore.ErrNotFound) {
			return nil, corrupt(o, "missing from the object store")
		}
		return nil, fmt.Errorf("%w: reading %s at %d: %v", log.ErrRemoteUnavailable, o.Key, start, err)
	}
	r.gets.Add(1)
	r.getBytes.Add(int64(len(b)))
	r.cache.put(id, b)
	return b, nil
}

// readAt returns n bytes of o from byte off.
func (r *remote) readAt(ctx context.Context, o object, off, n int64) ([]byte, error) {
	if off < 0 || off+n > o.Bytes {
		return nil, corrupt(o, "bytes [%d, %d) are outside the %d-byte object", off, off+n, o.Bytes)
	}
	out := make([]byte, 0, n)
	for end := off + n; off < end; {
		blk := off / blockSize
		data, err := r.block(ctx, o, blk)
		if err != nil {
			return nil, err
		}
		from := off - blk*blockSize
		if from >= int64(len(data)) {
			return nil, corrupt(o, "shorter than the %d bytes its manifest says", o.Bytes)
		}
		take := min(end-off, int64(len(data))-from)
		out = append(out, data[from:from+take]...)
		off += take
	}
	return out, nil
}

// header reads the batch header at pos.
func (r *remote) header(ctx context.Context, o object, pos int64) (record.Header, error) {
	hb, err := r.readAt(ctx, o, pos, min(record.HeaderSize, o.Bytes-pos))
	if err != nil {
		return record.Header{}, err
	}
	h, err := record.ParseHeader(hb)
	if err != nil {
		return h, corrupt(o, "batch at position %d: %v", pos, err)
	}
	if pos+int64(h.Size()) > o.Bytes {
		return h, corrupt(o, "batch at position %d runs past the end", pos)
	}
	return h, nil
}

// read returns whole batches of o from the one holding offset, up to
// maxBytes (with minOne, at least the first batch).
func (r *remote) read(ctx context.Context, o object, offset int64, maxBytes int, minOne bool) ([]byte, error) {
	spans, err := r.index(ctx, o)
	if err != nil {
		return nil, err
	}
	pos := spans[spanFor(spans, offset)].Position
	var out []byte
	for pos < o.Bytes && len(out) < maxBytes {
		h, err := r.header(ctx, o, pos)
		if err != nil {
			return nil, err
		}
		size := int64(h.Size())
		if h.LastOffset() < offset {
			pos += size
			continue
		}
		if len(out)+int(size) > maxBytes && (!minOne || len(out) > 0) {
			break
		}
		b, err := r.readAt(ctx, o, pos, size)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		pos += size
	}
	return out, nil
}

// offsetForTimestamp returns the base offset and max timestamp of o's first
// batch holding offsets >= start whose max timestamp is >= ts.
func (r *remote) offsetForTimestamp(ctx context.Context, o object, start, ts int64) (int64, int64, bool, error) {
	spans, err := r.index(ctx, o)
	if err != nil {
		return -1, -1, false, err
	}
	for i, sp := range spans {
		limit := o.Bytes
		if i+1 < len(spans) {
			limit = spans[i+1].Position
			if spans[i+1].Offset <= start {
				continue // wholly below start
			}
		}
		if sp.MaxTs < ts {
			continue
		}
		for pos := sp.Position; pos < limit; {
			h, err := r.header(ctx, o, pos)
			if err != nil {
				return -1, -1, false, err
			}
			if h.NextOffset() > start && h.MaxTimestamp >= ts {
				return h.BaseOffset, h.MaxTimestamp, true, nil
			}
			pos += int64(h.Size())
		}
	}
	return -1, -1, false, nil
}
