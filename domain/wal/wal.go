// Package wal defines the records of Chronik's node-wide write-ahead log and
// their framing. It is pure: files, fsync and recovery live in the segmentlog
// adapter.
//
// Every record is framed as
//
//	+-----------+-----------+----------------------------+
//	| length u32| crc32c u32| payload (length bytes)     |
//	+-----------+-----------+----------------------------+
//
// (big-endian; the CRC covers the payload) and the payload of an append is
//
//	+--------+-------------+---------------+---------------------------+
//	| kind=1 | topic id 16 | partition i32 | Kafka record batch (v2)   |
//	+--------+-------------+---------------+---------------------------+
//
// The batch is stored exactly as it was appended, base offset included, so a
// replay knows which offsets it holds.
package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// FrameHeaderSize is the length + CRC prefix of every record.
const FrameHeaderSize = 8

// MaxPayload bounds one record so that a corrupt length cannot ask for gigabytes.
const MaxPayload = 1 << 30

// Kind tells what a record holds.
type Kind uint8

// Record kinds.
const (
	KindAppend Kind = 1
)

const appendHeader = 1 + 16 + 4

// Errors owned by this package. ErrTorn means the data ends inside a record
// (a write cut short); ErrCorrupt means the bytes are all there but wrong.
// Recovery cuts either at the end of the last WAL file (a write the crash
// interrupted); the log store reports corruption elsewhere as log.ErrCorrupt.
var (
	ErrTorn    = errors.New("wal: torn record")
	ErrCorrupt = errors.New("wal: corrupt record")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Append is the payload of a KindAppend record.
type Append struct {
	TopicID   [16]byte
	Partition int32
	Batch     []byte // aliases the decoded buffer
}

// EncodedSize is the framed size of a.
func (a Append) EncodedSize() int { return FrameHeaderSize + appendHeader + len(a.Batch) }

// AppendTo appends the framed record to dst.
func (a Append) AppendTo(dst []byte) []byte {
	return append(a.AppendHeader(dst), a.Batch...)
}

// AppendHeaderSize is how many bytes of an append record come before its
// batch: the frame header, the kind, the topic id and the partition.
const AppendHeaderSize = FrameHeaderSize + appendHeader

// AppendHeader appends the first AppendHeaderSize bytes of a's framed record
// to dst, CRC included: followed by a.Batch they are exactly what AppendTo
// appends. A writer can then send the batch from where it lies (writev)
// instead of copying it after the header.
func (a Append) AppendHeader(dst []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(appendHeader+len(a.Batch)))
	dst = append(dst, 0, 0, 0, 0) // crc, filled below
	dst = append(dst, byte(KindAppend))
	dst = append(dst, a.TopicID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(a.Partition))
	crc := crc32.Update(0, castagnoli, dst[start+FrameHeaderSize:])
	crc = crc32.Update(crc, castagnoli, a.Batch)
	binary.BigEndian.PutUint32(dst[start+4:], crc)
	return dst
}

// Decode reads one framed record from the start of b and returns it with the
// number of bytes it used. The CRC is always verified.
func Decode(b []byte) (Append, int, error) {
	if len(b) < FrameHeaderSize {
		return Append{}, 0, fmt.Errorf("%w: %d bytes left, need %d for a frame header", ErrTorn, len(b), FrameHeaderSize)
	}
	n := binary.BigEndian.Uint32(b)
	if n > MaxPayload {
		return Append{}, 0, fmt.Errorf("%w: payload length %d exceeds %d", ErrCorrupt, n, MaxPayload)
	}
	total := FrameHeaderSize + int(n)
	if len(b) < total {
		return Append{}, 0, fmt.Errorf("%w: record of %d bytes, %d left", ErrTorn, total, len(b))
	}
	payload := b[FrameHeaderSize:total]
	if got, want := crc32.Checksum(payload, castagnoli), binary.BigEndian.Uint32(b[4:]); got != want {
		return Append{}, 0, fmt.Errorf("%w: crc %08x, stored %08x", ErrCorrupt, got, want)
	}
	if len(payload) < appendHeader || Kind(payload[0]) != KindAppend {
		return Append{}, 0, fmt.Errorf("%w: unknown kind or short payload (%d bytes)", ErrCorrupt, len(payload))
	}
	var a Append
	copy(a.TopicID[:], payload[1:17])
	a.Partition = int32(binary.BigEndian.Uint32(payload[17:]))
	a.Batch = payload[appendHeader:]
	return a, total, nil
}
