//go:build !linux

package segmentlog

// iovecs is unused where writev is not used.
type iovecs struct{}

// writeVec writes bufs in order with one Write each.
func writeVec(f file, bufs [][]byte, _ *iovecs) (int64, error) { return writeEach(f, bufs) }

// startWriteback is a no-op: fsync alone does the work.
func startWriteback(file, int64, int64) error { return nil }
