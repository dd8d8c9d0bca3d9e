package textsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// sealed is one sealed index of a partition.
type sealed struct {
	From  int64  `json:"from"` // first offset covered
	To    int64  `json:"to"`   // offset after the last one covered
	Key   string `json:"key"`  // object key in the bucket
	Docs  int64  `json:"docs"`
	Bytes int64  `json:"bytes"` // packed
	MinTS int64  `json:"min_ts"`
	MaxTS int64  `json:"max_ts"`
	// Dir names its local directory: unique, so that an index Open
	// discarded and its successor at the same offset never share one.
	Dir string `json:"dir"`

	id topic.ID // set when loaded
	n  int32
}

// localDir is where the index lives, relative to the service's
// directory, as it was while active.
func (f sealed) localDir() string {
	return filepath.Join("idx", f.id.String(), fmt.Sprint(f.n), f.Dir)
}

// manifest lists a partition's sealed indexes, oldest first.
type manifest struct {
	Topic   string   `json:"topic"`
	Indexes []sealed `json:"indexes"`
}

const manifestPrefix = "search/manifest/"

func manifestKey(id topic.ID, n int32) []byte {
	return fmt.Appendf(nil, "%s%s/%d", manifestPrefix, id, n)
}

func (s *Service) loadManifest(ctx context.Context, id topic.ID, n int32) (manifest, error) {
	v, err := s.meta.Get(ctx, manifestKey(id, n))
	if errors.Is(err, metastore.ErrNotFound) {
		return manifest{}, nil
	}
	if err != nil {
		return manifest{}, err
	}
	var m manifest
	if err := json.Unmarshal(v, &m); err != nil {
		return manifest{}, fmt.Errorf("search manifest of %s-%d: %w", id, n, err)
	}
	for i := range m.Indexes {
		m.Indexes[i].id, m.Indexes[i].n = id, n
	}
	return m, nil
}

func (s *Service) saveManifest(ctx context.Context, id topic.ID, n int32, m manifest) error {
	if len(m.Indexes) == 0 {
		return s.meta.Apply(ctx, metastore.Del(manifestKey(id, n)))
	}
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.meta.Apply(ctx, metastore.Put(manifestKey(id, n), v))
}

// manifestedIndexes lists every sealed index of every manifest, by local
// directory.
func (s *Service) manifestedIndexes(ctx context.Context) (map[string]bool, error) {
	type ref struct {
		id topic.ID
		n  int32
	}
	var refs []ref
	err := s.meta.Scan(ctx, []byte(manifestPrefix), func(key, _ []byte) error {
		var idText string
		var n int32
		if _, err := fmt.Sscanf(string(key[len(manifestPrefix):]), "%32s/%d", &idText, &n); err != nil {
			return nil
		}
		if id, err := topic.ParseID(idText); err == nil {
			refs = append(refs, ref{id, n})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range refs {
		m, err := s.loadManifest(ctx, r.id, r.n)
		if err != nil {
			return nil, err
		}
		for _, f := range m.Indexes {
			out[f.localDir()] = true
		}
	}
	return out, nil
}
