package segmentlog

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
)

// File name parts.
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	tmpSuffix       = ".tmp"
	baseDigits      = 20
)

// maxSegmentPosition bounds a segment file: index positions are u32.
const maxSegmentPosition = 1<<32 - 1

// headerChunk is how much a header scan reads at once.
const headerChunk = 8 << 10

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one file of a partition log, holding the batches whose offsets
// start at base, and the in-memory copy of its indexes.
//
// The committer is the only writer: it appends to the file with pwrite and
// updates the fields below under the partition's mu. Readers take the
// partition's mu for reading, copy what they need, take io for reading and
// release mu before they pread.
type segment struct {
	base int64
	path string // the .log file

	// The file, opened on demand through the store's handle cache; h is
	// guarded by the cache's mu.
	cache *handleCache
	h     handle

	// io is held for reading by a pread in flight and for writing by whoever
	// closes the segment, so a segment is never closed under a reader.
	io     sync.RWMutex
	closed bool // guarded by io

	// Guarded by the partition's mu; written only by the committer (or
	// before the segment is published).
	size        int64 // bytes of whole batches in the file
	next        int64 // offset after the last batch; base when empty
	index       []IndexEntry
	times       []TimeIndexEntry
	lastIndexed int64 // position of the last index entry; 0 stands for the implicit first entry
	maxTs       int64 // largest batch max timestamp; -1 when none
	maxTsOffset int64 // base offset of the first batch with maxTs; -1 when none
	sealed      bool

	// created is when the segment was created or opened; segment.ms counts
	// from it. Applier-owned.
	created time.Time
	// wbFrom is where the next asynchronous writeback starts: the bytes
	// before it were handed to the writeback goroutine. Applier-owned.
	wbFrom int64
}

func newSegment(c *handleCache, dir string, base int64, created time.Time) *segment {
	return &segment{
		base:        base,
		path:        segmentPath(dir, base),
		cache:       c,
		next:        base,
		maxTs:       -1,
		maxTsOffset: -1,
		created:     created,
	}
}

func baseName(base int64) string { return fmt.Sprintf("%0*d", baseDigits, base) }

func segmentPath(dir string, base int64) string {
	return filepath.Join(dir, baseName(base)+logSuffix)
}

func indexPath(logPath string) string {
	return strings.TrimSuffix(logPath, logSuffix) + indexSuffix
}

func timeIndexPath(logPath string) string {
	return strings.TrimSuffix(logPath, logSuffix) + timeIndexSuffix
}

// parseBase parses "<20 digits><suffix>".
func parseBase(name, suffix string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, suffix)
	if !ok || len(digits) != baseDigits {
		return 0, false
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// empty reports whether the segment holds no batch.
func (sg *segment) empty() bool { return sg.size == 0 }

// track records the batch h written at pos: size, next offset, indexes and
// max timestamp. The caller holds the partition's mu (or owns the segment).
func (sg *segment) track(pos int64, h record.Header, indexInterval int64) {
	rel := uint32(h.BaseOffset - sg.base)
	if pos > 0 && pos-sg.lastIndexed >= indexInterval {
		sg.index = append(sg.index, IndexEntry{RelOffset: rel, Position: uint32(pos)})
		sg.lastIndexed = pos
	}
	if h.MaxTimestamp > sg.maxTs {
		sg.times = append(sg.times, TimeIndexEntry{Timestamp: h.MaxTimestamp, RelOffset: rel})
		sg.maxTs, sg.maxTsOffset = h.MaxTimestamp, h.BaseOffset
	}
	sg.size = pos + int64(h.Size())
	sg.next = h.NextOffset()
}

// resetTracking forgets everything track learned, before a rebuild.
func (sg *segment) resetTracking() {
	sg.size, sg.next = 0, sg.base
	sg.index, sg.times, sg.lastIndexed = nil, nil, 0
	sg.maxTs, sg.maxTsOffset = -1, -1
}

// positionFor returns where to start scanning for offset. Caller holds mu.
func (sg *segment) positionFor(offset int64) int64 {
	if offset <= sg.base {
		return 0
	}
	rel := offset - sg.base
	if rel > maxSegmentPosition {
		rel = maxSegmentPosition
	}
	return lookupPosition(sg.index, uint32(rel))
}

// maxTimestampBelow returns the largest batch timestamp among batches with
// base offset < hw, and the base offset of the first batch that has it.
// Caller holds mu.
func (sg *segment) maxTimestampBelow(hw int64) (ts, offset int64) {
	if sg.next <= hw {
		return sg.maxTs, sg.maxTsOffset
	}
	i := sort.Search(len(sg.times), func(i int) bool { return sg.base+int64(sg.times[i].RelOffset) >= hw })
	if i == 0 {
		return -1, -1
	}
	e := sg.times[i-1]
	return e.Timestamp, sg.base + int64(e.RelOffset)
}

// closeFile closes the segment once no read is in flight: its file, if
// open, closes, and it is never opened again.
func (sg *segment) closeFile() error {
	sg.io.Lock()
	defer sg.io.Unlock()
	if sg.closed {
		return nil
	}
	sg.closed = true
	return sg.cache.drop(sg)
}

// corruptf makes an error that wraps log.ErrCorrupt and names the segment.
func (sg *segment) corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: segment %s: %s", log.ErrCorrupt, sg.path, fmt.Sprintf(format, args...))
}

// headerReader reads batch headers at arbitrary positions of a segment file,
// caching one chunk so that a walk over small batches costs few preads.
type headerReader struct {
	r     io.ReaderAt
	limit int64 // bytes of the file that may be read
	buf   []byte
	at    int64 // file position of buf[0]
}

func (hr *headerReader) header(pos int64) (record.Header, error) {
	if pos+record.HeaderSize > hr.limit {
		return record.Header{}, fmt.Errorf("batch header at %d runs past the end of the data (%d)", pos, hr.limit)
	}
	if pos < hr.at || pos+record.HeaderSize > hr.at+int64(len(hr.buf)) {
		n := min(int64(headerChunk), hr.limit-pos)
		if cap(hr.buf) < headerChunk {
			hr.buf = make([]byte, 0, headerChunk)
		}
		hr.buf = hr.buf[:n]
		if err := readFull(hr.r, hr.buf, pos); err != nil {
			hr.buf = hr.buf[:0]
			return record.Header{}, fmt.Errorf("reading at %d: %w", pos, err)
		}
		hr.at = pos
	}
	off := pos - hr.at
	return record.ParseHeader(hr.buf[off : off+record.HeaderSize])
}

// read returns the whole batches of the segment from the one holding offset
// on, at most maxBytes of them (with minOne, at least the first one), none at
// or past hw. pos is where to start looking (from the index) and limit is the
// segment's size when the caller looked. found is false when the segment has
// no batch holding offset or later. The caller holds io for reading and f
// from the handle cache.
func (sg *segment) read(f file, pos, limit, offset, hw int64, maxBytes int, minOne bool) (out []byte, found bool, err error) {
	hr := headerReader{r: f, limit: limit}
	for {
		if pos >= limit {
			return nil, false, nil
		}
		h, err := hr.header(pos)
		if err != nil {
			return nil, false, sg.corruptf("looking for offset %d: %v", offset, err)
		}
		if h.BaseOffset >= hw {
			return nil, true, nil
		}
		if h.NextOffset() > offset {
			break
		}
		pos += int64(h.Size())
	}

	n := min(int64(max(maxBytes, 0)), limit-pos)
	n = max(n, min(int64(record.HeaderSize), limit-pos)) // always look at the first header
	buf := make([]byte, n)
	if err := readFull(f, buf, pos); err != nil {
		return nil, false, fmt.Errorf("reading segment %s at %d: %w", sg.path, pos, err)
	}
	end := 0
	for len(buf)-end >= record.HeaderSize {
		h, err := record.ParseHeader(buf[end:])
		if err != nil {
			return nil, false, sg.corruptf("batch at %d: %v", pos+int64(end), err)
		}
		if h.BaseOffset >= hw {
			break
		}
		size := h.Size()
		if end+size > len(buf) {
			if end == 0 && minOne {
				if pos+int64(size) > limit {
					return nil, false, sg.corruptf("batch at %d of %d bytes runs past the end (%d)", pos, size, limit)
				}
				whole := make([]byte, size)
				if err := readFull(f, whole, pos); err != nil {
					return nil, false, fmt.Errorf("reading segment %s at %d: %w", sg.path, pos, err)
				}
				return whole, true, nil
			}
			break
		}
		end += size
	}
	if end < len(buf)/2 {
		// Do not hand out a large buffer that is mostly unused.
		return append([]byte(nil), buf[:end]...), true, nil
	}
	return buf[:end:end], true, nil
}

// scanResult is what scanBatches learned.
type scanResult struct {
	end  int64 // position after the last valid batch
	next int64 // offset after the last valid batch; base when none
	bad  error // why the scan stopped before size; nil when it reached it
}

const scanBufferSize = 1 << 20

// errTornBatch marks a batch cut short by the end of the file.
var errTornBatch = errors.New("batch cut short by the end of the file")

// scanBatches walks the batches of a segment file in order from position 0
// to size. It stops at the first batch that is cut short, malformed, not
// contiguous with its predecessor or (with verify) fails its CRC-32C, and
// says why in bad. fn sees every valid batch with its position. The CRC is
// computed while streaming, so a corrupt length never makes it allocate. An
// I/O error is returned as err.
func scanBatches(r io.ReaderAt, size, base int64, verify bool, fn func(pos int64, h record.Header)) (scanResult, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), scanBufferSize)
	res := scanResult{next: base}
	pos := int64(0)
	for pos < size {
		left := size - pos
		if left < record.HeaderSize {
			res.bad = fmt.Errorf("%w: %d bytes left, a header needs %d", errTornBatch, left, record.HeaderSize)
			break
		}
		hdr, err := br.Peek(record.HeaderSize)
		if err != nil {
			return res, fmt.Errorf("reading at %d: %w", pos, err)
		}
		h, err := record.ParseHeader(hdr)
		if err != nil {
			res.bad = fmt.Errorf("batch at %d: %w", pos, err)
			break
		}
		n := int64(h.Size())
		if n > left {
			res.bad = fmt.Errorf("%w: batch at %d is %d bytes, %d left", errTornBatch, pos, n, left)
			break
		}
		if h.BaseOffset != res.next {
			res.bad = fmt.Errorf("batch at %d has base offset %d, expected %d", pos, h.BaseOffset, res.next)
			break
		}
		if verify {
			crc := crc32.Update(0, castagnoli, hdr[21:])
			if _, err := br.Discard(record.HeaderSize); err != nil {
				return res, fmt.Errorf("reading at %d: %w", pos, err)
			}
			for rest := n - record.HeaderSize; rest > 0; {
				chunk, err := br.Peek(int(min(rest, int64(br.Size()))))
				if err != nil {
					return res, fmt.Errorf("reading at %d: %w", pos, err)
				}
				crc = crc32.Update(crc, castagnoli, chunk)
				rest -= int64(len(chunk))
				if _, err := br.Discard(len(chunk)); err != nil {
					return res, fmt.Errorf("reading at %d: %w", pos, err)
				}
			}
			if crc != h.CRC {
				res.bad = fmt.Errorf("batch at %d: %w: stored %08x, computed %08x", pos, record.ErrChecksum, h.CRC, crc)
				break
			}
		} else if _, err := br.Discard(int(n)); err != nil {
			return res, fmt.Errorf("reading at %d: %w", pos, err)
		}
		if fn != nil {
			fn(pos, h)
		}
		pos += n
		res.end, res.next = pos, h.NextOffset()
	}
	return res, nil
}
