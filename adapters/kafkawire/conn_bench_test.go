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
		// readEach reads data once per iteration through a buffered reader.
		readEach := func(b *testing.B, bufSize int, read func(br *bufio.Reader) error) {
			src := bytes.NewReader(data)
			br := bufio.NewReaderSize(src, bufSize)
			b.SetBytes(int64(size))
			for b.Loop() {
				src.Reset(data)
				br.Reset(src)
				if err := read(br); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(fmt.Sprintf("growing/%d", size), func(b *testing.B) {
			budget := newByteBudget(1 << 30)
			readEach(b, 32<<10, func(br *bufio.Reader) error {
				var t ticket
				budget.begin(&t)
				_, held, err := readFrame(context.Background(), budget, &t, br, size)
				budget.end(&t)
				budget.release(held)
				return err
			})
		})
		b.Run(fmt.Sprintf("announced/%d", size), func(b *testing.B) {
			readEach(b, 64<<10, func(br *bufio.Reader) error {
				frame := make([]byte, size)
				_, err := io.ReadFull(br, frame)
				return err
			})
		})
	}
}
