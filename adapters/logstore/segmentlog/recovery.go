package segmentlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/domain/wal"
)

// walKey is how a WAL record names its partition.
type walKey struct {
	id    topic.ID
	index int32
}

// recover loads the partitions, replays the WAL into their segments, makes
// the result durable and trims the WAL. See doc.go for the algorithm. It
// runs before the committer starts and owns the committer's state.
func (s *Store) recover() error {
	start := time.Now()
	rs := &s.recovery

	entries, err := os.ReadDir(s.partDir)
	if err != nil {
		return fmt.Errorf("listing %s: %w", s.partDir, err)
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(s.partDir, name)
		if !e.IsDir() {
			continue
		}
		if strings.HasSuffix(name, creatingSuffix) || strings.HasSuffix(name, deletingSuffix) {
			s.removeLeftover(path, "an unfinished partition creation or deletion")
			continue
		}
		_, named := parsePartitionDirName(name)
		oldDeleting := strings.Contains(name, oldDeletingInfix)
		if !named && !oldDeleting {
			s.logger.Warn("ignoring a directory that is not a partition", "dir", path)
			continue
		}
		var p *partition
		err := fmt.Errorf("%w: not named <topic>-<partition>", errNotPartition)
		if named {
			p, err = s.openPartition(path, rs)
		}
		if errors.Is(err, errNotPartition) {
			if oldDeleting {
				s.removeLeftover(path, "an unfinished partition deletion")
				continue
			}
			s.logger.Warn("ignoring a directory that is not a partition of this store", "dir", path, "reason", err.Error())
			continue
		}
		if err != nil {
			return err
		}
		s.parts[p.tp] = p
		rs.Segments += len(p.segs)
	}
	if err := s.syncDir(s.partDir); err != nil {
		return err
	}

	byKey := make(map[walKey]*partition, len(s.parts))
	for _, p := range s.parts {
		byKey[walKey{p.id, p.tp.Index}] = p
	}
	seqs, err := listWAL(s.walDir)
	if err != nil {
		return err
	}
	for i, seq := range seqs {
		if err := s.replayFile(seq, i == len(seqs)-1, byKey, rs); err != nil {
			return err
		}
	}
	s.walSeqs = seqs
	if len(seqs) > 0 {
		s.walSeq = seqs[len(seqs)-1]
	}

	// Active segments may hold data that only the page cache has (a
	// process crash keeps it, a power loss would not): fsync them all
	// before the WAL that also holds it is deleted.
	for _, p := range s.parts {
		s.dirty[p.active] = struct{}{}
	}
	job, err := s.rotateWAL()
	if err != nil {
		return err
	}
	if err := s.runCheckpoint(job, false); err != nil {
		return err
	}
	if err := s.poisoned(); err != nil {
		return err // an fsync before closing a segment file failed
	}
	for _, p := range s.parts {
		p.hw = p.logEnd.Load()
		if p.logStart > p.hw {
			// DeleteRecords persists a log start only up to the high
			// watermark, which was durable: the log cannot end before it.
			return fmt.Errorf("%w: partition %s: log start %d is past the end of the log %d", log.ErrCorrupt, p.tp, p.logStart, p.hw)
		}
	}
	rs.Partitions = len(s.parts)
	rs.Duration = time.Since(start)
	s.logger.Info("recovered log store", "dir", s.cfg.Dir,
		"partitions", rs.Partitions, "segments", rs.Segments, "indexes_rebuilt", rs.IndexesRebuilt,
		"segment_bytes_truncated", rs.SegmentBytesTruncated, "wal_files", rs.WALFiles,
		"wal_records", rs.WALRecords, "wal_records_replayed", rs.WALRecordsApplied,
		"wal_bytes_truncated", rs.WALBytesTruncated, "duration", rs.Duration)
	return nil
}

// removeLeftover deletes a directory that no partition owns. Failing to is
// no reason not to start: it is logged and left alone.
func (s *Store) removeLeftover(path, what string) {
	s.logger.Info("removing "+what, "dir", path)
	if err := os.RemoveAll(path); err != nil {
		s.logger.Warn("could not remove "+what+"; leaving it", "dir", path, "error", err.Error())
	}
}

// replayFile replays one WAL file. A torn or corrupt record ends the
// replay of the last file, whose tail is cut there; in any other file it is
// corruption.
func (s *Store) replayFile(seq uint64, last bool, byKey map[walKey]*partition, rs *RecoveryStats) error {
	path := walPath(s.walDir, seq)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening WAL file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("stat %s: %w", path, err)
	}
	size := fi.Size()
	consumed, err := readWAL(f, size, func(rec wal.Append, pos int64) error {
		rs.WALRecords++
		if err := s.replayRecord(rec, byKey, rs); err != nil {
			return fmt.Errorf("WAL file %s, record at %d: %w", path, pos, err)
		}
		return nil
	})
	_ = f.Close()
	rs.WALFiles++
	if err == nil {
		return nil
	}
	if !errors.Is(err, wal.ErrTorn) && !errors.Is(err, wal.ErrCorrupt) {
		return err
	}
	if !last {
		return fmt.Errorf("%w: WAL file %s is damaged at %d and is not the last WAL file: %w", log.ErrCorrupt, path, consumed, err)
	}
	cut := size - consumed
	s.logger.Warn("cutting the tail of the WAL", "file", path, "position", consumed, "bytes_cut", cut, "reason", err.Error())
	wf, err := s.open(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening %s to truncate it: %w", path, err)
	}
	err = wf.Truncate(consumed)
	if err == nil {
		err = s.syncFile(wf)
	}
	if cerr := wf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("truncating %s to %d: %w", path, consumed, err)
	}
	rs.WALBytesTruncated += cut
	return nil
}

// replayRecord applies one WAL record: skipped when its partition is gone
// (unknown, or another topic id) or the batch is already in the segment,
// appended when it is the next one, corruption when it leaves a gap.
func (s *Store) replayRecord(rec wal.Append, byKey map[walKey]*partition, rs *RecoveryStats) error {
	p := byKey[walKey{rec.TopicID, rec.Partition}]
	if p == nil {
		return nil
	}
	h, err := record.ParseHeader(rec.Batch)
	if err == nil && h.Size() != len(rec.Batch) {
		err = fmt.Errorf("batch says %d bytes, the record holds %d", h.Size(), len(rec.Batch))
	}
	if err != nil {
		return fmt.Errorf("%w: partition %s: %v", log.ErrCorrupt, p.tp, err)
	}
	end := p.logEnd.Load()
	switch {
	case h.NextOffset() <= end:
		return nil // already in the segment
	case h.BaseOffset < end:
		return fmt.Errorf("%w: partition %s: batch %d..%d overlaps the log end %d", log.ErrCorrupt, p.tp, h.BaseOffset, h.LastOffset(), end)
	case h.BaseOffset > end:
		return fmt.Errorf("%w: partition %s: batch at %d leaves a gap after the log end %d", log.ErrCorrupt, p.tp, h.BaseOffset, end)
	}
	if err := s.appendToSegment(p, rec.Batch, h); err != nil {
		return err
	}
	p.logEnd.Store(h.NextOffset())
	rs.WALRecordsApplied++
	return nil
}
