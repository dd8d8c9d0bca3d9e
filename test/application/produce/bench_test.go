package produce_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

// BenchmarkAppend is the produce use case's cost for one uncompressed
// batch of 100 records of 1 KiB on the in-memory log, the cost the wire
// layer's validation (kafkawire BenchmarkValidateProduced) adds to:
//
//	go test -run '^$' -bench Append ./test/application/produce/
func BenchmarkAppend(b *testing.B) {
	e := newEnv(b, memlog.New(), memmeta.New())
	tp := e.topic(b, "bench", map[string]string{"max.message.bytes": "10485760"})
	values := make([][]byte, 100)
	for i := range values {
		values[i] = bytes.Repeat(fmt.Appendf(nil, "value %d of a produced record ", i), 40)[:1024]
	}
	batch := logstoretest.MakeBatchValues(1, -1, -1, -1, values...)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.svc.Append(ctx, tp, 0, slices.Clone(batch)); err != nil {
			b.Fatal(err)
		}
	}
}
