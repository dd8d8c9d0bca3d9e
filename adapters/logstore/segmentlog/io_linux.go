//go:build linux

package segmentlog

import (
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIOV is IOV_MAX on Linux: the most buffers one writev takes.
const maxIOV = 1024

// iovecs is scratch space for writeVec, reused across calls.
type iovecs []unix.Iovec

// writeVec writes bufs in order at f's file offset, with as few writev(2)
// calls as IOV_MAX allows, resuming after partial writes. bufs is consumed
// (its elements are resliced). Files that are not *os.File (test fakes) get
// one Write per buffer.
func writeVec(f file, bufs [][]byte, scratch *iovecs) (int64, error) {
	of, ok := f.(*os.File)
	if !ok {
		return writeEach(f, bufs)
	}
	fd := of.Fd()
	var total int64
	for len(bufs) > 0 {
		iov := (*scratch)[:0]
		for _, b := range bufs[:min(len(bufs), maxIOV)] {
			if len(b) == 0 {
				continue
			}
			v := unix.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			iov = append(iov, v)
		}
		*scratch = iov
		if len(iov) == 0 {
			bufs = bufs[min(len(bufs), maxIOV):]
			continue
		}
		n, err := writev(fd, iov)
		clear(iov) // drop the references to the batches
		total += int64(n)
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, io.ErrShortWrite
		}
		for n > 0 {
			if n >= len(bufs[0]) {
				n -= len(bufs[0])
				bufs = bufs[1:]
			} else {
				bufs[0] = bufs[0][n:]
				n = 0
			}
		}
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
	}
	return total, nil
}

func writev(fd uintptr, iov []unix.Iovec) (int, error) {
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		default:
			return 0, errno
		}
	}
}

// startWriteback asks the kernel to start writing [off, off+n) of f to disk
// without waiting for it (sync_file_range SYNC_FILE_RANGE_WRITE), so that a
// later fsync finds little dirty data. Durability still comes from fsync
// alone. A no-op for files that are not *os.File.
func startWriteback(f file, off, n int64) error {
	of, ok := f.(*os.File)
	if !ok {
		return nil
	}
	return unix.SyncFileRange(int(of.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
