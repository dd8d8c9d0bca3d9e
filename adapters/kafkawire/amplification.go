package kafkawire

import (
	"encoding/binary"

	"github.com/twmb/franz-go/pkg/kbin"
)

// Decoding a request builds Go values, and handling it builds a response,
// much larger than the request's wire bytes: an array element of one or two
// bytes (an empty name, a null) becomes a struct of 50 to 100 bytes, then a
// response entry. The in-flight budget therefore counts each request at an
// estimate of what it costs decoded, taken before decoding, and a request
// whose estimate exceeds the whole budget is refused.
//
// amplification is, by API key, a bound on the bytes allocated while
// decoding, handling and encoding a request per byte of its frame, for the
// worst request of that key: every array filled with the smallest elements
// (TestAmplificationBound measures it for every key, version and array).
// Keys not listed use defaultAmplification. Produce is estimated from its
// element counts instead (produceDecodedSize): its record bytes are
// sub-slices of the frame and cost nothing more.
var amplification = map[int16]int64{
	3:  320,  // Metadata: topics
	8:  170,  // OffsetCommit: partitions
	9:  270,  // OffsetFetch: groups, topics, partitions
	10: 880,  // FindCoordinator: coordinator keys
	11: 110,  // JoinGroup: protocols
	13: 110,  // LeaveGroup: members
	15: 1040, // DescribeGroups: group ids
	19: 150,  // CreateTopics: topics, configs, assignments
	20: 670,  // DeleteTopics: names
	21: 140,  // DeleteRecords: partitions
	23: 140,  // OffsetForLeaderEpoch: partitions
	32: 300,  // DescribeConfigs: resources
	33: 210,  // AlterConfigs: resources
	37: 100,  // CreatePartitions: assignments
	42: 400,  // DeleteGroups: group ids
	44: 210,  // IncrementalAlterConfigs: resources
	69: 1080, // ConsumerGroupDescribe: group ids
}

// defaultAmplification covers every other key: arrays of small structs
// (Fetch partitions, ListOffsets partitions, SyncGroup assignments) and
// unknown tagged fields, which kmsg keeps in a map.
const defaultAmplification = 64

// fixedRequestCost is what any request costs beyond its bytes: the
// request and response structs, the exchange, a goroutine's stack growth.
const fixedRequestCost = 16 << 10

// Produce's estimate: each topic, partition and tagged field costs about
// this much decoded and answered (TestAmplificationBound checks it).
const produceElementCost = 400

// decodedSize estimates what a request of size bytes costs in memory once
// decoded, handled and answered.
func decodedSize(frame []byte) int64 {
	key := int16(binary.BigEndian.Uint16(frame))
	if key == 0 {
		return produceDecodedSize(frame)
	}
	return keyDecodedSize(key, len(frame))
}

// keyDecodedSize is the estimate for a frame of size bytes of any key but
// Produce, known from its first two bytes: a frame whose estimate is too
// large is refused before the rest is read.
func keyDecodedSize(key int16, size int) int64 {
	f, ok := amplification[key]
	if !ok {
		f = defaultAmplification
	}
	return int64(size)*f + fixedRequestCost
}

// produceDecodedSize walks a Produce request's topics and partitions
// without decoding them: records are not copied by decoding, but every
// partition (even one with null records) becomes a struct and a response
// entry. A frame that does not parse is left to the decoder to refuse.
func produceDecodedSize(frame []byte) int64 {
	rd := kbin.Reader{Src: frame}
	_ = rd.Int16()
	version := rd.Int16()
	_ = rd.Int32()
	if l := rd.Int16(); l > 0 { // client id
		rd.Span(int(l))
	}
	flexible := version >= 9
	elements := 0
	tags := func() {
		if flexible {
			for n := rd.Uvarint(); n > 0 && rd.Ok(); n-- {
				_, size := rd.Uvarint(), rd.Uvarint()
				rd.Span(int(size))
				elements++
			}
		}
	}
	str := func() {
		if flexible {
			if l := int(rd.Uvarint()); l > 1 {
				rd.Span(l - 1)
			}
		} else if l := rd.Int16(); l > 0 {
			rd.Span(int(l))
		}
	}
	arrayLen := func() int {
		if flexible {
			return int(rd.CompactArrayLen())
		}
		return int(rd.ArrayLen())
	}
	tags() // request header
	if version >= 3 {
		str() // transactional id
	}
	_, _ = rd.Int16(), rd.Int32() // acks, timeout
	topics := arrayLen()
	for range max(topics, 0) {
		if !rd.Ok() {
			break
		}
		str()
		parts := arrayLen()
		for range max(parts, 0) {
			if !rd.Ok() {
				break
			}
			_ = rd.Int32()
			if flexible {
				rd.CompactNullableBytes()
			} else {
				rd.NullableBytes()
			}
			tags()
		}
		elements += 1 + max(parts, 0)
		tags()
	}
	tags()
	return int64(len(frame)) + int64(elements)*produceElementCost + fixedRequestCost
}
