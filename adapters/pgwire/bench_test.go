package pgwire

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkStreamRows measures the listener's encoding and sending of a
// result (the fake Querier's rows are made before the timer matters
// little: 100,000 rows of a BIGINT and a 100-byte VARCHAR) to pgx.
func BenchmarkStreamRows(b *testing.B) {
	for _, mode := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"binary", pgx.QueryExecModeCacheStatement}, {"text", pgx.QueryExecModeSimpleProtocol}} {
		b.Run(mode.name, func(b *testing.B) {
			f := newFake()
			f.bigRows = 100_000
			s, err := New(Config{Addr: "127.0.0.1:0"}, f, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			c, err := pgx.Connect(ctx, connString(s, "bench", ""))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ctx)
			b.SetBytes(100_000 * 108)
			b.ResetTimer()
			for range b.N {
				rows, err := c.Query(ctx, "SELECT big", mode.mode)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if rows.Err() != nil || n != 100_000 {
					b.Fatal(n, rows.Err())
				}
			}
			b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
