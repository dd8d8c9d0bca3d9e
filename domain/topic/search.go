package topic

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SearchAnalyzers are the analyzers search.analyzer and search.mapping
// may name.
var SearchAnalyzers = []string{"standard", "simple", "whitespace", "keyword", "english"}

// SearchTypes are the field types search.mapping may give, as
// Elasticsearch names them; integer, short and byte are long, float and
// half_float double.
var SearchTypes = []string{"text", "keyword", "long", "integer", "short", "byte", "double", "float", "half_float", "date", "boolean"}

// SearchField is one field of search.mapping.
type SearchField struct {
	Type     string `json:"type"`
	Analyzer string `json:"analyzer,omitempty"`
	Index    *bool  `json:"index,omitempty"`
}

// maxSearchMapping bounds search.mapping's JSON.
const maxSearchMapping = 16 << 10

// SearchMapping reads t's search.mapping (nil when unset).
func (t Topic) SearchMapping() (map[string]SearchField, error) {
	v, _ := t.Value("search.mapping")
	return parseSearchMapping(v)
}

// SearchFields reads t's search.fields (nil: every field).
func (t Topic) SearchFields() []string {
	v, _ := t.Value("search.fields")
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseSearchMapping(v string) (map[string]SearchField, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	if len(v) > maxSearchMapping {
		return nil, fmt.Errorf("must be at most %d bytes", maxSearchMapping)
	}
	var m map[string]SearchField
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf(`must be a JSON object of fields such as {"level": {"type": "keyword"}}: %v`, err)
	}
	for name, f := range m {
		if err := searchPath(name); err != nil {
			return nil, fmt.Errorf("field %q: %v", name, err)
		}
		if !slices.Contains(SearchTypes, f.Type) {
			return nil, fmt.Errorf("field %q: type must be one of %s", name, strings.Join(SearchTypes, ", "))
		}
		if f.Analyzer != "" && (f.Type != "text" || !slices.Contains(SearchAnalyzers, f.Analyzer)) {
			return nil, fmt.Errorf("field %q: an analyzer (one of %s) applies to text fields only", name, strings.Join(SearchAnalyzers, ", "))
		}
	}
	return m, nil
}

func searchMapping(v string) error {
	_, err := parseSearchMapping(v)
	return err
}

func searchFields(v string) error {
	if len(v) > maxSearchMapping {
		return fmt.Errorf("must be at most %d bytes", maxSearchMapping)
	}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if err := searchPath(f); err != nil {
				return fmt.Errorf("%q: %v", f, err)
			}
		}
	}
	return nil
}

// searchPath is a dotted path of field names.
func searchPath(p string) error {
	if p == "" || len(p) > maxExtensionValue || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return fmt.Errorf("must be a dotted path of field names")
	}
	for _, c := range p {
		if c < ' ' || c == '*' || c == ',' {
			return fmt.Errorf("must be a dotted path of field names")
		}
	}
	return nil
}
