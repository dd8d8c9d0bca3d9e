//go:build unix

package segmentlog

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock on dir/LOCK so that two processes
// never open the same data directory. The lock lasts until the file is closed.
func lockDir(dir string, mode os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(dir+"/"+lockFileName, os.O_RDWR|os.O_CREATE, mode)
	if err != nil {
		return nil, fmt.Errorf("opening lock file in %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another process (flock: %w); stop it or choose another directory", dir, err)
	}
	return f, nil
}
