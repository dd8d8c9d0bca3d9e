// Package record reads and edits the fixed header of Kafka record batches
// (magic v2) without touching their records.
//
// A v2 batch on the wire and on disk:
//
//	offset  size  field
//	0       8     baseOffset            (not covered by the CRC; the broker rewrites it)
//	8       4     batchLength           (bytes after this field)
//	12      4     partitionLeaderEpoch  (not covered by the CRC)
//	16      1     magic = 2
//	17      4     crc (CRC-32C of bytes 21..end)
//	21      2     attributes            (bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control)
//	23      4     lastOffsetDelta
//	27      8     baseTimestamp
//	35      8     maxTimestamp
//	43      8     producerId
//	51      2     producerEpoch
//	53      4     baseSequence
//	57      4     recordCount
//	61      ...   records (possibly compressed)
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// HeaderSize is the size of a v2 batch header including the record count.
const HeaderSize = 61

// LengthPrefix is the size of baseOffset + batchLength, the bytes that tell a batch's size.
const LengthPrefix = 12

// Errors owned by this package.
var (
	// ErrChecksum: a batch's CRC does not match its bytes. From a client
	// this is a batch damaged on the way (Kafka's CORRUPT_MESSAGE), not
	// stored data gone bad: a log store that finds a stored batch failing
	// its checksum reports log.ErrCorrupt, the one corruption class
	// (log.IsCorruption), with this as its reason.
	ErrChecksum  = errors.New("record batch checksum mismatch")
	ErrMalformed = errors.New("malformed record batch")
	ErrMagic     = errors.New("unsupported record batch magic")
	// ErrInvalidRecord: a record the broker refuses by a topic's rules, such
	// as a value without a registered schema id under schema validation.
	ErrInvalidRecord = errors.New("invalid record")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Attribute bits.
const (
	AttrCodecMask     = 0x07
	AttrLogAppendTime = 0x08
	AttrTransactional = 0x10
	AttrControl       = 0x20
)

// Header is a decoded v2 batch header.
type Header struct {
	BaseOffset           int64
	Length               int32 // batchLength: bytes after the length field
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	RecordCount          int32
}

// Size is the batch's total size in bytes.
func (h Header) Size() int { return int(h.Length) + LengthPrefix }

// LastOffset is the offset of the batch's last record.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset after the batch.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// LastSequence is the sequence of the batch's last record, wrapping as Kafka does.
func (h Header) LastSequence() int32 {
	if h.BaseSequence < 0 {
		return h.BaseSequence
	}
	last := int64(h.BaseSequence) + int64(h.LastOffsetDelta)
	if last > 1<<31-1 {
		last -= 1 << 31
	}
	return int32(last)
}

// Idempotent reports whether the batch carries a producer id.
func (h Header) Idempotent() bool { return h.ProducerID >= 0 }

// Transactional reports the transactional attribute bit.
func (h Header) Transactional() bool { return h.Attributes&AttrTransactional != 0 }

// Control reports the control-batch attribute bit.
func (h Header) Control() bool { return h.Attributes&AttrControl != 0 }

// Codec is the compression codec number (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
func (h Header) Codec() int8 { return int8(h.Attributes & AttrCodecMask) }

// Timestamp returns the batch's timestamp as Kafka reports it for ListOffsets.
func (h Header) Timestamp() int64 { return h.MaxTimestamp }

// PeekSize reads the total size of the batch at the start of b from its length
// prefix. It needs LengthPrefix bytes.
func PeekSize(b []byte) (int, error) {
	if len(b) < LengthPrefix {
		return 0, fmt.Errorf("%w: %d bytes, need %d for the length", ErrMalformed, len(b), LengthPrefix)
	}
	n := int32(binary.BigEndian.Uint32(b[8:]))
	if n < HeaderSize-LengthPrefix {
		return 0, fmt.Errorf("%w: batch length %d is below the header size", ErrMalformed, n)
	}
	return int(n) + LengthPrefix, nil
}

// ParseHeader decodes the header of the batch at the start of b. It checks
// sizes and magic, not the CRC (see Verify). b may hold more than one batch.
func ParseHeader(b []byte) (Header, error) {
	size, err := PeekSize(b)
	if err != nil {
		return Header{}, err
	}
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes, need %d for the header", ErrMalformed, len(b), HeaderSize)
	}
	h := Header{
		BaseOffset:           int64(binary.BigEndian.Uint64(b[0:])),
		Length:               int32(size - LengthPrefix),
		PartitionLeaderEpoch: int32(binary.BigEndian.Uint32(b[12:])),
		Magic:                int8(b[16]),
	}
	if h.Magic != 2 {
		return h, fmt.Errorf("%w: %d", ErrMagic, h.Magic)
	}
	h.CRC = binary.BigEndian.Uint32(b[17:])
	h.Attributes = int16(binary.BigEndian.Uint16(b[21:]))
	h.LastOffsetDelta = int32(binary.BigEndian.Uint32(b[23:]))
	h.BaseTimestamp = int64(binary.BigEndian.Uint64(b[27:]))
	h.MaxTimestamp = int64(binary.BigEndian.Uint64(b[35:]))
	h.ProducerID = int64(binary.BigEndian.Uint64(b[43:]))
	h.ProducerEpoch = int16(binary.BigEndian.Uint16(b[51:]))
	h.BaseSequence = int32(binary.BigEndian.Uint32(b[53:]))
	h.RecordCount = int32(binary.BigEndian.Uint32(b[57:]))
	if h.LastOffsetDelta < 0 || h.RecordCount < 0 {
		return h, fmt.Errorf("%w: negative lastOffsetDelta %d or record count %d", ErrMalformed, h.LastOffsetDelta, h.RecordCount)
	}
	return h, nil
}

// Verify checks the CRC-32C of the single batch b (exactly one batch).
func Verify(b []byte) error {
	h, err := ParseHeader(b)
	if err != nil {
		return err
	}
	if h.Size() != len(b) {
		return fmt.Errorf("%w: batch says %d bytes, have %d", ErrMalformed, h.Size(), len(b))
	}
	if got := crc32.Checksum(b[21:], castagnoli); got != h.CRC {
		return fmt.Errorf("%w: stored %08x, computed %08x", ErrChecksum, h.CRC, got)
	}
	return nil
}

// SetBaseOffset rewrites the base offset; the CRC does not cover it.
func SetBaseOffset(b []byte, offset int64) { binary.BigEndian.PutUint64(b[0:], uint64(offset)) }

// SetLeaderEpoch rewrites the partition leader epoch; the CRC does not cover it.
func SetLeaderEpoch(b []byte, epoch int32) { binary.BigEndian.PutUint32(b[12:], uint32(epoch)) }

// SetLogAppendTime marks the batch as stamped by the broker at ts and
// recomputes the CRC, as Kafka does for message.timestamp.type=LogAppendTime.
func SetLogAppendTime(b []byte, ts int64) {
	attrs := binary.BigEndian.Uint16(b[21:]) | AttrLogAppendTime
	binary.BigEndian.PutUint16(b[21:], attrs)
	binary.BigEndian.PutUint64(b[35:], uint64(ts))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
}

// Split walks the concatenated batches in b, calling fn with each whole batch
// and its header. A trailing partial batch is reported in rest (Kafka allows a
// fetch response to end in one); malformed data is an error.
func Split(b []byte, fn func(h Header, batch []byte) error) (rest []byte, err error) {
	for len(b) > 0 {
		size, err := PeekSize(b)
		if err != nil {
			if len(b) < LengthPrefix {
				return b, nil
			}
			return b, err
		}
		if size > len(b) {
			return b, nil
		}
		h, err := ParseHeader(b[:size])
		if err != nil {
			return b, err
		}
		if err := fn(h, b[:size]); err != nil {
			return b, err
		}
		b = b[size:]
	}
	return nil, nil
}

// Checksum is CRC-32C as Kafka and the WAL use it.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
