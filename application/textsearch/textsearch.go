package textsearch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultSealDocs        = 250_000
	DefaultSealAge         = 10 * time.Minute
	DefaultCacheBytes      = 1 << 30
	DefaultCallTimeout     = 30 * time.Second
	DefaultTimeout         = 30 * time.Second
	DefaultMaxResultWindow = search.DefaultMaxResultWindow
	DefaultMaxConcurrent   = 4
)

// Config tunes the service.
type Config struct {
	Dir             string        // local indexes: active ones and the cache of sealed ones
	CacheBytes      int64         // bound of the sealed indexes on local disk
	SealDocs        int64         // an active index is sealed at this many documents
	SealAge         time.Duration // ... or when its first document waited this long
	CallTimeout     time.Duration // one object-store call
	Timeout         time.Duration // a search's default timeout
	MaxResultWindow int           // From+Size at most (index.max_result_window)
	// MaxConcurrent searches run at once; more wait up to their timeout,
	// then get ErrBusy.
	MaxConcurrent int
}

func (c Config) withDefaults() Config {
	if c.CacheBytes <= 0 {
		c.CacheBytes = DefaultCacheBytes
	}
	if c.SealDocs <= 0 {
		c.SealDocs = DefaultSealDocs
	}
	if c.SealAge <= 0 {
		c.SealAge = DefaultSealAge
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxResultWindow <= 0 {
		c.MaxResultWindow = DefaultMaxResultWindow
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	return c
}

// Topics finds topics by name.
type Topics interface {
	Get(name string) (topic.Topic, bool)
	List() []topic.Topic
}

// Service is the text sink and the searches over it.
type Service struct {
	cfg      Config
	store    textindex.Store
	bucket   objstore.Bucket
	meta     metastore.Store
	topics   Topics
	clk      clock.Clock
	logger   *slog.Logger
	cache    *cache
	slots    chan struct{} // one per search running
	counters searchCounters

	mu       sync.Mutex
	parts    map[partKey]*partition         // by topic id: a deleted topic's until Drop
	byName   map[topic.Partition]*partition // the one Open started last for the name
	mappings map[topic.ID]*mappingState
}

type partKey struct {
	id topic.ID
	n  int32
}

// New returns the service. Local indexes that no manifest lists are
// removed.
func New(ctx context.Context, cfg Config, store textindex.Store, bucket objstore.Bucket, meta metastore.Store, topics Topics, clk clock.Clock, logger *slog.Logger) (*Service, error) {
	cfg = cfg.withDefaults()
	s := &Service{cfg: cfg, store: store, bucket: bucket, meta: meta, topics: topics, clk: clk, logger: logger,
		slots: make(chan struct{}, cfg.MaxConcurrent), parts: map[partKey]*partition{},
		byName: map[topic.Partition]*partition{}, mappings: map[topic.ID]*mappingState{}}
	keep, err := s.manifestedIndexes(ctx)
	if err != nil {
		return nil, err
	}
	if s.cache, err = openCache(cfg.Dir, cfg.CacheBytes, keep, store, logger); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes every open index. The pipeline stops before it.
func (s *Service) Close() error {
	s.mu.Lock()
	parts := make([]*partition, 0, len(s.parts))
	for _, p := range s.parts {
		parts = append(parts, p)
	}
	s.mu.Unlock()
	for _, p := range parts {
		p.mu.Lock()
		s.discardActive(p)
		p.mu.Unlock()
	}
	return s.cache.close()
}
