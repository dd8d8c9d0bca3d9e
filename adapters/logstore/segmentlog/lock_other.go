//go:build !unix

package segmentlog

import (
	"fmt"
	"os"
)

// lockDir creates dir/LOCK. Without flock it cannot keep a second process
// out; it only holds the file open.
func lockDir(dir string, mode os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(dir+"/"+lockFileName, os.O_RDWR|os.O_CREATE, mode)
	if err != nil {
		return nil, fmt.Errorf("opening lock file in %s: %w", dir, err)
	}
	return f, nil
}
