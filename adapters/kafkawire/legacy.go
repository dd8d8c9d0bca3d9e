package kafkawire

// Legacy message sets (magic 0 and 1), spoken by clients older than Kafka
// 0.11 through Produce v0–v2 and Fetch v0–v3. The log stores v2 batches only,
// so Produce converts up and Fetch converts down, as Kafka does when its log
// format is v2.
//
// A legacy message set is messages back to back, with no count:
//
//	offset        int64
//	message_size  int32   bytes that follow
//	crc           uint32  CRC-32 (IEEE) of magic..end
//	magic         int8    0 or 1
//	attributes    int8    bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4),
//	                      bit 3 LogAppendTime (magic 1)
//	timestamp     int64   magic 1 only
//	key           int32 length (-1 null), bytes
//	value         int32 length (-1 null), bytes
//
// A compressed message is a wrapper whose value is a compressed inner message
// set of uncompressed messages (one level only).
//
// Up (Produce v0–v2): every message, or every inner message of a wrapper, is
// one record of a single v2 batch (base offset 0, no producer id, CreateTime)
// with the messages' key, value and timestamp; magic 0 messages have no
// timestamp and get -1, as in Kafka. Inner messages of a magic 1 wrapper
// marked LogAppendTime take the wrapper's timestamp, which is what Kafka's
// reader reports for them. Offsets the client wrote are ignored (the log
// assigns them). Every message's CRC is checked, wrappers and inner messages
// alike. If any wrapper was compressed, the batch is recompressed with that
// codec (the last one, if wrappers differ, like Kafka's source codec), so
// that a compressed legacy set still fits max.message.bytes. Snappy wrappers
// may be raw snappy or in the xerial framing of the Java client; the batch
// gets raw snappy, as kgo's compressor writes it (the Java client, librdkafka
// and franz-go read both forms). LZ4
// wrappers of magic 0 carry a frame header checksum that Kafka 0.8–0.9
// computed wrongly (KAFKA-3160) and Kafka ignores for magic 0: it is
// recomputed before decompressing. zstd needs magic 2 and is refused with
// UNSUPPORTED_COMPRESSION_TYPE.
//
// Down (Fetch v0–v3): magic 0 for Fetch v0–v1, magic 1 for v2–v3. Control
// batches are skipped; every other record becomes one uncompressed message
// with its absolute offset, its key and value, and (magic 1) its timestamp:
// the batch's max timestamp with the LogAppendTime bit for LogAppendTime
// batches, as Kafka does. Headers have no legacy form and are dropped. Whole
// batches are converted, so the first may hold records before the fetch
// offset; old clients skip them. A trailing partial batch is dropped, as a
// fetch may end in one. A batch that cannot be converted ends the set there,
// so a consumer reads up to it and then gets CORRUPT_MESSAGE.
//
// Decompression is bounded (Server's compression.Decompressor): up-conversion refuses a message
// set whose compressed messages decompress to more than the broker's
// limit in total, or whose converted records would exceed it, with
// MESSAGE_TOO_LARGE; down-conversion decompresses each batch within the
// limit and produces at most the limit per Fetch response (downConverter),
// so a compression bomb costs the limit, not its decompressed size.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/ports/compression"
)

const (
	// legacyLogOverhead is a message's offset and message_size fields.
	legacyLogOverhead = 12
	// legacyMinSize is the smallest message_size of magic 0: crc, magic,
	// attributes and two null lengths. Magic 1 adds a timestamp.
	legacyMinSize   = 4 + 1 + 1 + 4 + 4
	legacyTimestamp = 8

	codecNone   = compression.None
	codecGzip   = compression.Gzip
	codecSnappy = compression.Snappy
	codecLZ4    = compression.LZ4
	codecZstd   = compression.Zstd

	// batchOverhead is a v2 batch's Length minus its records.
	batchOverhead = record.HeaderSize - record.LengthPrefix
)

// errUncompressedTooLarge wraps log.ErrTooLarge: MESSAGE_TOO_LARGE.
var errUncompressedTooLarge = fmt.Errorf("%w: records decompress to more than the broker accepts", log.ErrTooLarge)

var (
	// compressors holds kgo's compressor per legacy codec (gzip, snappy,
	// lz4); all are safe for concurrent use.
	compressors = func() map[int8]kgo.Compressor {
		m := make(map[int8]kgo.Compressor)
		for codec, c := range map[int8]kgo.CompressionCodec{
			1: kgo.GzipCompression(), 2: kgo.SnappyCompression(), 3: kgo.Lz4Compression(),
		} {
			if comp, err := kgo.DefaultCompressor(c); err == nil && comp != nil {
				m[codec] = comp
			}
		}
		return m
	}()
)

// legacyMessage is one decoded message of a legacy message set.
type legacyMessage struct {
	offset     int64
	magic      int8
	attributes int8
	timestamp  int64 // -1 for magic 0
	key, value []byte
}

func (m legacyMessage) codec() int8 { return m.attributes & record.AttrCodecMask }

// legacyToBatch converts a legacy message set to one v2 record batch. It
// returns errors wrapping record.ErrMalformed for input that is not a
// well-formed message set, record.ErrChecksum for a CRC mismatch,
// record.ErrMagic for a message of magic 2 or above,
// kerr.UnsupportedCompressionType for zstd, and log.ErrTooLarge when the
// compressed messages decompress to more than limit bytes in all, or the
// converted records would take more. Records are encoded as the set is
// walked, so memory stays within a few times limit.
func legacyToBatch(dec compression.Decompressor, records []byte, limit int) ([]byte, error) {
	var (
		b        v2Builder
		codec    int8
		inflated int // bytes decompressed so far, across wrappers
	)
	b.limit = limit
	buf := dec.Buffer()
	defer dec.Release(buf)
	err := readLegacySet(records, func(at int, m legacyMessage) error {
		c := m.codec()
		if c == codecNone {
			return b.add(m)
		}
		inner, err := decompressLegacy(dec, (*buf)[:0], m, limit-inflated)
		if cap(inner) > cap(*buf) {
			*buf = inner[:0]
		}
		if err != nil {
			return err
		}
		inflated += len(inner)
		n := 0
		err = readLegacySet(inner, func(_ int, im legacyMessage) error {
			if im.codec() != codecNone {
				return fmt.Errorf("%w: compressed messages nest (codec %d inside codec %d); Kafka allows one level", record.ErrMalformed, im.codec(), c)
			}
			if im.magic != m.magic {
				return fmt.Errorf("%w: message of magic %d inside a wrapper of magic %d", record.ErrMalformed, im.magic, m.magic)
			}
			if m.magic == 1 && m.attributes&record.AttrLogAppendTime != 0 {
				im.timestamp = m.timestamp
			}
			n++
			return b.add(im)
		})
		if err != nil {
			return fmt.Errorf("inside the compressed message: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("%w: compressed message holds no messages", record.ErrMalformed)
		}
		codec = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("legacy message set: %w", err)
	}
	if b.n == 0 {
		return nil, fmt.Errorf("%w: legacy message set holds no messages", record.ErrMalformed)
	}
	return b.finish(nil, codec)
}

// readLegacySet walks the messages of set, calling fn with each message and
// the byte at which it starts. Errors name that byte.
func readLegacySet(set []byte, fn func(at int, m legacyMessage) error) error {
	for at := 0; at < len(set); {
		rest := set[at:]
		if len(rest) < legacyLogOverhead {
			return fmt.Errorf("%w: %d bytes left at byte %d, a message needs at least %d", record.ErrMalformed, len(rest), at, legacyLogOverhead+legacyMinSize)
		}
		size := int64(int32(binary.BigEndian.Uint32(rest[8:])))
		if size < legacyMinSize || size > int64(len(rest)-legacyLogOverhead) {
			return fmt.Errorf("%w: message at byte %d declares %d bytes, %d remain (minimum %d)", record.ErrMalformed, at, size, len(rest)-legacyLogOverhead, legacyMinSize)
		}
		raw := rest[:legacyLogOverhead+int(size)]
		m, err := decodeLegacyMessage(raw)
		if err == nil {
			err = fn(at, m)
		}
		if err != nil {
			return fmt.Errorf("message at byte %d: %w", at, err)
		}
		at += len(raw)
	}
	return nil
}

// decodeLegacyMessage decodes one whole message, offset and size included,
// checking its magic, its CRC and that its fields fill its size exactly.
func decodeLegacyMessage(raw []byte) (legacyMessage, error) {
	m := legacyMessage{magic: int8(raw[magicOffset]), timestamp: -1}
	if m.magic != 0 && m.magic != 1 {
		return m, fmt.Errorf("%w: magic %d in a legacy message set (want 0 or 1)", record.ErrMagic, m.magic)
	}
	if want, got := binary.BigEndian.Uint32(raw[legacyLogOverhead:]), crc32.ChecksumIEEE(raw[magicOffset:]); want != got {
		return m, fmt.Errorf("%w: message CRC-32 is %08x, computed %08x", record.ErrChecksum, want, got)
	}
	fixed := legacyMinSize
	if m.magic == 0 {
		var v kmsg.MessageV0
		if err := v.ReadFrom(raw); err != nil {
			return m, fmt.Errorf("%w: magic 0 message: fields run past its %d bytes", record.ErrMalformed, len(raw)-legacyLogOverhead)
		}
		m.offset, m.attributes, m.key, m.value = v.Offset, v.Attributes, v.Key, v.Value
	} else {
		var v kmsg.MessageV1
		if err := v.ReadFrom(raw); err != nil {
			return m, fmt.Errorf("%w: magic 1 message: fields run past its %d bytes", record.ErrMalformed, len(raw)-legacyLogOverhead)
		}
		m.offset, m.attributes, m.timestamp, m.key, m.value = v.Offset, v.Attributes, v.Timestamp, v.Key, v.Value
		fixed += legacyTimestamp
	}
	if used := legacyLogOverhead + fixed + len(m.key) + len(m.value); used != len(raw) {
		return m, fmt.Errorf("%w: message declares %d bytes, its fields use %d", record.ErrMalformed, len(raw)-legacyLogOverhead, used-legacyLogOverhead)
	}
	return m, nil
}

// decompressLegacy appends the inner message set of the compressed message
// m to dst, refusing more than limit bytes.
func decompressLegacy(dec compression.Inflater, dst []byte, m legacyMessage, limit int) ([]byte, error) {
	c := m.codec()
	switch {
	case c == codecZstd:
		return dst, fmt.Errorf("%w: zstd-compressed message of magic %d; zstd needs magic 2 (Produce v7+)", kerr.UnsupportedCompressionType, m.magic)
	case c > codecZstd:
		return dst, fmt.Errorf("%w: unknown compression codec %d", record.ErrMalformed, c)
	}
	src := m.value
	if c == codecLZ4 && m.magic == 0 {
		src = fixLZ4HeaderChecksum(src)
	}
	out, err := dec.Inflate(dst, src, c, max(limit, 0))
	switch {
	case errors.Is(err, log.ErrTooLarge):
		return out, err
	case err != nil:
		return out, fmt.Errorf("%w: cannot decompress %s message value (%d bytes): %v", record.ErrMalformed, compression.Name(c), len(m.value), err)
	}
	return out, nil
}

// v2Builder encodes legacy messages as the records of one v2 batch, with
// offset deltas 0..n-1, refusing more than limit bytes of records.
type v2Builder struct {
	raw, scratch []byte
	n            int
	base, maxTS  int64
	limit        int
}

func (b *v2Builder) add(m legacyMessage) error {
	if b.n == 0 {
		b.base, b.maxTS = m.timestamp, m.timestamp
	}
	b.maxTS = max(b.maxTS, m.timestamp)
	delta := m.timestamp - b.base
	r := kmsg.Record{
		TimestampDelta:   int32(delta),
		TimestampDelta64: delta,
		OffsetDelta:      int32(b.n),
		Key:              m.key,
		Value:            m.value,
	}
	// Length is everything after itself: encode once with a zero
	// Length, one varint byte, to learn it.
	b.scratch = r.AppendTo(b.scratch[:0])
	r.Length = int32(len(b.scratch) - 1)
	if len(b.raw)+len(b.scratch)+4 > b.limit || b.n == math.MaxInt32 {
		return fmt.Errorf("%w (converted records would exceed %d bytes)", errUncompressedTooLarge, b.limit)
	}
	b.raw = r.AppendTo(b.raw)
	b.n++
	return nil
}

// finish appends the batch to dst, compressed with codec if it is not
// codecNone (falling back to no compression if the compressor fails).
func (b *v2Builder) finish(dst []byte, codec int8) ([]byte, error) {
	raw := b.raw
	var attrs int16
	if comp := compressors[codec]; comp != nil {
		if out, used := comp.Compress(new(bytes.Buffer), raw); used == kgo.CompressionCodecType(codec) {
			raw, attrs = out, int16(codec)
		}
	}
	if len(raw) > math.MaxInt32-batchOverhead {
		return nil, fmt.Errorf("%w: converted batch would hold %d records in %d bytes", record.ErrMalformed, b.n, len(raw))
	}
	batch := kmsg.RecordBatch{
		FirstOffset:          0,
		Length:               int32(batchOverhead + len(raw)),
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           attrs,
		LastOffsetDelta:      int32(b.n - 1),
		FirstTimestamp:       b.base,
		MaxTimestamp:         b.maxTS,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		FirstSequence:        -1,
		NumRecords:           int32(b.n),
		Records:              raw,
	}
	start := len(dst)
	dst = batch.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start+17:], record.Checksum(dst[start+21:]))
	return dst, nil
}

// fixLZ4HeaderChecksum returns src with its LZ4 frame descriptor checksum
// recomputed (a copy, if it changes). Kafka 0.8–0.9 computed it over the
// frame's magic number too (KAFKA-3160); Kafka ignores it for magic 0, while
// the LZ4 reader checks it.
func fixLZ4HeaderChecksum(src []byte) []byte {
	// magic(4) FLG(1) BD(1) [content size(8)] [dictionary id(4)] HC(1)
	const frameMagic = 0x184D2204
	if len(src) < 7 || binary.LittleEndian.Uint32(src) != frameMagic {
		return src
	}
	end := 6
	if flg := src[4]; flg&0x08 != 0 {
		end += 8
	}
	if flg := src[4]; flg&0x01 != 0 {
		end += 4
	}
	if len(src) <= end {
		return src
	}
	hc := byte(xxh32Short(src[4:end]) >> 8)
	if src[end] == hc {
		return src
	}
	src = slices.Clone(src)
	src[end] = hc
	return src
}

// xxh32Short is XXH32 with seed 0 for inputs under 16 bytes (an LZ4 frame
// descriptor is at most 14).
func xxh32Short(b []byte) uint32 {
	const (
		p1 uint32 = 2654435761
		p2 uint32 = 2246822519
		p3 uint32 = 3266489917
		p4 uint32 = 668265263
		p5 uint32 = 374761393
	)
	h := p5 + uint32(len(b))
	for ; len(b) >= 4; b = b[4:] {
		h += binary.LittleEndian.Uint32(b) * p3
		h = bits.RotateLeft32(h, 17) * p4
	}
	for _, c := range b {
		h += uint32(c) * p5
		h = bits.RotateLeft32(h, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

// downConverter converts the stored v2 batches of one Fetch response to
// legacy message sets for Fetch versions before 4 (magic 0 for v0–v1,
// magic 1 for v2–v3); later versions get batches unchanged. Each batch
// decompresses within limit, and all of the response's converted sets
// together stay within limit: conversion stops at the last whole message
// that fits, and the client fetches the rest next time. Records before
// the fetch offset are skipped, as Kafka's down-conversion does, so a
// batch larger than the limit converts in parts over several fetches.
// Each partition's set also stays within the partition's max bytes, except
// that its first message is sent whole (as Fetch v3+ does for batches).
// A zero limit is DefaultMaxUncompressedBatchBytes.
type downConverter struct {
	inflate compression.Decompressor
	limit   int // bytes a batch may decompress to
	budget  int // bytes of converted sets per response (limit when 0)
	used    int // bytes of converted sets handed out so far
}

// convert converts one partition's batches, skipping records before
// from, within maxBytes (none when <= 0). A trailing partial batch is dropped. A batch that cannot be
// converted (malformed header or records, unknown codec, too large to
// decompress) ends the set: the messages before it are returned, and if
// there are none the error, wrapping record.ErrMalformed,
// record.ErrMagic or log.ErrTooLarge. A converted set never shares memory
// with batches.
func (d *downConverter) convert(batches []byte, fetchVersion int16, from int64, maxBytes int) ([]byte, error) {
	if fetchVersion >= 4 {
		return batches, nil
	}
	if d.limit <= 0 {
		d.limit = DefaultMaxUncompressedBatchBytes
	}
	if d.budget <= 0 {
		d.budget = d.limit
	}
	magic := int8(1)
	if fetchVersion < 2 {
		magic = 0
	}
	var out []byte
	_, err := record.Split(batches, func(h record.Header, batch []byte) error {
		if h.Control() || h.LastOffset() < from {
			return nil
		}
		rm := room{hard: d.budget - d.used - len(out), first: len(out) == 0}
		rm.soft = rm.hard
		if maxBytes > 0 {
			rm.soft = min(rm.hard, maxBytes-len(out))
		}
		next, full, err := appendLegacyBatch(d.inflate, out, h, batch, magic, from, d.limit, rm)
		if err != nil {
			return fmt.Errorf("batch at offset %d: %w", h.BaseOffset, err)
		}
		out = next
		if full {
			return errConversionFull
		}
		return nil
	})
	if errors.Is(err, errConversionFull) {
		err = nil
		if len(out) == 0 && d.used == 0 { // one message is above the limit
			err = fmt.Errorf("%w: a converted message exceeds %d bytes", errUncompressedTooLarge, d.budget)
		}
	}
	d.used += len(out)
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("down-converting to magic %d: %w", magic, err)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// errConversionFull stops a conversion at the response's budget.
var errConversionFull = errors.New("down-conversion budget spent")

// batchesToLegacy converts one partition's batches from offset 0 with a
// fresh downConverter of limit bytes.
func batchesToLegacy(dec compression.Decompressor, batches []byte, fetchVersion int16, limit int) ([]byte, error) {
	d := downConverter{inflate: dec, limit: limit}
	return d.convert(batches, fetchVersion, 0, 0)
}

// room is what a partition's converted messages may take: soft bytes, or
// for the partition's first message, up to hard.
type room struct {
	soft, hard int
	first      bool
}

// appendLegacyBatch appends one message of magic per record of the v2
// batch from offset from on, decompressing it within limit, and stops
// before the message that would take the appended bytes past room (full).
// The messages' size is summed first, so dst grows once. On error, dst's
// contents are unchanged (the returned slice is nil).
func appendLegacyBatch(dec compression.Decompressor, dst []byte, h record.Header, batch []byte, magic int8, from int64, limit int, room room) (out []byte, full bool, err error) {
	var attrs int8
	if magic == 1 && h.Attributes&record.AttrLogAppendTime != 0 {
		attrs = record.AttrLogAppendTime
	}
	buf := dec.Buffer()
	defer dec.Release(buf)
	data, err := batchRecords(dec, h, batch, limit, buf)
	if err != nil {
		return nil, false, err
	}
	size, last := 0, int64(-1)
	err = walkRecords(h, data, func(offset, _ int64, r *record.Record) bool {
		if offset < from {
			return true
		}
		n := legacyMessageSize(magic, r.Key, r.Value)
		if size+n > room.soft && !(room.first && size == 0 && n <= room.hard) {
			full = true
			return false
		}
		size += n
		last = offset
		return true
	})
	if err != nil {
		return nil, false, err
	}
	out = slices.Grow(dst, size)
	err = walkRecords(h, data, func(offset, ts int64, r *record.Record) bool {
		if offset < from {
			return true
		}
		if offset > last {
			return false
		}
		out = appendLegacyMessage(out, magic, attrs, offset, ts, r.Key, r.Value)
		return true
	})
	if err != nil {
		return nil, false, err
	}
	return out, full, nil
}

// legacyMessageSize is the size of an uncompressed message, offset and
// size fields included.
func legacyMessageSize(magic int8, key, value []byte) int {
	n := legacyLogOverhead + legacyMinSize + len(key) + len(value)
	if magic == 1 {
		n += legacyTimestamp
	}
	return n
}

// eachRecord decompresses the v2 batch within limit and calls fn with each
// record, its offset and its timestamp (the batch's for LogAppendTime),
// until fn returns false. Errors wrap record.ErrMalformed, or
// log.ErrTooLarge for records that decompress to more than limit.
func eachRecord(dec compression.Decompressor, h record.Header, batch []byte, limit int, fn func(offset, ts int64, r *record.Record) bool) error {
	buf := dec.Buffer()
	defer dec.Release(buf)
	data, err := batchRecords(dec, h, batch, limit, buf)
	if err != nil {
		return err
	}
	return walkRecords(h, data, fn)
}

// batchRecords returns the uncompressed records of the v2 batch,
// decompressed within limit into buf if the batch is compressed. Errors
// wrap record.ErrMalformed, or log.ErrTooLarge.
func batchRecords(dec compression.Inflater, h record.Header, batch []byte, limit int, buf *[]byte) ([]byte, error) {
	codec := h.Codec()
	if codec > record.MaxCodec {
		return nil, fmt.Errorf("%w: unknown compression codec %d", record.ErrMalformed, codec)
	}
	if len(batch) < record.HeaderSize || h.Size() > len(batch) {
		return nil, fmt.Errorf("%w: batch of %d bytes, header says %d", record.ErrMalformed, len(batch), h.Size())
	}
	data := batch[record.HeaderSize:h.Size()]
	if codec == codecNone {
		return data, nil
	}
	var err error
	*buf, err = dec.Inflate(*buf, data, codec, limit)
	switch {
	case errors.Is(err, log.ErrTooLarge):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %v", record.ErrMalformed, err)
	}
	return *buf, nil
}

// walkRecords calls fn with each record of the uncompressed records data
// of the batch h, as eachRecord does.
func walkRecords(h record.Header, data []byte, fn func(offset, ts int64, r *record.Record) bool) error {
	logAppend := h.Attributes&record.AttrLogAppendTime != 0
	it := record.NewRecords(h, data)
	for it.Next() {
		r := it.Record()
		ts := h.BaseTimestamp + r.TimestampDelta
		if logAppend {
			ts = h.MaxTimestamp
		}
		if !fn(h.BaseOffset+int64(r.OffsetDelta), ts, r) {
			return nil
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("%w: %v", record.ErrMalformed, err)
	}
	return nil
}

// appendLegacyMessage appends one uncompressed message, with its size and
// CRC filled in.
func appendLegacyMessage(dst []byte, magic, attrs int8, offset, ts int64, key, value []byte) []byte {
	start := len(dst)
	if magic == 0 {
		m := kmsg.MessageV0{Offset: offset, Magic: 0, Key: key, Value: value}
		dst = m.AppendTo(dst)
	} else {
		m := kmsg.MessageV1{Offset: offset, Magic: 1, Attributes: attrs, Timestamp: ts, Key: key, Value: value}
		dst = m.AppendTo(dst)
	}
	msg := dst[start:]
	binary.BigEndian.PutUint32(msg[8:], uint32(len(msg)-legacyLogOverhead))
	binary.BigEndian.PutUint32(msg[legacyLogOverhead:], crc32.ChecksumIEEE(msg[magicOffset:]))
	return dst
}
