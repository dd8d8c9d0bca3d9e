package segmentlog

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chronik-stream/chronik/domain/wal"
)

const walSuffix = ".wal"

// trashSuffix marks a WAL file that a checkpoint moved out of the WAL to
// delete it (see runCheckpoint); it is never replayed.
const trashSuffix = ".trash"

func walPath(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%0*d%s", baseDigits, seq, walSuffix))
}

// listWAL returns the sequence numbers of the WAL files in dir, ascending,
// and removes WAL files that a checkpoint was deleting (*.wal.trash).
func listWAL(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing WAL directory: %w", err)
	}
	var seqs []uint64
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), walSuffix+trashSuffix) {
			if err := removeIfExists(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("removing old WAL file %s: %w", e.Name(), err)
			}
			continue
		}
		seq, ok := parseBase(e.Name(), walSuffix)
		if !ok {
			continue
		}
		seqs = append(seqs, uint64(seq))
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// walReadBuffer is the read-ahead of a WAL replay.
const walReadBuffer = 1 << 20

// readWAL decodes the framed records of one WAL file of size bytes from r,
// calling fn with each valid record and its position, in order. rec.Batch
// aliases a buffer that the next record reuses.
//
// It returns how many bytes the valid records use. When the data after them
// is not a valid record, err wraps wal.ErrTorn (cut short) or wal.ErrCorrupt
// (all there but wrong); otherwise err is an I/O error or fn's error. A
// corrupt length never makes it allocate more than the bytes that are left.
func readWAL(r io.Reader, size int64, fn func(rec wal.Append, pos int64) error) (consumed int64, err error) {
	br := bufio.NewReaderSize(r, walReadBuffer)
	var buf []byte
	for consumed < size {
		left := size - consumed
		if left < wal.FrameHeaderSize {
			return consumed, fmt.Errorf("%w: %d bytes at %d, a frame header needs %d", wal.ErrTorn, left, consumed, wal.FrameHeaderSize)
		}
		hdr, err := br.Peek(wal.FrameHeaderSize)
		if err != nil {
			return consumed, readErr(err, consumed)
		}
		n := int64(binary.BigEndian.Uint32(hdr))
		if n > wal.MaxPayload {
			_, _, derr := wal.Decode(hdr) // reports the bad length as ErrCorrupt
			return consumed, fmt.Errorf("at %d: %w", consumed, derr)
		}
		total := wal.FrameHeaderSize + n
		if total > left {
			return consumed, fmt.Errorf("%w: record at %d is %d bytes, %d left", wal.ErrTorn, consumed, total, left)
		}
		if int64(cap(buf)) < total {
			buf = make([]byte, total)
		}
		buf = buf[:total]
		if _, err := io.ReadFull(br, buf); err != nil {
			return consumed, readErr(err, consumed)
		}
		rec, used, err := wal.Decode(buf)
		if err != nil {
			return consumed, fmt.Errorf("at %d: %w", consumed, err)
		}
		if err := fn(rec, consumed); err != nil {
			return consumed, err
		}
		consumed += int64(used)
	}
	return consumed, nil
}

// readErr turns an unexpected end of data into ErrTorn.
func readErr(err error, pos int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: data ends at %d", wal.ErrTorn, pos)
	}
	return fmt.Errorf("reading WAL at %d: %w", pos, err)
}
