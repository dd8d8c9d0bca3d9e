package kafkawire

import (
	"runtime"

	"github.com/chronik-stream/chronik/adapters/compression/kafkacodec"
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
