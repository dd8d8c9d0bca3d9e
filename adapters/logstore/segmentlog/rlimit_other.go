//go:build !unix

package segmentlog

// openFileLimit is unknown here.
func openFileLimit() int { return 0 }
