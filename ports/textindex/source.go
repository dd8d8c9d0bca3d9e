package textindex

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/chronik-stream/chronik/domain/search"
)

// FilterSource applies f to a document's _source (JSON), as every
// adapter does for its hits: nil when f is Disabled, src itself when f
// keeps everything, else the object with only the included and not
// excluded paths (an object's path covers its fields; a pattern's *
// covers any run, dots included), its keys then in sorted order. A value
// that is not an object is kept whole unless Includes is set. A _source
// that is not JSON is an ErrCorrupt.
func FilterSource(src []byte, f search.SourceFilter) ([]byte, error) {
	if f.Disabled {
		return nil, nil
	}
	if len(f.Includes) == 0 && len(f.Excludes) == 0 {
		return src, nil
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: a stored _source is not JSON", ErrCorrupt)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		if len(f.Includes) > 0 {
			return []byte("{}"), nil
		}
		return src, nil
	}
	out := filterObject(obj, "", len(f.Includes) == 0, f)
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("%w: a stored _source does not re-encode", ErrCorrupt)
	}
	return b, nil
}

func filterObject(obj map[string]any, prefix string, included bool, f search.SourceFilter) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if matchesAny(f.Excludes, path) {
			continue
		}
		in := included || matchesAny(f.Includes, path)
		switch x := v.(type) {
		case map[string]any:
			sub := filterObject(x, path, in, f)
			if in || len(sub) > 0 {
				out[k] = sub
			}
		case []any:
			var kept []any
			keptAny := false
			for _, e := range x {
				if o, ok := e.(map[string]any); ok {
					sub := filterObject(o, path, in, f)
					if in || len(sub) > 0 {
						kept = append(kept, sub)
						keptAny = true
					}
				} else if in {
					kept = append(kept, e)
					keptAny = true
				}
			}
			if keptAny || (in && len(x) == 0) {
				if kept == nil {
					kept = []any{}
				}
				out[k] = kept
			}
		default:
			if in {
				out[k] = v
			}
		}
	}
	return out
}

func matchesAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if search.MatchFieldPattern(p, path) {
			return true
		}
	}
	return false
}
