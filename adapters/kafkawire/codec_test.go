package kafkawire

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/adapters/compression/kafkacodec"
	"github.com/chronik-stream/chronik/ports/compression"
)

// testCodec is the decompressor the tests' servers and conversions share,
// as a node's do.
var testCodec = kafkacodec.New()

// allocated is the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestValidationOfCompressedBatchesAllocatesNothing: produce validation
// decompresses into the decompressor's lent buffers and pooled readers,
// so once they are warm a compressed batch costs no allocation.
func TestValidationOfCompressedBatchesAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	recs := make([]kmsg.Record, 100)
	for i := range recs {
		recs[i] = rec(int32(i), int64(i), fmt.Sprintf("key-%04d", i), strings.Repeat("a produced value ", 60))
	}
	for _, codec := range []int8{codecGzip, codecSnappy, codecLZ4, codecZstd} {
		batch := v2Batch(t, 0, int16(codec), 1, 100, recs)
		v := openValidator(DefaultMaxUncompressedBatchBytes)
		if err := v.check(batch); err != nil {
			t.Fatalf("%s: %v", compression.Name(codec), err)
		}
		// A GC may empty the pools once in a while: averaged over
		// 1000 batches, a refill rounds down to 0.
		allocs := testing.AllocsPerRun(1000, func() {
			if err := v.check(batch); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: validating a batch of 100 records allocates %.0f times, want 0", compression.Name(codec), allocs)
		}
	}
}
