package segmentlog

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/chronik-stream/chronik/domain/log"
)

// Sizes of one entry in the index files.
const (
	OffsetIndexEntrySize = 8  // relative offset u32 + position u32
	TimeIndexEntrySize   = 12 // timestamp i64 + relative offset u32
)

// IndexEntry is one entry of a segment's sparse offset index: the batch whose
// base offset is the segment's base offset + RelOffset starts at byte
// Position of the segment file.
type IndexEntry struct {
	RelOffset uint32
	Position  uint32
}

// TimeIndexEntry is one entry of a segment's time index: the batch at the
// segment's base offset + RelOffset is the first of the segment whose max
// timestamp reaches Timestamp. An entry is added each time the segment's max
// timestamp grows, so the index is exact, not sparse.
type TimeIndexEntry struct {
	Timestamp int64
	RelOffset uint32
}

// DecodeOffsetIndex decodes an offset index file. It checks the structure
// only (length, strictly increasing offsets and positions); whether the
// entries match the segment is checked against the segment by the caller.
// Errors wrap log.ErrCorrupt.
func DecodeOffsetIndex(b []byte) ([]IndexEntry, error) {
	return decodeIndex(b, "offset", OffsetIndexEntrySize,
		func(b []byte) IndexEntry {
			return IndexEntry{RelOffset: binary.BigEndian.Uint32(b), Position: binary.BigEndian.Uint32(b[4:])}
		},
		func(e IndexEntry) (int64, int64) { return int64(e.RelOffset), int64(e.Position) })
}

// DecodeTimeIndex decodes a time index file: strictly increasing timestamps
// and relative offsets. Errors wrap log.ErrCorrupt.
func DecodeTimeIndex(b []byte) ([]TimeIndexEntry, error) {
	return decodeIndex(b, "time", TimeIndexEntrySize,
		func(b []byte) TimeIndexEntry {
			return TimeIndexEntry{Timestamp: int64(binary.BigEndian.Uint64(b)), RelOffset: binary.BigEndian.Uint32(b[8:])}
		},
		func(e TimeIndexEntry) (int64, int64) { return e.Timestamp, int64(e.RelOffset) })
}

// decodeIndex decodes the what ("offset", "time") index file b: entries of
// size bytes each, read by decode, whose two keys (printed as first@second)
// both strictly increase. Errors wrap log.ErrCorrupt.
func decodeIndex[E any](b []byte, what string, size int, decode func([]byte) E, keys func(E) (int64, int64)) ([]E, error) {
	if len(b)%size != 0 {
		return nil, fmt.Errorf("%w: %s index of %d bytes is not a multiple of %d", log.ErrCorrupt, what, len(b), size)
	}
	entries := make([]E, 0, len(b)/size)
	for i := 0; i < len(b); i += size {
		e := decode(b[i : i+size])
		if n := len(entries); n > 0 {
			first, second := keys(e)
			prevFirst, prevSecond := keys(entries[n-1])
			if first <= prevFirst || second <= prevSecond {
				return nil, fmt.Errorf("%w: %s index entry %d (%d@%d) does not follow (%d@%d)",
					log.ErrCorrupt, what, n, first, second, prevFirst, prevSecond)
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// EncodeOffsetIndex is the inverse of DecodeOffsetIndex.
func EncodeOffsetIndex(entries []IndexEntry) []byte {
	b := make([]byte, 0, len(entries)*OffsetIndexEntrySize)
	for _, e := range entries {
		b = binary.BigEndian.AppendUint32(b, e.RelOffset)
		b = binary.BigEndian.AppendUint32(b, e.Position)
	}
	return b
}

// EncodeTimeIndex is the inverse of DecodeTimeIndex.
func EncodeTimeIndex(entries []TimeIndexEntry) []byte {
	b := make([]byte, 0, len(entries)*TimeIndexEntrySize)
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, uint64(e.Timestamp))
		b = binary.BigEndian.AppendUint32(b, e.RelOffset)
	}
	return b
}

// lookupPosition returns the position of the last indexed batch whose
// relative base offset is <= rel, or 0 (the segment's first batch).
func lookupPosition(entries []IndexEntry, rel uint32) int64 {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].RelOffset > rel })
	if i == 0 {
		return 0
	}
	return int64(entries[i-1].Position)
}
