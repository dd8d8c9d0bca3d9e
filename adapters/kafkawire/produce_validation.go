package kafkawire

// Validation of produced batches before anything of a partition's records
// is stored, as Kafka's LogValidator does: the size against
// max.message.bytes, the CRC, the header's counts,
// codec, control bit and producer fields (record.CheckProduced), then the
// records themselves after bounded decompression (record.CheckRecords):
// framing, consecutive offset deltas, keys on compacted topics,
// timestamps within message.timestamp.before/after.max.ms, and, on topics
// that validate against the schema registry, the schema ids.
//
// It lives here rather than in the produce use case because the legacy
// up-conversion and schema checks that need the decompressed records are
// here too: one decompression per batch serves them all. Decompression
// is the Server's compression.Decompressor (adapters/compression/kafkacodec
// in a node), into one of its lent buffers. The pure checks are in
// domain/record.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/compression"
)

// Topic configs of the timestamp window (Kafka's names).
const (
	timestampBeforeMax     = "message.timestamp.before.max.ms"
	timestampAfterMax      = "message.timestamp.after.max.ms"
	timestampDifferenceMax = "message.timestamp.difference.max.ms" // deprecated: bounds both sides
)

// uncompressedLimit is the bound on what one batch may decompress to.
func (c Config) uncompressedLimit() int {
	if c.MaxUncompressedBatchBytes <= 0 || c.MaxUncompressedBatchBytes > math.MaxInt32 {
		return DefaultMaxUncompressedBatchBytes
	}
	return int(c.MaxUncompressedBatchBytes)
}

// batchValidator checks the batches produced to one topic.
type batchValidator struct {
	inflate compression.Decompressor
	rules   record.Rules
	schema  *schemaRule // nil when the topic does not validate schemas
	limit   int         // bytes a batch may decompress to
	max     int64       // the topic's max.message.bytes
	// version is the Produce request's version; zstd needs v7+. Zero
	// (tests, legacy conversions) skips the check.
	version int16
}

// newBatchValidator reads t's rules; batches decompress through dec.
// lookup is called only for topics that validate schemas.
func newBatchValidator(dec compression.Decompressor, t topic.Topic, lookup func() schemaIDs, limit int) batchValidator {
	v := batchValidator{inflate: dec, schema: schemaCheck(t, lookup), limit: limit, max: t.Int64(topic.MaxMessageBytes)}
	v.rules.LogAppendTime = t.LogAppendTime()
	if p, _ := t.Value(topic.CleanupPolicy); strings.Contains(p, "compact") {
		v.rules.RequireKeys = true
	}
	diff := explicitInt64(t, timestampDifferenceMax)
	v.rules.BeforeMax = min(explicitInt64(t, timestampBeforeMax), diff)
	v.rules.AfterMax = min(explicitInt64(t, timestampAfterMax), diff)
	if v.rules.BeforeMax != math.MaxInt64 || v.rules.AfterMax != math.MaxInt64 {
		v.rules.Now = time.Now().UnixMilli()
	}
	return v
}

// explicitInt64 is a config's value when the topic sets it, else
// math.MaxInt64 (Kafka's default for the timestamp window).
func explicitInt64(t topic.Topic, key string) int64 {
	v, explicit := t.Value(key)
	if !explicit {
		return math.MaxInt64
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return math.MaxInt64
	}
	return n
}

// check validates one produced v2 batch, exactly one batch. Errors wrap
// record.ErrMalformed or record.ErrChecksum (CORRUPT_MESSAGE),
// record.ErrInvalidRecord (INVALID_RECORD), record.ErrInvalidTimestamp
// (INVALID_TIMESTAMP) or log.ErrTooLarge (MESSAGE_TOO_LARGE).
func (v *batchValidator) check(batch []byte) error {
	h, err := record.ParseHeader(batch)
	if err != nil {
		return err
	}
	if h.Size() != len(batch) {
		return fmt.Errorf("%w: batch declares %d bytes, request holds %d", record.ErrMalformed, h.Size(), len(batch))
	}
	if int64(len(batch)) > v.max { // before any work, as Kafka checks it
		return fmt.Errorf("%w: %d bytes, the topic's max.message.bytes is %d", log.ErrTooLarge, len(batch), v.max)
	}
	if err := record.Verify(batch); err != nil {
		return err
	}
	if err := record.CheckProduced(h); err != nil {
		return err
	}
	if h.Codec() == codecZstd && v.version > 0 && v.version < 7 {
		return fmt.Errorf("%w: zstd-compressed batch in Produce v%d; zstd needs v7+", kerr.UnsupportedCompressionType, v.version)
	}
	data := batch[record.HeaderSize:]
	if codec := h.Codec(); codec != codecNone {
		buf := v.inflate.Buffer()
		defer v.inflate.Release(buf)
		if *buf, err = v.inflate.Inflate(*buf, data, codec, v.limit); err != nil {
			return err
		}
		data = *buf
	}
	if v.schema == nil {
		return record.CheckRecords(h, data, v.rules)
	}
	it := record.NewRecords(h, data)
	for it.Next() {
		r := it.Record()
		if err := v.rules.CheckRecord(h, r); err != nil {
			return err
		}
		if err := v.schema.check(it.Index(), r); err != nil {
			return err
		}
	}
	return it.Err()
}
