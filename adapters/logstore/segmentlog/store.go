package segmentlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/domain/wal"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/logstore"
)

var _ logstore.Store = (*Store)(nil)

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxBatchDelay      = 10 * time.Millisecond
	DefaultWALRotationBytes   = 250 << 20
	DefaultMaxBatchBytes      = 16 << 20
	DefaultIndexIntervalBytes = 4096
	DefaultRetentionInterval  = 30 * time.Second
	DefaultSegmentBytes       = 1 << 30
	DefaultSegmentMs          = 7 * 24 * 60 * 60 * 1000 // milliseconds
	DefaultFileMode           = 0o600
	DefaultDirMode            = 0o700
)

// maxWALBatch is the largest batch a WAL record can frame.
var maxWALBatch = wal.MaxPayload - (wal.Append{}).EncodedSize() + wal.FrameHeaderSize

// Names under Config.Dir.
const (
	walDirName        = "wal"
	partitionsDirName = "partitions"
	lockFileName      = "LOCK"
)

// Config configures a Store. Zero fields take the defaults above.
type Config struct {
	// Dir is the data directory (required). It holds wal/ and partitions/.
	Dir string
	// MaxBatchDelay bounds how long the committer deliberately waits to
	// grow a group commit (the WAL profile: low/medium/high/ultra =
	// 2/10/50/100 ms). It only waits when recent load shows more concurrent
	// writers than are queued, and never longer than the last fsync took;
	// see doc.go. Negative disables waiting.
	MaxBatchDelay time.Duration
	// WALRotationBytes: past this size the committer starts a new WAL file
	// and checkpoints (fsyncs the segments, deletes the old WAL files).
	WALRotationBytes int64
	// MaxBatchBytes: Append rejects larger batches with log.ErrTooLarge.
	MaxBatchBytes int
	// NoSync skips every fsync. Tests only: nothing is durable.
	NoSync bool
	// IndexIntervalBytes is the spacing of offset index entries.
	IndexIntervalBytes int64
	// RetentionInterval is how often retention runs. Negative disables the
	// background loop.
	RetentionInterval time.Duration
	// DefaultPartition applies to partitions recovered at open until
	// Configure or CreatePartition gives their own settings. Retention
	// never runs on a partition before that; only the segment settings
	// are used. Zero fields take DefaultSegmentBytes and DefaultSegmentMs.
	DefaultPartition logstore.PartitionConfig
	// Clock tells the time for segment.ms and retention.ms.
	Clock clock.Clock
	// MaxOpenSegments bounds the segment files open at once (a soft bound:
	// files in use by reads and writes in flight are never closed). Zero
	// takes half of the process's open-file limit (RLIMIT_NOFILE), leaving
	// the rest to connections, the metadata store and the WAL; see
	// DefaultMaxOpenSegments. Values below 16 are raised to 16.
	MaxOpenSegments int
	// FileMode and DirMode are the permission bits of the files and
	// directories the store creates. Zero: 0600 and 0700 (only the node's
	// user reads the data).
	FileMode, DirMode fs.FileMode

	// openFile opens every file the store writes; tests inject failures.
	openFile openFunc
}

func (c Config) withDefaults() Config {
	if c.MaxBatchDelay == 0 {
		c.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if c.WALRotationBytes <= 0 {
		c.WALRotationBytes = DefaultWALRotationBytes
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	c.MaxBatchBytes = min(c.MaxBatchBytes, maxWALBatch)
	if c.IndexIntervalBytes <= 0 {
		c.IndexIntervalBytes = DefaultIndexIntervalBytes
	}
	if c.RetentionInterval == 0 {
		c.RetentionInterval = DefaultRetentionInterval
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.openFile == nil {
		c.openFile = osOpen
	}
	if c.FileMode == 0 {
		c.FileMode = DefaultFileMode
	}
	if c.DirMode == 0 {
		c.DirMode = DefaultDirMode
	}
	c.FileMode, c.DirMode = c.FileMode.Perm(), c.DirMode.Perm()
	if c.MaxOpenSegments <= 0 {
		c.MaxOpenSegments = DefaultMaxOpenSegments()
	}
	c.DefaultPartition = normalizePartitionConfig(c.DefaultPartition)
	return c
}

// normalizePartitionConfig fills unset segment settings and maps every
// negative retention to -1 (unbounded).
func normalizePartitionConfig(c logstore.PartitionConfig) logstore.PartitionConfig {
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = DefaultSegmentBytes
	}
	if c.SegmentMs <= 0 {
		c.SegmentMs = DefaultSegmentMs
	}
	c.RetentionMs = max(c.RetentionMs, -1)
	c.RetentionBytes = max(c.RetentionBytes, -1)
	return c
}

// Stats are counters of a Store since New.
type Stats struct {
	Appends     int64 // batches accepted by Append
	Commits     int64 // group commits: one WAL write each
	Fsyncs      int64 // WAL fsyncs (equal to Commits unless NoSync)
	WALBytes    int64 // bytes written to the WAL
	Checkpoints int64 // WAL trims after segment fsyncs
	Rolls       int64 // segments sealed
	Recovery    RecoveryStats

	OpenSegmentFiles int   // segment files open now (see Config.MaxOpenSegments)
	SegmentOpens     int64 // segment files opened by the handle cache

	// Per group commit: seconds of the WAL write and fsync, batches and
	// bytes written.
	CommitSeconds, CommitBatches, CommitBytes HistogramSnapshot
}

// RecoveryStats says what New found and repaired.
type RecoveryStats struct {
	Partitions            int
	Segments              int
	IndexesRebuilt        int   // sealed segments whose index files were rebuilt
	SegmentBytesTruncated int64 // torn or corrupt segment tails cut
	WALFiles              int
	WALRecords            int64 // valid records read
	WALRecordsApplied     int64 // records appended to segments
	WALBytesTruncated     int64 // torn or corrupt WAL tail cut
	Duration              time.Duration
}

// Store is a logstore.Store kept in a directory: a node-wide write-ahead log
// plus per-partition segment files. See doc.go.
type Store struct {
	cfg    Config
	logger *slog.Logger
	open   openFunc

	walDir  string
	partDir string
	lock    *os.File

	handles *handleCache // segment files open at once

	adminMu sync.Mutex // serializes CreatePartition and DeletePartition

	mu     sync.RWMutex
	parts  map[topic.Partition]*partition
	closed bool

	// The committer's queue; see committer.go.
	qmu       sync.Mutex
	pend      *group
	ops       []*op
	closing   bool
	poisonErr error
	lastCount int // concurrency seen in the last cycle (linger target)
	kick      chan struct{}

	// The hand-off from the committer to the applier; see committer.go.
	applyQ      chan *group
	applyWG     sync.WaitGroup // groups handed off and not yet resolved
	applierDone chan struct{}

	// The writeback goroutine's queue (sent to by the applier).
	wbQ    chan wbRange
	wbDone chan struct{}

	// Committer-owned (and recovery-owned before the committer starts).
	wal     file
	walSeq  uint64   // sequence number of the current WAL file
	walSeqs []uint64 // WAL files that exist, current included
	walSize int64
	walHdrs []byte   // record headers of the group being written
	walVec  [][]byte // headers and batches of the group being written
	walIOV  iovecs
	lastDur time.Duration // duration of the last WAL write + fsync

	// Applier-owned; the committer uses dirty only with the applier drained.
	dirty   map[*segment]struct{} // written since the last WAL rotation
	touched map[*partition]int64  // partition -> new high watermark in a commit
	fns     []func()

	// Background checkpoints; see checkpoint.go.
	ckptBusy bool
	ckptJobs chan ckptJob
	ckptDone chan error

	committerDone chan struct{}
	committerErr  error // set by the committer before committerDone closes
	ckptWG        sync.WaitGroup
	quit          chan struct{}
	bgWG          sync.WaitGroup

	appends, commits, fsyncs, walBytes, checkpoints, rolls atomic.Int64
	commitSeconds, commitBatches, commitBytes              *Histogram
	recovery                                               RecoveryStats

	closeOnce sync.Once
	closeErr  error
}

// New opens the data directory cfg.Dir, creating it if needed, recovers it
// (see doc.go) and starts the committer, the checkpointer and the retention
// loop. Close stops them.
func New(cfg Config, logger *slog.Logger) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("segmentlog: Config.Dir is empty; set the data directory")
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		cfg:           cfg,
		logger:        logger.With("component", "segmentlog"),
		open:          cfg.openFile,
		walDir:        filepath.Join(cfg.Dir, walDirName),
		partDir:       filepath.Join(cfg.Dir, partitionsDirName),
		parts:         map[topic.Partition]*partition{},
		pend:          newGroup(),
		kick:          make(chan struct{}, 1),
		commitSeconds: newHistogram(.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1),
		commitBatches: newHistogram(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
		commitBytes:   newHistogram(1<<10, 4<<10, 16<<10, 64<<10, 256<<10, 1<<20, 4<<20, 16<<20),
		dirty:         map[*segment]struct{}{},
		touched:       map[*partition]int64{},
		ckptJobs:      make(chan ckptJob, 1),
		ckptDone:      make(chan error, 1),
		applyQ:        make(chan *group, applyQueue),
		applierDone:   make(chan struct{}),
		wbQ:           make(chan wbRange, writebackQueue),
		wbDone:        make(chan struct{}),
		committerDone: make(chan struct{}),
		quit:          make(chan struct{}),
	}
	s.handles = newHandleCache(cfg.MaxOpenSegments, cfg.openFile, cfg.NoSync, s.poison)
	for _, dir := range []string{cfg.Dir, s.walDir, s.partDir} {
		if err := os.MkdirAll(dir, cfg.DirMode); err != nil {
			return nil, fmt.Errorf("segmentlog: creating %s: %w", dir, err)
		}
	}
	lock, err := lockDir(cfg.Dir, cfg.FileMode)
	if err != nil {
		return nil, fmt.Errorf("segmentlog: %w", err)
	}
	s.lock = lock
	if err := s.recover(); err != nil {
		for _, p := range s.parts {
			_ = p.closeFiles()
		}
		if s.wal != nil {
			_ = s.wal.Close()
		}
		_ = lock.Close()
		return nil, fmt.Errorf("segmentlog: recovering %s: %w", cfg.Dir, err)
	}
	s.ckptWG.Add(1)
	go s.checkpointer()
	go s.writeback()
	go s.applier()
	go s.run()
	if cfg.RetentionInterval > 0 {
		s.bgWG.Add(1)
		go s.retentionLoop()
	}
	return s, nil
}

// Close flushes pending appends, checkpoints (fsyncs segments and trims the
// WAL), closes every file and stops every goroutine. Idempotent: later calls
// return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.quit)
		s.bgWG.Wait()

		s.qmu.Lock()
		s.closing = true
		s.qmu.Unlock()
		s.wake()
		<-s.committerDone
		s.ckptWG.Wait()
		<-s.wbDone

		errs := []error{s.committerErr}
		if err := s.poisoned(); err != nil {
			errs = append(errs, err) // the WAL was left for recovery
		}
		for _, p := range s.partitionList() {
			errs = append(errs, p.closeFiles())
		}
		errs = append(errs, s.lock.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("segmentlog: closing %s: %w", s.cfg.Dir, err)
		}
	})
	return s.closeErr
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	open, opens := s.handles.stats()
	return Stats{
		Appends:     s.appends.Load(),
		Commits:     s.commits.Load(),
		Fsyncs:      s.fsyncs.Load(),
		WALBytes:    s.walBytes.Load(),
		Checkpoints: s.checkpoints.Load(),
		Rolls:       s.rolls.Load(),
		Recovery:    s.recovery,

		OpenSegmentFiles: open,
		SegmentOpens:     opens,

		CommitSeconds: s.commitSeconds.snapshot(),
		CommitBatches: s.commitBatches.snapshot(),
		CommitBytes:   s.commitBytes.snapshot(),
	}
}

func (s *Store) now() time.Time { return s.cfg.Clock.Now() }

// partition looks p up.
func (s *Store) partition(tp topic.Partition) (*partition, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, log.ErrClosed
	}
	p := s.parts[tp]
	if p == nil {
		return nil, fmt.Errorf("partition %s: %w", tp, log.ErrUnknownPartition)
	}
	return p, nil
}

// partitionList returns the open partitions, in no order, taking s.mu only
// for the copy.
func (s *Store) partitionList() []*partition {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Collect(maps.Values(s.parts))
}

// Partitions lists every partition and its topic id.
func (s *Store) Partitions() map[topic.Partition]topic.ID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[topic.Partition]topic.ID, len(s.parts))
	for tp, p := range s.parts {
		out[tp] = p.id
	}
	return out
}

// CreatePartition creates an empty log for tp, or only applies cfg if a log
// for tp with the same id exists. A log for tp with another id is deleted
// first (as DeletePartition).
func (s *Store) CreatePartition(ctx context.Context, tp topic.Partition, id topic.ID, cfg logstore.PartitionConfig) error {
	return s.CreatePartitionAt(ctx, tp, id, cfg, 0)
}

// CreatePartitionAt is CreatePartition for a log whose first offset is
// start: its first segment is <start>.log and meta.json holds log start
// start.
func (s *Store) CreatePartitionAt(ctx context.Context, tp topic.Partition, id topic.ID, cfg logstore.PartitionConfig, start int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if start < 0 {
		return fmt.Errorf("partition %s: %w: negative start offset %d", tp, log.ErrOffsetOutOfRange, start)
	}
	if err := topic.ValidateName(tp.Topic); err != nil {
		return fmt.Errorf("partition %s: %w", tp, err)
	}
	if tp.Index < 0 {
		return fmt.Errorf("partition %s: %w: negative index", tp, topic.ErrUnknownPartition)
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if err := s.poisoned(); err != nil {
		return err
	}
	old, err := s.partition(tp)
	switch {
	case err == nil && old.id == id:
		return s.Configure(tp, cfg)
	case err == nil:
		s.logger.Info("replacing the log of a deleted topic", "partition", tp.String(), "old_topic_id", old.id.String(), "topic_id", id.String())
		if err := s.deletePartition(ctx, old); err != nil {
			return fmt.Errorf("replacing partition %s: %w", tp, err)
		}
	case !errors.Is(err, log.ErrUnknownPartition):
		return err
	}
	p, err := s.createPartitionDir(tp, id, start)
	if err != nil {
		return fmt.Errorf("creating partition %s: %w", tp, err)
	}
	p.cfg, p.configured = normalizePartitionConfig(cfg), true
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = p.closeFiles()
		return log.ErrClosed
	}
	s.parts[tp] = p
	s.logger.Info("created partition", "partition", tp.String(), "topic_id", id.String(), "start_offset", start)
	return nil
}

// Configure changes the segment and retention settings of tp.
func (s *Store) Configure(tp topic.Partition, cfg logstore.PartitionConfig) error {
	p, err := s.partition(tp)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.cfg, p.configured = normalizePartitionConfig(cfg), true
	p.mu.Unlock()
	return nil
}

// DeletePartition removes tp and its files. Appends already accepted are
// committed first; later ones fail with log.ErrUnknownPartition. It returns
// after a WAL checkpoint, so that no WAL record of this partition survives:
// a partition created again with the same topic id cannot inherit them.
func (s *Store) DeletePartition(ctx context.Context, tp topic.Partition) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	p, err := s.partition(tp)
	if err != nil {
		return err
	}
	return s.deletePartition(ctx, p)
}

// deletePartition unlinks p from the store and has the committer delete its
// files. The caller holds adminMu.
func (s *Store) deletePartition(ctx context.Context, p *partition) error {
	if err := s.poisoned(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.parts, p.tp)
	s.mu.Unlock()
	p.appendMu.Lock()
	p.deleted = true
	p.appendMu.Unlock()
	p.mu.Lock()
	p.watchers = nil
	p.mu.Unlock()
	// Wait for the deletion even if ctx ends: a CreatePartition of the
	// same partition must not race with the renaming of its directory.
	err := s.do(context.WithoutCancel(ctx), func() error { return s.deletePartitionFiles(p) })
	if errors.Is(err, log.ErrClosed) {
		_ = p.closeFiles() // no longer in the map, so Close would not close them
	}
	if err != nil {
		return fmt.Errorf("deleting partition %s: %w", p.tp, err)
	}
	s.logger.Info("deleted partition", "partition", p.tp.String(), "topic_id", p.id.String())
	return nil
}

// Append validates batch, assigns its offsets and queues it for the next
// group commit. The returned Durable resolves when the group's WAL write is
// fsynced and the batch is readable.
func (s *Store) Append(ctx context.Context, tp topic.Partition, batch []byte) (int64, logstore.Durable, error) {
	if err := ctx.Err(); err != nil {
		return -1, nil, err
	}
	if len(batch) > s.cfg.MaxBatchBytes {
		return -1, nil, fmt.Errorf("partition %s: %w: %d bytes, at most %d", tp, log.ErrTooLarge, len(batch), s.cfg.MaxBatchBytes)
	}
	h, err := record.ParseHeader(batch)
	if err != nil {
		return -1, nil, fmt.Errorf("partition %s: %w", tp, err)
	}
	if h.Size() != len(batch) {
		return -1, nil, fmt.Errorf("partition %s: %w: batch says %d bytes, got %d", tp, record.ErrMalformed, h.Size(), len(batch))
	}
	if err := record.Verify(batch); err != nil {
		return -1, nil, fmt.Errorf("partition %s: %w", tp, err)
	}
	p, err := s.partition(tp)
	if err != nil {
		return -1, nil, err
	}

	p.appendMu.Lock()
	if p.deleted {
		p.appendMu.Unlock()
		return -1, nil, fmt.Errorf("partition %s: %w", tp, log.ErrUnknownPartition)
	}
	base := p.logEnd.Load()
	record.SetBaseOffset(batch, base)
	h.BaseOffset = base
	g, err := s.enqueue(item{p: p, batch: batch, h: h})
	if err != nil {
		p.appendMu.Unlock()
		return -1, nil, err
	}
	p.logEnd.Store(h.NextOffset())
	p.appendMu.Unlock()

	s.appends.Add(1)
	s.wake()
	return base, g, nil
}

// Read returns whole batches from the one holding offset, up to maxBytes,
// below the high watermark, from one segment.
func (s *Store) Read(ctx context.Context, tp topic.Partition, offset int64, maxBytes int, minOne bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := s.partition(tp)
	if err != nil {
		return nil, err
	}
	p.mu.RLock()
	hw, start := p.hw, p.logStart
	if offset < start || offset > hw {
		p.mu.RUnlock()
		return nil, fmt.Errorf("partition %s: %w: offset %d, log starts at %d, high watermark %d", tp, log.ErrOffsetOutOfRange, offset, start, hw)
	}
	if offset == hw {
		p.mu.RUnlock()
		return nil, nil
	}
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].base > offset }) - 1
	i = max(i, 0)
	sg := p.segs[i]
	pos, limit := sg.positionFor(offset), sg.size
	sg.io.RLock()
	p.mu.RUnlock()
	closed := sg.closed
	var (
		out   []byte
		found bool
	)
	if !closed {
		var f file
		if f, err = s.handles.acquire(sg); err == nil {
			out, found, err = sg.read(f, pos, limit, offset, hw, maxBytes, minOne)
			s.handles.release(sg, false)
		}
	}
	sg.io.RUnlock()
	if closed { // the partition was deleted or the store closed meanwhile
		if _, err := s.partition(tp); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("partition %s: %w", tp, log.ErrUnknownPartition)
	}
	if err != nil {
		return nil, fmt.Errorf("partition %s: %w", tp, err)
	}
	if !found {
		// Offsets are contiguous, so the segment with the greatest base
		// offset <= offset holds every offset up to the next one's base.
		return nil, fmt.Errorf("partition %s: %w", tp, sg.corruptf("no batch holds offset %d below the high watermark %d", offset, hw))
	}
	return out, nil
}

// Offsets returns tp's watermarks and the batch with the largest timestamp
// below the high watermark (first such batch, by base offset). Like Kafka,
// it considers every stored batch, including any below a log start set by
// DeleteRecords inside the first segment.
func (s *Store) Offsets(tp topic.Partition) (log.Offsets, error) {
	p, err := s.partition(tp)
	if err != nil {
		return log.Offsets{}, err
	}
	p.mu.RLock()
	o := log.Offsets{LogStart: p.logStart, HighWatermark: p.hw, MaxTimestamp: -1, MaxTimestampOffset: -1}
	for _, sg := range p.segs {
		if ts, off := sg.maxTimestampBelow(p.hw); ts > o.MaxTimestamp {
			o.MaxTimestamp, o.MaxTimestampOffset = ts, off
		}
	}
	p.mu.RUnlock()
	o.LogEnd = p.logEnd.Load() // read after hw: LogEnd only grows, so LogEnd >= hw
	return o, nil
}

// OffsetForTimestamp returns the base offset and max timestamp of the first
// batch at or after the log start, below the high watermark, whose max
// timestamp is >= ts; (-1, -1) when there is none. It uses the time indexes,
// which record every growth of a segment's max timestamp, so the answer
// needs no disk read unless the log start cuts into the first segment.
func (s *Store) OffsetForTimestamp(ctx context.Context, tp topic.Partition, ts int64) (int64, int64, error) {
	if err := ctx.Err(); err != nil {
		return -1, -1, err
	}
	p, err := s.partition(tp)
	if err != nil {
		return -1, -1, err
	}
	p.mu.RLock()
	hw, start := p.hw, p.logStart
	type segView struct {
		sg          *segment
		times       []TimeIndexEntry
		pos, limit  int64
		belowStart  bool
		wholeBefore bool
	}
	views := make([]segView, 0, len(p.segs))
	for _, sg := range p.segs {
		views = append(views, segView{
			sg: sg, times: sg.times, pos: sg.positionFor(start), limit: sg.size,
			belowStart: sg.base < start, wholeBefore: sg.next <= start,
		})
	}
	p.mu.RUnlock()

	for _, v := range views {
		if v.wholeBefore {
			continue
		}
		i := sort.Search(len(v.times), func(i int) bool { return v.times[i].Timestamp >= ts })
		if i == len(v.times) {
			continue // no batch of this segment reaches ts
		}
		off := v.sg.base + int64(v.times[i].RelOffset)
		if off >= hw {
			return -1, -1, nil
		}
		if off >= start {
			return off, v.times[i].Timestamp, nil
		}
		// The first batch reaching ts is below the log start; a later one
		// may reach ts without growing the max. Scan from the log start.
		off, t, found, err := s.scanForTimestamp(v.sg, v.pos, v.limit, start, hw, ts)
		if err != nil {
			return -1, -1, fmt.Errorf("partition %s: %w", tp, err)
		}
		if found {
			return off, t, nil
		}
	}
	return -1, -1, nil
}

// scanForTimestamp walks the batch headers of sg from pos for the first
// batch holding offsets >= start, below hw, with max timestamp >= ts.
func (s *Store) scanForTimestamp(sg *segment, pos, limit, start, hw, ts int64) (int64, int64, bool, error) {
	sg.io.RLock()
	defer sg.io.RUnlock()
	if sg.closed {
		return -1, -1, false, nil // deleted meanwhile: its offsets are below the log start now
	}
	f, err := s.handles.acquire(sg)
	if err != nil {
		return -1, -1, false, err
	}
	defer s.handles.release(sg, false)
	hr := headerReader{r: f, limit: limit}
	for pos < limit {
		h, err := hr.header(pos)
		if err != nil {
			return -1, -1, false, sg.corruptf("scanning for a timestamp: %v", err)
		}
		if h.BaseOffset >= hw {
			break
		}
		if h.NextOffset() > start && h.MaxTimestamp >= ts {
			return max(h.BaseOffset, start), h.MaxTimestamp, true, nil
		}
		pos += int64(h.Size())
	}
	return -1, -1, false, nil
}

// DeleteRecords advances tp's log start to before, which must be at most
// the high watermark (log.ErrOffsetOutOfRange otherwise, as Kafka). The new
// log start is in the metadata file before it returns; segments wholly
// below it are deleted (never the active one).
func (s *Store) DeleteRecords(ctx context.Context, tp topic.Partition, before int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return -1, err
	}
	p, err := s.partition(tp)
	if err != nil {
		return -1, err
	}
	p.adminMu.Lock()
	defer p.adminMu.Unlock()
	if err := s.poisoned(); err != nil {
		return -1, err
	}
	p.mu.RLock()
	hw, start := p.hw, p.logStart
	p.mu.RUnlock()
	if before < 0 || before > hw {
		return -1, fmt.Errorf("partition %s: %w: cannot delete records before %d, high watermark is %d", tp, log.ErrOffsetOutOfRange, before, hw)
	}
	if before <= start {
		return start, nil
	}
	if err := s.writeMeta(p.dir, p.tp, p.id, before); err != nil {
		return -1, fmt.Errorf("partition %s: persisting log start %d: %w", tp, before, err)
	}
	p.mu.Lock()
	p.logStart = before
	doomed := p.detachSegmentsBelow(func(sg *segment) bool { return sg.next <= before })
	p.mu.Unlock()
	s.removeSegments(p, doomed, "delete_records")
	return before, nil
}

// detachSegmentsBelow removes the leading sealed segments for which doomed
// is true from the list and returns them. The caller holds mu for writing.
func (p *partition) detachSegmentsBelow(doomed func(*segment) bool) []*segment {
	n := 0
	for n < len(p.segs)-1 && p.segs[n].next <= p.hw && doomed(p.segs[n]) {
		n++
	}
	if n == 0 {
		return nil
	}
	out := append([]*segment(nil), p.segs[:n]...)
	p.segs = append([]*segment(nil), p.segs[n:]...)
	p.logStart = max(p.logStart, p.segs[0].base)
	return out
}

// removeSegments deletes detached segments' files.
func (s *Store) removeSegments(p *partition, segs []*segment, why string) {
	for _, sg := range segs {
		if err := removeSegmentFiles(sg); err != nil {
			s.logger.Warn("deleting a segment failed", "partition", p.tp.String(), "error", err.Error())
			continue
		}
		s.logger.Info("deleted segment", "partition", p.tp.String(), "base_offset", sg.base, "bytes", sg.size, "reason", why)
	}
}

// Segments lists tp's segments, oldest first; the last is the active one.
func (s *Store) Segments(tp topic.Partition) ([]logstore.Segment, error) {
	p, err := s.partition(tp)
	if err != nil {
		return nil, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]logstore.Segment, len(p.segs))
	for i, sg := range p.segs {
		ts, _ := sg.maxTimestampBelow(p.hw)
		out[i] = logstore.Segment{Base: sg.base, End: min(sg.next, p.hw), Bytes: sg.size, MaxTimestamp: ts, Sealed: sg.sealed}
	}
	return out, nil
}

// Size is the bytes of tp's segment files.
func (s *Store) Size(tp topic.Partition) (int64, error) {
	p, err := s.partition(tp)
	if err != nil {
		return 0, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	var n int64
	for _, sg := range p.segs {
		n += sg.size
	}
	return n, nil
}

// Watch calls fn from the applier goroutine after each advance of tp's
// high watermark, until cancel is called. fn must not block.
func (s *Store) Watch(tp topic.Partition, fn func()) (func(), error) {
	p, err := s.partition(tp)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	id := p.nextWatch
	p.nextWatch++
	if p.watchers == nil {
		p.watchers = map[uint64]func(){}
	}
	p.watchers[id] = fn
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			delete(p.watchers, id)
			p.mu.Unlock()
		})
	}, nil
}
