package kafkawire

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkReadFrame compares reading frames as their bytes arrive (the
// buffer grows, budget taken per growth) with one allocation of the
// announced size, as before.
func BenchmarkReadFrame(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20, 16 << 20} {
		data := bytes.Repeat([]byte{1}, size)
		b.Run(fmt.Sprintf("growing/%d", size), func(b *testing.B) {
			budget := newByteBudget(1 << 30)
			src := bytes.NewReader(data)
			br := bufio.NewReaderSize(src, 32<<10)
			b.SetBytes(int64(size))
			for b.Loop() {
				src.Reset(data)
				br.Reset(src)
				var t ticket
				budget.begin(&t)
				_, held, err := readFrame(context.Background(), budget, &t, br, size)
				budget.end(&t)
				budget.release(held)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("announced/%d", size), func(b *testing.B) {
			src := bytes.NewReader(data)
			br := bufio.NewReaderSize(src, 64<<10)
			b.SetBytes(int64(size))
			for b.Loop() {
				src.Reset(data)
				br.Reset(src)
				frame := make([]byte, size)
				if _, err := io.ReadFull(br, frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
