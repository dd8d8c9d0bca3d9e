package textsearch_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/textindex/memindex"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// gatedStore wraps memindex: before each index search it calls before.
type gatedStore struct {
	*memindex.Store
	before func(context.Context) error
}

func (s gatedStore) Open(ctx context.Context, dir string, opt textindex.Options) (textindex.Index, error) {
	i, err := s.Store.Open(ctx, dir, opt)
	if err != nil {
		return nil, err
	}
	return gatedIndex{Index: i, before: s.before}, nil
}

type gatedIndex struct {
	textindex.Index
	before func(context.Context) error
}

func (i gatedIndex) Search(ctx context.Context, req search.Request, m search.Mapping) (textindex.Answer, error) {
	if err := i.before(ctx); err != nil {
		return textindex.Answer{}, err
	}
	return i.Index.Search(ctx, req, m)
}

// gatedService is a service over logs (two partitions, 12 documents
// each, in sealed and active indexes) whose index searches call before.
func gatedService(t *testing.T, before func(context.Context) error) *textsearch.Service {
	t.Helper()
	f := newFixture(t, logs)
	ctx := context.Background()
	s, err := textsearch.New(ctx, textsearch.Config{Dir: t.TempDir(), SealDocs: 5}, gatedStore{Store: memindex.New(), before: before}, f.bucket, f.meta, f.topics, clock.System{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for n := range int32(2) {
		tp := topic.Partition{Topic: "logs", Index: n}
		if err := s.Open(ctx, tp, logs.ID, 0); err != nil {
			t.Fatal(err)
		}
		for from := int64(0); from < 12; from += 6 {
			if err := s.Index(ctx, tp, lines(n, from, from+6), from+6); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Flush(ctx, tp, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func TestFanOutSearchesPartitionsAtOnce(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2")
	}
	var inflight, most atomic.Int32
	var gate bool
	var mu sync.Mutex
	s := gatedService(t, func(ctx context.Context) error {
		mu.Lock()
		wait := gate
		mu.Unlock()
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for most.Load() < n {
			most.CompareAndSwap(most.Load(), n)
		}
		// hold the search until another runs beside it (or give up)
		for deadline := time.Now().Add(5 * time.Second); wait && most.Load() < 2 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	mu.Lock()
	gate = true
	mu.Unlock()
	res, err := s.Search(context.Background(), "logs", search.Request{Size: 100, TrackTotalHits: -1, Sort: []search.Sort{{Field: search.SortDoc}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Value != 24 || len(res.Hits) != 24 {
		t.Fatalf("total %+v, %d hits", res.Total, len(res.Hits))
	}
	if most.Load() < 2 {
		t.Fatalf("at most %d index searches ran at once", most.Load())
	}
	for k, h := range res.Hits {
		if want := search.DocID(int32(k/12), int64(k%12)); h.ID() != want {
			t.Fatalf("hit %d is %s, want %s", k, h.ID(), want)
		}
	}
}

func TestFanOutErrorIsTheSearchError(t *testing.T) {
	boom := errors.New("disk on fire")
	var calls atomic.Int32
	s := gatedService(t, func(ctx context.Context) error {
		if calls.Add(1) == 2 {
			return boom
		}
		return nil
	})
	if _, err := s.Search(context.Background(), "logs", search.Request{Size: 10}); !errors.Is(err, boom) {
		t.Fatalf("err %v, want %v", err, boom)
	}
}

func TestFanOutTimeoutAnswersWhatWasFound(t *testing.T) {
	var calls atomic.Int32
	s := gatedService(t, func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			<-ctx.Done() // one index never answers in time
			return ctx.Err()
		}
		return nil
	})
	res, err := s.Search(context.Background(), "logs", search.Request{Size: 100, TrackTotalHits: -1, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || len(res.Hits) == 0 || len(res.Hits) >= 24 {
		t.Fatalf("timed out %v with %d hits: want a timed-out answer holding the other indexes' hits", res.TimedOut, len(res.Hits))
	}
}
