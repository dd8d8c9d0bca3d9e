package indexing

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultWorkers       = 2
	DefaultReadBytes     = 1 << 20
	DefaultMaxBatchBytes = 64 << 20
	DefaultTick          = time.Second
	DefaultRetryDelay    = 5 * time.Second
	// DefaultBusyBytesPerSec and DefaultBusyShare: while producers append
	// 16 MiB/s or more, each worker works at most 15 % of its time (see
	// Config). 16 MiB/s is above the bench's 10 MB/s freshness run (which
	// must stay fresh) and well below what a loaded 2-core machine still
	// produces (about 30 MB/s at load 13); with 15 % produce kept 89-91 %
	// of its rate in measurements where the unpaced pipeline left it
	// 53-62 % (issue 10's report).
	DefaultBusyBytesPerSec = 16 << 20
	DefaultBusyShare       = 15
)

// Config tunes a Pipeline.
type Config struct {
	Workers       int           // partitions read at once
	ReadBytes     int           // batches read from the log per step
	MaxBatchBytes int           // what one batch may decompress to
	Tick          time.Duration // how often topics are listed and every partition is visited (sinks seal by age then)
	RetryDelay    time.Duration // wait after a failed read, Index or Flush
	// BusyBytesPerSec and BusyShare give way to a burst of produce: while
	// producers append at least BusyBytesPerSec (measured over 100 ms or
	// more), a worker that worked for d then pauses for
	// d x (100 - BusyShare) / BusyShare (at most a second), so the
	// pipeline takes at most BusyShare percent of each worker's time and
	// catches up at full speed once the burst is over. A negative
	// BusyBytesPerSec, or a BusyShare of 100, never pauses.
	BusyBytesPerSec int64
	BusyShare       int // percent, 1-100
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.ReadBytes <= 0 {
		c.ReadBytes = DefaultReadBytes
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if c.Tick <= 0 {
		c.Tick = DefaultTick
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.BusyBytesPerSec == 0 {
		c.BusyBytesPerSec = DefaultBusyBytesPerSec
	}
	if c.BusyShare <= 0 {
		c.BusyShare = DefaultBusyShare
	}
	c.BusyShare = min(c.BusyShare, 100)
	return c
}

// Sink is a query sink fed by the pipeline. The pipeline calls it for one
// partition from one goroutine at a time; calls for different partitions
// may run at once. See the package documentation for the protocol.
type Sink interface {
	// Name names the sink in watermark keys, metrics and logs: a short
	// lower-case word such as "columnar".
	Name() string
	// Enabled reports whether t's configs turn the sink on.
	Enabled(t topic.Topic) bool
	// Open starts (or restarts) p of the topic id at offset from: the sink
	// discards whatever it holds of p at or past from.
	Open(ctx context.Context, p topic.Partition, id topic.ID, from int64) error
	// Index adds docs, the records of p in [its position, next) in offset
	// order (offsets without a document, such as control batches, are
	// simply absent), and moves its position to next. The documents are
	// visible to queries when it returns. The sink may keep docs and what
	// they hold but must not change them: other sinks get the same ones.
	Index(ctx context.Context, p topic.Partition, docs []document.Document, next int64) error
	// Flush seals what the sink holds of p when its own rules say so, or
	// all of it when force, and returns the offset below which all it
	// holds of p is durable.
	Flush(ctx context.Context, p topic.Partition, force bool) (durable int64, err error)
	// Trim tells the sink that p's log now starts at logStart: data wholly
	// below it may go.
	Trim(ctx context.Context, p topic.Partition, logStart int64) error
	// Drop removes all the sink holds of partition n of the topic id (the
	// topic was deleted, or the sink disabled on it).
	Drop(ctx context.Context, id topic.ID, n int32) error
}

// Log is what the pipeline reads: the node's log store, through its tiers.
type Log interface {
	// Read returns whole batches from the one holding offset, at most
	// maxBytes (a larger first batch whole with minOne), never past the
	// high watermark; log.ErrOffsetOutOfRange below the log start.
	Read(ctx context.Context, p topic.Partition, offset int64, maxBytes int, minOne bool) ([]byte, error)
	// Offsets returns p's watermarks.
	Offsets(p topic.Partition) (log.Offsets, error)
	// Watch calls fn, without blocking, each time p's high watermark
	// moves, until cancel.
	Watch(p topic.Partition, fn func()) (cancel func(), err error)
}

// Topics lists the node's topics with their configs.
type Topics interface {
	List() []topic.Topic
}

// Inflater decompresses the records of a batch compressed with codec
// (1 gzip, 2 snappy, 3 lz4, 4 zstd), appending to dst, and fails when they
// would pass limit bytes.
type Inflater interface {
	Inflate(dst, src []byte, codec int8, limit int) ([]byte, error)
}

// Schemas decodes values framed with a registered schema's id.
type Schemas interface {
	// Decode decodes payload (the value after the magic byte and the id)
	// with schema id into an object. Errors wrap
	// document.ErrUndecodable and say why (an unknown id, a payload that
	// does not match).
	Decode(ctx context.Context, id int32, payload []byte) (document.Object, error)
}

// Pipeline feeds the sinks. Create it with New, run it with Run.
type Pipeline struct {
	cfg     Config
	log     Log
	topics  Topics
	meta    metastore.Store
	inflate Inflater
	schemas Schemas // nil: framed values are kept whole
	sinks   []Sink
	clk     clock.Clock
	logger  *slog.Logger
	pace    *pacer

	signal chan struct{} // a partition was queued; capacity Workers

	mu      sync.Mutex
	parts   map[partKey]*part
	ready   []*part
	warned  map[string]bool // topic + cause of an undecodable value, logged once
	stopped bool
}

// New returns a pipeline over the given sinks. schemas may be nil;
// appends may be nil (the pipeline then never gives way to produce).
func New(cfg Config, lg Log, topics Topics, meta metastore.Store, inflate Inflater, schemas Schemas, appends Appends, sinks []Sink, clk clock.Clock, logger *slog.Logger) *Pipeline {
	cfg = cfg.withDefaults()
	return &Pipeline{
		cfg: cfg, log: lg, topics: topics, meta: meta, inflate: inflate, schemas: schemas,
		sinks: sinks, clk: clk, logger: logger,
		pace:   &pacer{appends: appends, limit: float64(cfg.BusyBytesPerSec), share: cfg.BusyShare},
		signal: make(chan struct{}, cfg.Workers),
		parts:  map[partKey]*part{},
		warned: map[string]bool{},
	}
}

// Run indexes until ctx ends, then flushes every sink (force) and saves
// the watermarks before it returns. It returns at once when there are no
// sinks.
func (p *Pipeline) Run(ctx context.Context) {
	if len(p.sinks) == 0 {
		return
	}
	if err := p.dropOrphans(ctx); err != nil {
		p.logger.Warn("indexing: cleaning up watermarks of deleted topics failed", "err", err)
	}
	p.pace.producing(p.clk.Now()) // the produce rate is measured from here
	var wg sync.WaitGroup
	for range p.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work(ctx)
		}()
	}
	t := time.NewTicker(p.cfg.Tick)
	p.discover()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
			p.discover()
		}
	}
	t.Stop()
	wg.Wait()
	p.shutdown()
}

// shutdown stops the watches and makes every sink's data durable, with a
// fresh context (Run's has ended) bounded by a minute.
func (p *Pipeline) shutdown() {
	p.mu.Lock()
	p.stopped = true
	parts := make([]*part, 0, len(p.parts))
	for _, pt := range p.parts {
		parts = append(parts, pt)
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, pt := range parts {
		pt.unwatch()
		for _, f := range pt.feeds {
			if f.opened {
				p.flush(ctx, pt, f, true)
			}
		}
	}
}
