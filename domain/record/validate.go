package record

// Validation of produced batches, as Kafka's LogValidator does it before a
// batch is stored. The header checks (CheckProduced) need the header only;
// the record checks (Records, CheckRecords) walk the uncompressed record
// bytes, which the caller decompresses (codecs are not stdlib).
//
// A v2 record, as Kafka's DefaultRecord frames it (varints are zigzag):
//
//	length          varint  bytes after this field
//	attributes      int8    unused
//	timestampDelta  varlong from the batch's baseTimestamp
//	offsetDelta     varint  from the batch's baseOffset: i for the i-th record
//	keyLength       varint  -1 for a null key
//	key             bytes
//	valueLength     varint  -1 for a null value
//	value           bytes
//	headerCount     varint  >= 0
//	headers         per header: keyLength varint (>= 0), key, valueLength varint (-1 null), value
//
// Which error each check answers follows Kafka: what its validator throws
// InvalidRecordException for wraps ErrInvalidRecord (INVALID_RECORD), a
// timestamp out of the topic's range wraps ErrInvalidTimestamp
// (INVALID_TIMESTAMP). Kafka lets a codec id above 4 or records that do
// not decompress escape as an unknown server error; they wrap
// ErrInvalidRecord here, a client bug that retrying cannot fix (the CRC
// already matched, so the bytes are what the client sent).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrInvalidTimestamp: a record's timestamp is outside the range the
// topic's message.timestamp.* configs allow, or a producer set the
// LogAppendTime attribute where Kafka refuses it.
var ErrInvalidTimestamp = errors.New("invalid record timestamp")

// RecordError is the refusal of one record of a batch by a topic's rules
// (a key, a timestamp, a schema id), naming the record by its index in
// the batch, as Kafka's produce response reports it (batch_index). It
// wraps the refusal's sentinel.
type RecordError struct {
	Index int32
	Err   error
}

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// MaxCodec is the highest compression codec id Kafka knows (zstd).
const MaxCodec = 4

// NoTimestamp is Kafka's timestamp of a record without one.
const NoTimestamp = -1

// CheckProduced checks the header of a batch a client produced (not the
// CRC: see Verify): the record count and lastOffsetDelta agree, the codec
// is known, it is not a control batch, and the producer fields fit the
// flags. Errors wrap ErrInvalidRecord.
//
// A batch without a producer id (-1) may carry any epoch and sequence:
// Kafka does not check them, and sarama sends sequence 0 there. Nor does
// Kafka check the epoch of a batch with a producer id; the producer state
// does.
func CheckProduced(h Header) error {
	switch {
	case h.RecordCount <= 0:
		return fmt.Errorf("%w: batch declares %d records; a batch holds at least one", ErrInvalidRecord, h.RecordCount)
	case h.LastOffsetDelta != h.RecordCount-1:
		return fmt.Errorf("%w: batch declares %d records but lastOffsetDelta %d (want %d)", ErrInvalidRecord, h.RecordCount, h.LastOffsetDelta, h.RecordCount-1)
	case h.Codec() > MaxCodec:
		return fmt.Errorf("%w: unknown compression codec %d (known: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)", ErrInvalidRecord, h.Codec())
	case h.Control():
		return fmt.Errorf("%w: clients may not write control batches", ErrInvalidRecord)
	case h.Transactional() && h.ProducerID < 0:
		return fmt.Errorf("%w: transactional batch without a producer id (%d)", ErrInvalidRecord, h.ProducerID)
	case h.ProducerID >= 0 && h.BaseSequence < 0:
		return fmt.Errorf("%w: invalid sequence number %d in a batch of producer id %d", ErrInvalidRecord, h.BaseSequence, h.ProducerID)
	}
	return nil
}

// Record is one record of a batch. Key and Value are nil when null and
// alias the bytes being walked; Headers is the raw header section.
type Record struct {
	Attributes     int8
	TimestampDelta int64
	OffsetDelta    int32
	Key, Value     []byte
	HeaderCount    int32
	Headers        []byte
}

// EachHeader calls fn with each header's key and value (nil when null), in
// order. The slices alias the record's bytes. Records has checked the
// header section's framing, so the walk cannot fail.
func (r *Record) EachHeader(fn func(key, value []byte)) {
	b := r.Headers
	for range r.HeaderCount {
		k, rest, err := lengthPrefixed(b, false)
		if err != nil {
			return
		}
		v, rest, err := lengthPrefixed(rest, true)
		if err != nil {
			return
		}
		fn(k, v)
		b = rest
	}
}

// Records walks the uncompressed record bytes of a batch, checking each
// record's framing and that the i-th record has offset delta i. It
// allocates nothing. Use:
//
//	it := NewRecords(h, data)
//	for it.Next() { r := it.Record() ... }
//	if err := it.Err(); err != nil { ... }
type Records struct {
	data  []byte
	count int32
	i     int32
	rec   Record
	err   error
}

// NewRecords walks data, the uncompressed records of the batch h.
func NewRecords(h Header, data []byte) Records {
	return Records{data: data, count: h.RecordCount}
}

// Next decodes the next record; false at the end or on an error.
func (it *Records) Next() bool {
	if it.err != nil {
		return false
	}
	if it.i >= it.count {
		if len(it.data) != 0 {
			it.err = fmt.Errorf("%w: %d bytes after the batch's %d records", ErrInvalidRecord, len(it.data), it.count)
		}
		return false
	}
	if len(it.data) == 0 {
		it.err = fmt.Errorf("%w: batch declares %d records but its data ends after %d", ErrInvalidRecord, it.count, it.i)
		return false
	}
	length, n := varint32(it.data)
	if n <= 0 || length < 0 || int(length) > len(it.data)-n {
		it.err = fmt.Errorf("%w: record %d of %d: length does not fit the batch's %d remaining bytes", ErrInvalidRecord, it.i, it.count, len(it.data)-max(n, 0))
		return false
	}
	body := it.data[n : n+int(length)]
	if err := decodeRecord(body, &it.rec); err != nil {
		it.err = fmt.Errorf("%w: record %d of %d: %s", ErrInvalidRecord, it.i, it.count, err.Error())
		return false
	}
	if it.rec.OffsetDelta != it.i {
		it.err = fmt.Errorf("%w: record %d of %d has offset delta %d; record offsets must be consecutive from the batch's base offset", ErrInvalidRecord, it.i, it.count, it.rec.OffsetDelta)
		return false
	}
	it.data = it.data[n+int(length):]
	it.i++
	return true
}

// Record is the record Next decoded; it is overwritten by the next call.
func (it *Records) Record() *Record { return &it.rec }

// Index is the position in the batch of the record Next decoded.
func (it *Records) Index() int32 { return it.i - 1 }

// Err is the first framing error, nil after a clean walk of all records.
func (it *Records) Err() error { return it.err }

// recordError is a constant framing complaint; its text is the message.
type recordError string

func (e recordError) Error() string { return string(e) }

const (
	errBadVarint      = recordError("a varint field is malformed or out of range")
	errShortField     = recordError("a field runs past the record's length")
	errNegativeLength = recordError("a key, value or header has a negative length other than -1")
	errHeaderCount    = recordError("invalid number of record headers")
	errNullHeaderKey  = recordError("a header key is null")
	errTrailing       = recordError("the record's fields end before its length")
)

// decodeRecord decodes one record body (after its length) into r.
func decodeRecord(b []byte, r *Record) error {
	if len(b) < 1 {
		return errShortField
	}
	r.Attributes = int8(b[0])
	b = b[1:]
	ts, n := binary.Varint(b)
	if n <= 0 {
		return errBadVarint
	}
	r.TimestampDelta, b = ts, b[n:]
	off, n := varint32(b)
	if n <= 0 {
		return errBadVarint
	}
	r.OffsetDelta, b = off, b[n:]
	var err error
	if r.Key, b, err = lengthPrefixed(b, true); err != nil {
		return err
	}
	if r.Value, b, err = lengthPrefixed(b, true); err != nil {
		return err
	}
	count, n := varint32(b)
	if n <= 0 {
		return errBadVarint
	}
	if count < 0 {
		return errHeaderCount
	}
	b = b[n:]
	r.HeaderCount, r.Headers = count, b
	for range count {
		var k []byte
		if k, b, err = lengthPrefixed(b, false); err != nil {
			return err
		}
		if k == nil {
			return errNullHeaderKey
		}
		if _, b, err = lengthPrefixed(b, true); err != nil {
			return err
		}
	}
	if len(b) != 0 {
		return errTrailing
	}
	return nil
}

// lengthPrefixed reads a varint length and that many bytes; -1 is null
// when nullable.
func lengthPrefixed(b []byte, nullable bool) (field, rest []byte, err error) {
	l, n := varint32(b)
	if n <= 0 {
		return nil, b, errBadVarint
	}
	b = b[n:]
	switch {
	case l == -1 && nullable:
		return nil, b, nil
	case l < 0:
		if !nullable {
			return nil, b, errNullHeaderKey
		}
		return nil, b, errNegativeLength
	case int(l) > len(b):
		return nil, b, errShortField
	}
	return b[:l:l], b[l:], nil
}

// varint32 reads a zigzag varint that must fit an int32 in at most 5
// bytes, as Kafka's readVarint requires; n <= 0 when it does not.
func varint32(b []byte) (int32, int) {
	v, n := binary.Varint(b)
	if n <= 0 || n > binary.MaxVarintLen32 || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, -1
	}
	return int32(v), n
}

// Rules are a topic's rules for the records of a produced batch.
type Rules struct {
	// RequireKeys refuses null keys (cleanup.policy includes compact).
	RequireKeys bool
	// LogAppendTime is the topic's message.timestamp.type.
	LogAppendTime bool
	// Now, BeforeMax and AfterMax bound CreateTime timestamps to
	// [Now-BeforeMax, Now+AfterMax] in milliseconds, as
	// message.timestamp.before.max.ms and .after.max.ms do;
	// math.MaxInt64 (Kafka's default) leaves a side open.
	Now, BeforeMax, AfterMax int64
}

// timestampsBounded reports whether any timestamp can be refused.
func (r Rules) timestampsBounded() bool {
	return r.BeforeMax != math.MaxInt64 || r.AfterMax != math.MaxInt64
}

// CheckRecord checks one record of the batch h against the rules, as
// Kafka's validateKey and validateTimestamp do. Errors are *RecordError.
func (r Rules) CheckRecord(h Header, rec *Record) error {
	if r.RequireKeys && rec.Key == nil {
		return &RecordError{rec.OffsetDelta, fmt.Errorf("%w: record %d: compacted topic cannot accept a record without a key", ErrInvalidRecord, rec.OffsetDelta)}
	}
	lat := h.Attributes&AttrLogAppendTime != 0
	ts := h.BaseTimestamp + rec.TimestampDelta
	if lat {
		ts = h.MaxTimestamp
	}
	if !r.LogAppendTime && ts != NoTimestamp {
		if r.timestampsBounded() && !inWindow(ts, r.Now, r.BeforeMax, r.AfterMax) {
			return &RecordError{rec.OffsetDelta, fmt.Errorf("%w: record %d: timestamp %d is out of range; the topic accepts %s", ErrInvalidTimestamp, rec.OffsetDelta, ts, window(r.Now, r.BeforeMax, r.AfterMax))}
		}
		return nil
	}
	if lat {
		return &RecordError{rec.OffsetDelta, fmt.Errorf("%w: record %d: producers may not set the LogAppendTime timestamp type", ErrInvalidTimestamp, rec.OffsetDelta)}
	}
	return nil
}

// inWindow reports now-before <= ts <= now+after without overflowing.
func inWindow(ts, now, before, after int64) bool {
	if ts < now && uint64(now)-uint64(ts) > uint64(before) {
		return false
	}
	if ts > now && uint64(ts)-uint64(now) > uint64(after) {
		return false
	}
	return true
}

func window(now, before, after int64) string {
	lo, hi := "any time", "any time"
	if before != math.MaxInt64 && now >= math.MinInt64+before {
		lo = fmt.Sprint(now - before)
	}
	if after != math.MaxInt64 && now <= math.MaxInt64-after {
		hi = fmt.Sprint(now + after)
	}
	return fmt.Sprintf("timestamps from %s to %s", lo, hi)
}

// CheckRecords walks the uncompressed records data of the batch h,
// checking their framing and the rules. It allocates nothing unless it
// fails.
func CheckRecords(h Header, data []byte, rules Rules) error {
	it := NewRecords(h, data)
	plain := !rules.RequireKeys && !rules.timestampsBounded() && !rules.LogAppendTime && h.Attributes&AttrLogAppendTime == 0
	for it.Next() {
		if plain {
			continue
		}
		if err := rules.CheckRecord(h, it.Record()); err != nil {
			return err
		}
	}
	return it.Err()
}
