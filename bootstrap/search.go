package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Search holds the settings of full-text search over topics.
type Search struct {
	// SearchCacheSize bounds the sealed indexes kept on local disk.
	SearchCacheSize string `toml:"search_cache_size"`
	// A partition's active index is sealed (uploaded, and durable) at
	// SearchSealDocs documents or when its first waited SearchSealAgeMs.
	SearchSealDocs  int `toml:"search_seal_docs"`
	SearchSealAgeMs int `toml:"search_seal_age_ms"`
	// SearchMaxResultWindow bounds from+size (index.max_result_window);
	// SearchTimeoutMs is a search's default timeout; SearchMaxConcurrent
	// searches run at once.
	SearchMaxResultWindow int `toml:"search_max_result_window"`
	SearchTimeoutMs       int `toml:"search_timeout_ms"`
	SearchMaxConcurrent   int `toml:"search_max_concurrent"`

	searchCacheBytes int64
}

func defaultSearch() Search {
	return Search{
		SearchCacheSize:       sizeString(textsearch.DefaultCacheBytes),
		SearchSealDocs:        textsearch.DefaultSealDocs,
		SearchSealAgeMs:       ms(textsearch.DefaultSealAge),
		SearchMaxResultWindow: textsearch.DefaultMaxResultWindow,
		SearchTimeoutMs:       ms(textsearch.DefaultTimeout),
		SearchMaxConcurrent:   textsearch.DefaultMaxConcurrent,
	}
}

var searchVars = []envVar{
	{"CHRONIK_SEARCH_CACHE_SIZE", str(func(c *Config) *string { return &c.SearchCacheSize })},
	{"CHRONIK_SEARCH_SEAL_DOCS", intVar(func(c *Config) *int { return &c.SearchSealDocs })},
	{"CHRONIK_SEARCH_SEAL_AGE_MS", intVar(func(c *Config) *int { return &c.SearchSealAgeMs })},
	{"CHRONIK_SEARCH_MAX_RESULT_WINDOW", intVar(func(c *Config) *int { return &c.SearchMaxResultWindow })},
	{"CHRONIK_SEARCH_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.SearchTimeoutMs })},
	{"CHRONIK_SEARCH_MAX_CONCURRENT", intVar(func(c *Config) *int { return &c.SearchMaxConcurrent })},
}

func (s *Search) validate() []string {
	var problems []string
	for _, b := range []struct {
		name      string
		v, lo, hi int
	}{
		{"CHRONIK_SEARCH_SEAL_DOCS", s.SearchSealDocs, 1, 100_000_000},
		{"CHRONIK_SEARCH_SEAL_AGE_MS", s.SearchSealAgeMs, 100, 7 * 24 * 3600 * 1000},
		{"CHRONIK_SEARCH_MAX_RESULT_WINDOW", s.SearchMaxResultWindow, 1, 10_000_000},
		{"CHRONIK_SEARCH_TIMEOUT_MS", s.SearchTimeoutMs, 10, 24 * 3600 * 1000},
		{"CHRONIK_SEARCH_MAX_CONCURRENT", s.SearchMaxConcurrent, 1, 256},
	} {
		if b.v < b.lo || b.v > b.hi {
			problems = append(problems, fmt.Sprintf("%s %d must be between %d and %d", b.name, b.v, b.lo, b.hi))
		}
	}
	n, err := ParseSize(s.SearchCacheSize)
	if err != nil || n < 1<<20 {
		problems = append(problems, fmt.Sprintf("CHRONIK_SEARCH_CACHE_SIZE %q must be a size of at least %s", s.SearchCacheSize, sizeString(1<<20)))
	}
	s.searchCacheBytes = n
	return problems
}

func searchConfig(c Config) textsearch.Config {
	return textsearch.Config{
		Dir:             filepath.Join(c.DataDir, "search"),
		CacheBytes:      c.searchCacheBytes,
		SealDocs:        int64(c.SearchSealDocs),
		SealAge:         time.Duration(c.SearchSealAgeMs) * time.Millisecond,
		CallTimeout:     time.Duration(c.ObjectStoreTimeoutMs) * time.Millisecond,
		Timeout:         time.Duration(c.SearchTimeoutMs) * time.Millisecond,
		MaxResultWindow: c.SearchMaxResultWindow,
		MaxConcurrent:   c.SearchMaxConcurrent,
	}
}

// provideSearch is the text sink and the searches over it.
func provideSearch(ctx context.Context, cfg textsearch.Config, store textindex.Store, bucket objstore.Bucket, meta metastoreStore, t *topics.Service, clk clock.Clock, logger *slog.Logger) (*textsearch.Service, func(), error) {
	s, err := textsearch.New(ctx, cfg, store, bucket, meta, t, clk, logger.With("component", "search"))
	if err != nil {
		return nil, nil, fmt.Errorf("full-text search: %w", err)
	}
	return s, func() { _ = s.Close() }, nil
}
