package segmentlog

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/logstore"
)

// Names inside the partitions directory.
const (
	metaFileName   = "meta.json"
	creatingSuffix = ".creating" // a partition directory being created
	deletingSuffix = ".deleting" // a partition directory being deleted: <name>.<nanos>.deleting
	// oldDeletingInfix marks deleted directories of earlier versions,
	// <name>.deleting-<nanos>; that form can also be a partition's name (topic
	// "x.deleting", partition 7), so only its metadata tells them apart.
	oldDeletingInfix = ".deleting-"
	metaVersion      = 1
)

// partition is one partition log. See doc.go for the lock order.
type partition struct {
	tp  topic.Partition
	id  topic.ID
	dir string

	// appendMu orders appends: offset assignment and enqueueing to the
	// committer happen under it, so the committer sees a partition's
	// batches in offset order.
	appendMu sync.Mutex
	deleted  bool         // guarded by appendMu
	logEnd   atomic.Int64 // next offset to assign; written under appendMu

	// adminMu serializes DeleteRecords (metadata file writes).
	adminMu sync.Mutex

	mu         sync.RWMutex
	segs       []*segment // by base offset; the last one is active
	hw         int64
	logStart   int64
	cfg        logstore.PartitionConfig
	configured bool // cfg came from CreatePartition or Configure
	watchers   map[uint64]func()
	nextWatch  uint64

	// active is the segment the committer appends to (also segs[len-1]).
	// Committer-owned after the store starts.
	active *segment
}

// maxNameBytes is the longest file name the store creates: 255 bytes is
// the limit of ext4, XFS, btrfs, APFS and NTFS.
const maxNameBytes = 255

// partitionDirName is "<topic>-<index>", as Kafka names it, when that fits
// in maxNameBytes; otherwise the topic is cut and a hash of the whole name
// keeps it apart from others: "<topic prefix>~<16 hex digits>-<index>".
// '~' cannot occur in a topic name, so the two forms never collide. The
// real name is in meta.json.
func partitionDirName(tp topic.Partition) string {
	idx := "-" + strconv.FormatInt(int64(tp.Index), 10)
	if len(tp.Topic)+len(idx) <= maxNameBytes {
		return tp.Topic + idx
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(tp.Topic))
	tag := fmt.Sprintf("~%016x", h.Sum64())
	return tp.Topic[:maxNameBytes-len(idx)-len(tag)] + tag + idx
}

// fitName cuts name so that name+suffix fits in maxNameBytes. It names
// directories that are only recognised by their suffix (creating, deleting).
func fitName(name, suffix string) string {
	if n := maxNameBytes - len(suffix); len(name) > n {
		name = name[:n]
	}
	return name + suffix
}

// parsePartitionDirName splits "<topic>-<index>" at the last '-'.
func parsePartitionDirName(name string) (topic.Partition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 {
		return topic.Partition{}, false
	}
	idx, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || idx < 0 {
		return topic.Partition{}, false
	}
	return topic.Partition{Topic: name[:i], Index: int32(idx)}, true
}

// meta is the partition metadata file.
type meta struct {
	Version   int    `json:"version"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	TopicID   string `json:"topic_id"` // hex
	LogStart  int64  `json:"log_start"`
}

func encodeMeta(tp topic.Partition, id topic.ID, logStart int64) []byte {
	b, _ := json.Marshal(meta{Version: metaVersion, Topic: tp.Topic, Partition: tp.Index, TopicID: id.String(), LogStart: logStart})
	return append(b, '\n')
}

func decodeMeta(b []byte) (topic.Partition, topic.ID, int64, error) {
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return topic.Partition{}, topic.ID{}, 0, fmt.Errorf("%w: metadata file: %v", log.ErrCorrupt, err)
	}
	if m.Version != metaVersion {
		return topic.Partition{}, topic.ID{}, 0, fmt.Errorf("%w: metadata file version %d, this build reads %d", log.ErrCorrupt, m.Version, metaVersion)
	}
	var id topic.ID
	raw, err := hex.DecodeString(m.TopicID)
	if err != nil || len(raw) != len(id) {
		return topic.Partition{}, topic.ID{}, 0, fmt.Errorf("%w: metadata file: topic id %q is not 32 hex digits", log.ErrCorrupt, m.TopicID)
	}
	copy(id[:], raw)
	if m.LogStart < 0 {
		return topic.Partition{}, topic.ID{}, 0, fmt.Errorf("%w: metadata file: negative log start %d", log.ErrCorrupt, m.LogStart)
	}
	return topic.Partition{Topic: m.Topic, Index: m.Partition}, id, m.LogStart, nil
}

// writeMeta atomically replaces the partition's metadata file.
func (s *Store) writeMeta(dir string, tp topic.Partition, id topic.ID, logStart int64) error {
	if err := s.writeFileAtomic(filepath.Join(dir, metaFileName), encodeMeta(tp, id, logStart)); err != nil {
		return err
	}
	return s.syncDir(dir)
}

// createPartitionDir makes the directory of a new, empty partition: it builds
// it under a temporary name and renames it into place, so a crash leaves
// either nothing or a complete directory.
func (s *Store) createPartitionDir(tp topic.Partition, id topic.ID, start int64) (*partition, error) {
	final := filepath.Join(s.partDir, partitionDirName(tp))
	tmp := filepath.Join(s.partDir, fitName(partitionDirName(tp), creatingSuffix))
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("removing leftover %s: %w", tmp, err)
	}
	if err := os.RemoveAll(final); err != nil { // not in the store, so a stray
		return nil, fmt.Errorf("removing stray %s: %w", final, err)
	}
	if err := os.Mkdir(tmp, s.cfg.DirMode); err != nil {
		return nil, fmt.Errorf("creating %s: %w", tmp, err)
	}
	if err := s.writeFileAtomic(filepath.Join(tmp, metaFileName), encodeMeta(tp, id, start)); err != nil {
		return nil, err
	}
	f, err := s.open(segmentPath(tmp, start), os.O_RDWR|os.O_CREATE|os.O_EXCL, s.cfg.FileMode)
	if err != nil {
		return nil, fmt.Errorf("creating first segment of %s: %w", tp, err)
	}
	if err := s.syncDir(tmp); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("renaming %s into place: %w", tmp, err)
	}
	if err := s.syncDir(s.partDir); err != nil {
		_ = f.Close()
		return nil, err
	}
	p := &partition{tp: tp, id: id, dir: final, hw: start, logStart: start}
	p.logEnd.Store(start)
	seg := newSegment(s.handles, final, start, s.now())
	s.handles.adopt(seg, f)
	s.handles.release(seg, false)
	p.segs, p.active = []*segment{seg}, seg
	return p, nil
}

// removePartitionDir deletes a partition's directory: first renamed out of
// the way (atomic), then removed.
func (s *Store) removePartitionDir(dir string) error {
	// Kafka too cuts the name of a deleted partition's directory to fit.
	gone := filepath.Join(filepath.Dir(dir), fitName(filepath.Base(dir), fmt.Sprintf(".%d%s", time.Now().UnixNano(), deletingSuffix)))
	if err := os.Rename(dir, gone); err != nil {
		return fmt.Errorf("renaming %s for deletion: %w", dir, err)
	}
	if err := s.syncDir(s.partDir); err != nil {
		return err
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("removing %s: %w", gone, err)
	}
	return nil
}

// closeFiles closes every segment file of the partition.
func (p *partition) closeFiles() error {
	p.mu.RLock()
	segs := append([]*segment(nil), p.segs...)
	p.mu.RUnlock()
	var errs []error
	for _, sg := range segs {
		if err := sg.closeFile(); err != nil {
			errs = append(errs, fmt.Errorf("closing %s: %w", sg.path, err))
		}
	}
	return errors.Join(errs...)
}

// errNotPartition: a directory under partitions/ that is not one (no
// metadata file, or metadata naming another directory). Recovery leaves it
// alone, or removes it when it is a deletion leftover of an earlier version.
var errNotPartition = errors.New("not a partition directory")

// openPartition loads one partition directory at startup: the metadata
// file, every segment, the indexes of the sealed ones (rebuilt when missing
// or invalid) and the active segment, whose torn or corrupt tail is cut.
func (s *Store) openPartition(dir string, rs *RecoveryStats) (p *partition, err error) {
	mb, err := os.ReadFile(filepath.Join(dir, metaFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: it has no %s", errNotPartition, metaFileName)
	}
	if err != nil {
		return nil, fmt.Errorf("reading metadata of %s: %w", dir, err)
	}
	tp, id, logStart, err := decodeMeta(mb)
	if err != nil {
		return nil, fmt.Errorf("partition directory %s: %w", dir, err)
	}
	if want := partitionDirName(tp); want != filepath.Base(dir) {
		return nil, fmt.Errorf("%w: its metadata names partition %s, whose directory is %s", errNotPartition, tp, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	var bases []int64
	logs := map[int64]bool{}
	for _, e := range entries {
		if base, ok := parseBase(e.Name(), logSuffix); ok {
			bases, logs[base] = append(bases, base), true
		}
	}
	// Leftovers: temporary files and index files without their segment.
	for _, e := range entries {
		name := e.Name()
		stray := strings.HasSuffix(name, tmpSuffix)
		for _, suffix := range []string{indexSuffix, timeIndexSuffix} {
			if base, ok := parseBase(name, suffix); ok && !logs[base] {
				stray = true
			}
		}
		if stray {
			if err := removeIfExists(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("removing leftover %s: %w", name, err)
			}
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	if len(bases) == 0 {
		// Only possible if every segment was removed by hand; start empty at the log start.
		bases = []int64{logStart}
		f, err := s.open(segmentPath(dir, logStart), os.O_RDWR|os.O_CREATE|os.O_EXCL, s.cfg.FileMode)
		if err != nil {
			return nil, fmt.Errorf("creating segment of %s: %w", tp, err)
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		s.logger.Warn("partition has no segment; starting empty at its log start", "partition", tp.String(), "log_start", logStart)
	}

	p = &partition{tp: tp, id: id, dir: dir, cfg: s.cfg.DefaultPartition}
	opened := p // p is nil when an error is returned
	defer func() {
		if err != nil {
			_ = opened.closeFiles()
		}
	}()
	now := s.now()
	// Files open on demand through the handle cache, so a store of many
	// segments opens with few files open.
	for i, base := range bases {
		sg := newSegment(s.handles, dir, base, now)
		p.segs = append(p.segs, sg)
		if i == len(bases)-1 {
			if err := s.openActive(p, sg, rs); err != nil {
				return nil, err
			}
		}
	}
	for i, sg := range p.segs[:len(p.segs)-1] {
		sg.next = p.segs[i+1].base
		if err := s.loadSealed(sg, rs); err != nil {
			return nil, err
		}
	}
	p.active = p.segs[len(p.segs)-1]
	p.logEnd.Store(p.active.next)
	p.logStart = max(logStart, p.segs[0].base)
	return p, nil
}

// openActive validates the active segment by scanning every batch with its
// CRC, truncates a torn or corrupt tail and rebuilds the in-memory indexes.
// Index files of the active segment are stale by definition and removed.
func (s *Store) openActive(p *partition, sg *segment, rs *RecoveryStats) error {
	f, err := s.handles.acquire(sg)
	if err != nil {
		return err
	}
	// Marked written: the segment may hold data that a crashed process
	// left in the page cache; it is fsynced before its file closes.
	defer s.handles.release(sg, true)
	size, err := fileSize(f)
	if err != nil {
		return fmt.Errorf("stat %s: %w", sg.path, err)
	}
	res, err := scanBatches(f, size, sg.base, true, func(pos int64, h record.Header) {
		sg.track(pos, h, s.cfg.IndexIntervalBytes)
	})
	if err != nil {
		return fmt.Errorf("scanning %s: %w", sg.path, err)
	}
	if res.bad != nil {
		cut := size - res.end
		s.logger.Warn("cutting the tail of a segment", "partition", p.tp.String(), "segment", sg.path,
			"offset", res.next, "position", res.end, "bytes_cut", cut, "reason", res.bad.Error())
		if err := f.Truncate(res.end); err != nil {
			return fmt.Errorf("truncating %s to %d: %w", sg.path, res.end, err)
		}
		if err := s.syncFile(f); err != nil {
			return fmt.Errorf("syncing %s: %w", sg.path, err)
		}
		rs.SegmentBytesTruncated += cut
	}
	for _, path := range []string{indexPath(sg.path), timeIndexPath(sg.path)} {
		if err := removeIfExists(path); err != nil {
			return fmt.Errorf("removing stale index %s: %w", path, err)
		}
	}
	return nil
}

// loadSealed loads the index files of a sealed segment, or rebuilds them by
// scanning the segment (and writes them back) when they are missing or do
// not match the segment. sg.next is already set from the next segment.
func (s *Store) loadSealed(sg *segment, rs *RecoveryStats) error {
	sg.sealed = true
	f, err := s.handles.acquire(sg)
	if err != nil {
		return err
	}
	defer s.handles.release(sg, false)
	size, err := fileSize(f)
	if err != nil {
		return fmt.Errorf("stat %s: %w", sg.path, err)
	}
	next := sg.next
	if err := s.loadIndexFiles(sg, f, size); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		s.logger.Warn("rebuilding index of a segment", "segment", sg.path, "reason", err.Error())
	}
	sg.resetTracking()
	res, err := scanBatches(f, size, sg.base, false, func(pos int64, h record.Header) {
		sg.track(pos, h, s.cfg.IndexIntervalBytes)
	})
	if err != nil {
		return fmt.Errorf("scanning %s: %w", sg.path, err)
	}
	if res.bad != nil || res.next != next {
		reason := "ends at the wrong offset"
		if res.bad != nil {
			reason = res.bad.Error()
		}
		return fmt.Errorf("%w: sealed segment %s: valid batches end at position %d of %d, offset %d (next segment starts at %d): %s",
			log.ErrCorrupt, sg.path, res.end, size, res.next, next, reason)
	}
	if err := s.writeIndexFiles(sg); err != nil {
		return err
	}
	if err := s.syncDir(filepath.Dir(sg.path)); err != nil {
		return err
	}
	rs.IndexesRebuilt++
	return nil
}

// loadIndexFiles reads and checks the index files of a sealed segment of
// size bytes whose batches end at sg.next.
func (s *Store) loadIndexFiles(sg *segment, f file, size int64) error {
	ib, err := os.ReadFile(indexPath(sg.path))
	if err != nil {
		return err
	}
	tb, err := os.ReadFile(timeIndexPath(sg.path))
	if err != nil {
		return err
	}
	index, err := DecodeOffsetIndex(ib)
	if err != nil {
		return err
	}
	times, err := DecodeTimeIndex(tb)
	if err != nil {
		return err
	}
	span := sg.next - sg.base // offsets in the segment
	if size == 0 || span <= 0 {
		return fmt.Errorf("%w: sealed segment %s is empty", log.ErrCorrupt, sg.path)
	}
	if n := len(index); n > 0 {
		last := index[n-1]
		if int64(last.Position) >= size || int64(last.RelOffset) >= span || last.Position == 0 {
			return fmt.Errorf("%w: offset index entry %d@%d is outside the segment", log.ErrCorrupt, last.RelOffset, last.Position)
		}
		// The last entry must point at a batch header with that offset.
		hr := headerReader{r: f, limit: size}
		h, err := hr.header(int64(last.Position))
		if err != nil || h.BaseOffset != sg.base+int64(last.RelOffset) {
			return fmt.Errorf("%w: offset index entry %d@%d does not point at its batch", log.ErrCorrupt, last.RelOffset, last.Position)
		}
		sg.lastIndexed = int64(last.Position)
	}
	if n := len(times); n > 0 && int64(times[n-1].RelOffset) >= span {
		return fmt.Errorf("%w: time index entry at relative offset %d is outside the segment", log.ErrCorrupt, times[n-1].RelOffset)
	}
	sg.index, sg.times, sg.size = index, times, size
	if n := len(times); n > 0 {
		sg.maxTs, sg.maxTsOffset = times[n-1].Timestamp, sg.base+int64(times[n-1].RelOffset)
	}
	return nil
}

// writeIndexFiles writes both index files of a sealed segment (each
// atomically, with fsync); the caller syncs the directory.
func (s *Store) writeIndexFiles(sg *segment) error {
	if err := s.writeFileAtomic(indexPath(sg.path), EncodeOffsetIndex(sg.index)); err != nil {
		return err
	}
	return s.writeFileAtomic(timeIndexPath(sg.path), EncodeTimeIndex(sg.times))
}

// removeSegmentFiles closes a segment that is no longer in its partition's
// list and deletes its files, the log first.
func removeSegmentFiles(sg *segment) error {
	err := sg.closeFile()
	for _, path := range []string{sg.path, indexPath(sg.path), timeIndexPath(sg.path)} {
		if rerr := removeIfExists(path); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("deleting segment %s: %w", sg.path, err)
	}
	return nil
}
