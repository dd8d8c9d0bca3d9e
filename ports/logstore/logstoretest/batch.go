package logstoretest

import (
	"encoding/binary"
	"fmt"

	"github.com/chronik-stream/chronik/domain/record"
)

// MakeBatch returns a valid, uncompressed Kafka v2 record batch of records
// records (at least one), as a producer would send it: base offset 0,
// partition leader epoch -1, CreateTime timestamps, CRC-32C set. Every record
// has timestamp ts (so the batch's base and max timestamps are ts), a null key
// and the value "record-<i>" for i = 0..records-1. producerID, epoch and seq
// fill the idempotence fields; pass -1, -1, -1 for a plain producer.
//
// It panics if records < 1. The slice is the caller's.
func MakeBatch(records int, ts int64, producerID int64, epoch int16, seq int32) []byte {
	if records < 1 {
		panic(fmt.Sprintf("logstoretest: MakeBatch(%d records): a batch holds at least one record", records))
	}
	values := make([][]byte, records)
	for i := range values {
		values[i] = fmt.Appendf(nil, "record-%d", i)
	}
	return MakeBatchValues(ts, producerID, epoch, seq, values...)
}

// MakeBatchValues is MakeBatch with one record per value, in order; a nil
// value is a null value. It panics when values is empty.
func MakeBatchValues(ts int64, producerID int64, epoch int16, seq int32, values ...[]byte) []byte {
	if len(values) == 0 {
		panic("logstoretest: MakeBatchValues: a batch holds at least one record")
	}
	var recs, body []byte
	for i, v := range values {
		body = body[:0]
		body = append(body, 0)                     // record attributes (unused)
		body = binary.AppendVarint(body, 0)        // timestampDelta
		body = binary.AppendVarint(body, int64(i)) // offsetDelta
		body = binary.AppendVarint(body, -1)       // key length: null key
		if v == nil {
			body = binary.AppendVarint(body, -1) // value length: null value
		} else {
			body = binary.AppendVarint(body, int64(len(v)))
			body = append(body, v...)
		}
		body = binary.AppendVarint(body, 0) // header count
		recs = binary.AppendVarint(recs, int64(len(body)))
		recs = append(recs, body...)
	}

	b := make([]byte, record.HeaderSize, record.HeaderSize+len(recs))
	be := binary.BigEndian
	be.PutUint64(b[0:], 0)                                                       // baseOffset
	be.PutUint32(b[8:], uint32(record.HeaderSize-record.LengthPrefix+len(recs))) // batchLength
	be.PutUint32(b[12:], 0xffffffff)                                             // partitionLeaderEpoch -1
	b[16] = 2                                                                    // magic
	be.PutUint16(b[21:], 0)                                                      // attributes: none, CreateTime
	be.PutUint32(b[23:], uint32(len(values)-1))                                  // lastOffsetDelta
	be.PutUint64(b[27:], uint64(ts))                                             // baseTimestamp
	be.PutUint64(b[35:], uint64(ts))                                             // maxTimestamp
	be.PutUint64(b[43:], uint64(producerID))                                     // producerId
	be.PutUint16(b[51:], uint16(epoch))                                          // producerEpoch
	be.PutUint32(b[53:], uint32(seq))                                            // baseSequence
	be.PutUint32(b[57:], uint32(len(values)))                                    // recordCount
	b = append(b, recs...)
	be.PutUint32(b[17:], record.Checksum(b[21:])) // crc over attributes..end
	return b
}
