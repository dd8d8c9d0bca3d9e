package segmentlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Pacing of the deletion of old WAL files by background checkpoints: the
// file is truncated by trashStep bytes at a time, trashPause apart, so the
// file system frees its blocks (and the kernel its page cache) in small
// journal transactions that do not hold up the committer's WAL fsyncs.
const (
	trashStep  = 8 << 20
	trashPause = 5 * time.Millisecond
)

// ckptJob is a checkpoint handed to the checkpointer: once segs are
// fsynced, the WAL files wal hold nothing that is not durable elsewhere.
type ckptJob struct {
	segs []*segment
	wal  []uint64
}

// maybeRotate starts a checkpoint when the WAL file is past
// WALRotationBytes and no checkpoint is running. It drains the applier
// first: the checkpoint's segments must hold every record of the WAL files
// it deletes.
func (s *Store) maybeRotate() {
	if s.walSize < s.cfg.WALRotationBytes || s.ckptBusy || s.poisoned() != nil {
		return
	}
	s.drainApplier()
	job, err := s.rotateWAL()
	if err != nil {
		s.poison(err)
		return
	}
	s.ckptBusy = true
	s.ckptJobs <- job
}

// pollCheckpoint notes a finished background checkpoint.
func (s *Store) pollCheckpoint() {
	if !s.ckptBusy {
		return
	}
	select {
	case err := <-s.ckptDone:
		s.ckptBusy = false
		if err != nil {
			s.poison(err)
		}
	default:
	}
}

// checkpointNow runs a whole checkpoint on the committer (applier drained,
// or recovery before it starts): it waits for the
// background one, rotates the WAL, fsyncs every segment written since the
// last rotation and deletes the old WAL files.
func (s *Store) checkpointNow() error {
	if s.ckptBusy {
		err := <-s.ckptDone
		s.ckptBusy = false
		if err != nil {
			return err
		}
	}
	job, err := s.rotateWAL()
	if err != nil {
		return err
	}
	return s.runCheckpoint(job, false)
}

// rotateWAL starts a new WAL file and returns the checkpoint that makes the
// older ones deletable: the segments written since the last rotation. Every
// record of the older files is already in those segments (page cache).
func (s *Store) rotateWAL() (ckptJob, error) {
	seq := s.walSeq + 1
	path := walPath(s.walDir, seq)
	f, err := s.open(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.cfg.FileMode)
	if err != nil {
		return ckptJob{}, fmt.Errorf("creating WAL file %s: %w", path, err)
	}
	if err := s.syncDir(s.walDir); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return ckptJob{}, err
	}
	job := ckptJob{segs: make([]*segment, 0, len(s.dirty)), wal: s.walSeqs}
	for sg := range s.dirty {
		job.segs = append(job.segs, sg)
	}
	clear(s.dirty)
	if s.wal != nil {
		if err := s.wal.Close(); err != nil {
			// Its records were fsynced when written; nothing is lost.
			s.logger.Warn("closing the previous WAL file", "error", err.Error())
		}
	}
	s.wal, s.walSeq, s.walSize, s.walSeqs = f, seq, 0, []uint64{seq}
	return job, nil
}

// runCheckpoint fsyncs the job's segments, then deletes its WAL files.
// In the background (gentle), a WAL file is first renamed out of the WAL
// (<seq>.wal.trash, the rename made durable) and then truncated in paced
// steps before it is unlinked; otherwise it is unlinked at once.
func (s *Store) runCheckpoint(job ckptJob, gentle bool) error {
	for _, sg := range job.segs {
		if err := s.syncSegment(sg); err != nil {
			return fmt.Errorf("checkpoint: syncing segment %s: %w", sg.path, err)
		}
	}
	if err := s.poisoned(); err != nil {
		// A segment file closed by the handle cache failed its fsync: the
		// WAL may hold the only durable copy of its data.
		return fmt.Errorf("checkpoint: %w", err)
	}
	var trash []string
	for _, seq := range job.wal {
		path := walPath(s.walDir, seq)
		if !gentle {
			if err := removeIfExists(path); err != nil {
				return fmt.Errorf("checkpoint: deleting WAL file: %w", err)
			}
			continue
		}
		if err := os.Rename(path, path+trashSuffix); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("checkpoint: moving WAL file %s out of the WAL: %w", path, err)
		}
		trash = append(trash, path+trashSuffix)
	}
	if len(job.wal) > 0 {
		if err := s.syncDir(s.walDir); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	for _, path := range trash {
		s.removeTrash(path)
	}
	s.checkpoints.Add(1)
	return nil
}

// removeTrash deletes a WAL file that is no longer part of the WAL,
// truncating it in paced steps first (unless the store is closing). A
// failure only leaves a file that the next open removes.
func (s *Store) removeTrash(path string) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		size, serr := fileSize(f)
		for err = serr; err == nil && size > trashStep; {
			select {
			case <-s.quit:
				size = 0 // closing: unlink the rest at once
				continue
			case <-time.After(trashPause):
			}
			size -= trashStep
			err = f.Truncate(size)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if rerr := removeIfExists(path); err == nil {
		err = rerr
	}
	if err != nil {
		s.logger.Warn("deleting an old WAL file", "file", path, "error", err.Error())
	}
}

// syncSegment fsyncs a segment unless it was deleted meanwhile (then its
// data is no longer needed).
func (s *Store) syncSegment(sg *segment) error {
	sg.io.RLock()
	defer sg.io.RUnlock()
	if sg.closed {
		return nil
	}
	return s.handles.ifOpen(sg, s.syncFile)
}

// checkpointer runs background checkpoints handed over by maybeRotate.
func (s *Store) checkpointer() {
	defer s.ckptWG.Done()
	for job := range s.ckptJobs {
		s.ckptDone <- s.runCheckpoint(job, true)
	}
}
