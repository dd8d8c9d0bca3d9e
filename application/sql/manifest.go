package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// fileMeta is one sealed Parquet file of a partition.
type fileMeta struct {
	From  int64  `json:"from"` // first offset covered
	To    int64  `json:"to"`   // offset after the last one covered
	Key   string `json:"key"`  // object key in the bucket
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
	MinTS int64  `json:"min_ts"`
	MaxTS int64  `json:"max_ts"`

	id topic.ID // set when loaded
	n  int32
}

// localPath is where the file lives in the cache, relative to its root.
func (f fileMeta) localPath() string {
	return filepath.Join(f.id.String(), fmt.Sprint(f.n), fmt.Sprintf("%020d-%020d.parquet", f.From, f.To))
}

// manifest lists a partition's sealed files, oldest first, and the
// objects of files a merge replaced, until they are deleted.
type manifest struct {
	Topic   string     `json:"topic"`
	Files   []fileMeta `json:"files"`
	Garbage []garbage  `json:"garbage,omitempty"`
}

// garbage is the object of a file a merge replaced: no query of this
// node reads it, but the metadata snapshot in the bucket may still name
// it (a node restored from it would), so it is deleted After (Unix ms).
type garbage struct {
	Key   string `json:"key"`
	After int64  `json:"after"`
}

const manifestPrefix = "columnar/manifest/"

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
		return manifest{}, fmt.Errorf("columnar manifest of %s-%d: %w", id, n, err)
	}
	for i := range m.Files {
		m.Files[i].id, m.Files[i].n = id, n
	}
	return m, nil
}

func (s *Service) saveManifest(ctx context.Context, id topic.ID, n int32, m manifest) error {
	if len(m.Files) == 0 && len(m.Garbage) == 0 {
		return s.meta.Apply(ctx, metastore.Del(manifestKey(id, n)))
	}
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.meta.Apply(ctx, metastore.Put(manifestKey(id, n), v))
}

// manifestedFiles lists every file of every manifest, by local path.
func (s *Service) manifestedFiles(ctx context.Context) (map[string]fileMeta, error) {
	out := map[string]fileMeta{}
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
		id, err := topic.ParseID(idText)
		if err != nil {
			return nil
		}
		refs = append(refs, ref{id, n})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		m, err := s.loadManifest(ctx, r.id, r.n)
		if err != nil {
			return nil, err
		}
		for _, f := range m.Files {
			out[f.localPath()] = f
		}
	}
	return out, nil
}
