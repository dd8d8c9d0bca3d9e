package tiering

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"

	"github.com/chronik-stream/chronik/domain/log"
)

// An object's index is a sparse list of spans: each entry names the batch
// that starts a span (its base offset and byte position) and the largest
// batch timestamp inside the span, which runs to the next entry. A new span
// starts every indexInterval bytes. Encoded big-endian:
//
//	"CKTI" | version u8 | count u32 | count × (offset i64, position i64, max timestamp i64) | crc32c u32
const (
	indexMagic    = "CKTI"
	indexVersion  = 1
	indexEntry    = 24
	indexInterval = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type span struct {
	Offset   int64 // base offset of the span's first batch
	Position int64 // its byte position in the object
	MaxTs    int64 // largest batch max timestamp in the span
}

// indexBuilder collects spans while an object is assembled.
type indexBuilder struct {
	interval int64 // bytes per span; 0 means indexInterval
	spans    []span
	last     int64 // position of the last span start
}

// add records the batch at pos; call it for every batch in order.
func (b *indexBuilder) add(pos, baseOffset, maxTs int64) {
	interval := b.interval
	if interval == 0 {
		interval = indexInterval
	}
	if len(b.spans) == 0 || pos-b.last >= interval {
		b.spans = append(b.spans, span{Offset: baseOffset, Position: pos, MaxTs: maxTs})
		b.last = pos
		return
	}
	s := &b.spans[len(b.spans)-1]
	s.MaxTs = max(s.MaxTs, maxTs)
}

func encodeIndex(spans []span) []byte {
	b := make([]byte, 0, len(indexMagic)+1+4+len(spans)*indexEntry+4)
	b = append(b, indexMagic...)
	b = append(b, indexVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(spans)))
	for _, s := range spans {
		b = binary.BigEndian.AppendUint64(b, uint64(s.Offset))
		b = binary.BigEndian.AppendUint64(b, uint64(s.Position))
		b = binary.BigEndian.AppendUint64(b, uint64(s.MaxTs))
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// errBadIndex is of the corruption class (log.IsCorruption).
var errBadIndex = log.NewCorruption("tier index is corrupt")

// decodeIndex parses an index and checks its checksum and order.
func decodeIndex(b []byte) ([]span, error) {
	const head = len(indexMagic) + 1 + 4
	if len(b) < head+4 || string(b[:4]) != indexMagic || b[4] != indexVersion {
		return nil, fmt.Errorf("%w: bad header", errBadIndex)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadIndex)
	}
	n := int(binary.BigEndian.Uint32(b[5:]))
	if len(body) != head+n*indexEntry {
		return nil, fmt.Errorf("%w: %d entries do not fit %d bytes", errBadIndex, n, len(b))
	}
	spans := make([]span, n)
	for i := range spans {
		e := body[head+i*indexEntry:]
		spans[i] = span{
			Offset:   int64(binary.BigEndian.Uint64(e)),
			Position: int64(binary.BigEndian.Uint64(e[8:])),
			MaxTs:    int64(binary.BigEndian.Uint64(e[16:])),
		}
		if i > 0 && (spans[i].Offset <= spans[i-1].Offset || spans[i].Position <= spans[i-1].Position) {
			return nil, fmt.Errorf("%w: entries out of order", errBadIndex)
		}
	}
	if n == 0 || spans[0].Position != 0 {
		return nil, fmt.Errorf("%w: the first span must start the object", errBadIndex)
	}
	return spans, nil
}

// spanFor returns the index of the span holding offset (the last span
// starting at or before it).
func spanFor(spans []span, offset int64) int {
	return max(sort.Search(len(spans), func(i int) bool { return spans[i].Offset > offset })-1, 0)
}
