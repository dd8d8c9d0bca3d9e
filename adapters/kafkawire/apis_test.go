package kafkawire

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// Every advertised range must be Kafka 3.7's for that key: clients choose
// versions from it, and some pick differently when ranges look unfamiliar.
// A key that Kafka 3.7 lacks, or has only at a lower max, may instead
// advertise Kafka 4.0's range (kversion.V4_0_0): ConsumerGroupHeartbeat
// (v0-v1; 3.7 has v0, an early-access version clients do not use) and
// ConsumerGroupDescribe (v0-v1; absent in 3.7). Kafka 4 clients use the
// KIP-848 protocol only at ConsumerGroupHeartbeat v1.
func TestVersionRangesMatchKafka37(t *testing.T) {
	ref, newer := kversion.V3_7_0(), kversion.V4_0_0()
	for _, key := range supportedKeys() {
		h := handlers[key]
		max, ok := ref.LookupMaxKeyVersion(key)
		if nmax, nok := newer.LookupMaxKeyVersion(key); nok && (!ok || max < nmax) && h.min == 0 && h.max == nmax {
			continue
		}
		if !ok {
			t.Errorf("%s: neither Kafka 3.7 nor Kafka 4.0's range", kmsg.NameForKey(key))
			continue
		}
		if h.min != 0 || h.max != max {
			t.Errorf("%s: advertised v%d-v%d, Kafka 3.7 has v0-v%d", kmsg.NameForKey(key), h.min, h.max, max)
		}
	}
	for _, key := range []int16{0, 1, 2, 3, 18, 19, 20, 22} {
		if _, ok := handlers[key]; !ok {
			t.Errorf("%s is not registered", kmsg.NameForKey(key))
		}
	}
}
