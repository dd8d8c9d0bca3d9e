package esdsl

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/chronik-stream/chronik/domain/search"
)

// WriteDoc writes a GET /{index}/_doc/{id} answer: the document's
// _source with its coordinates when found ("_seq_no" is the offset, as
// an offset orders a partition as a sequence number orders a shard), or
// {"_index","_id","found":false} (the caller answers 404).
func WriteDoc(index string, partition int32, offset int64, source []byte, found, pretty bool) ([]byte, error) {
	o := ordered{{"_index", index}, {"_id", search.DocID(partition, offset)}}
	if !found {
		return finish(append(o, kv{"found", false}), pretty)
	}
	o = append(o, kv{"_version", 1}, kv{"_seq_no", offset}, kv{"_primary_term", 1}, kv{"found", true})
	if source != nil {
		o = append(o, kv{"_source", json.RawMessage(source)})
	}
	o = append(o, kv{"_partition", partition}, kv{"_offset", offset})
	return finish(o, pretty)
}

// WriteMapping writes a GET /{index}/_mapping answer:
// {"<index>": {"mappings": {"properties": {...}}}}, one entry per index
// in name order. Dotted paths nest as objects' "properties"; a path's
// sub-fields (its ".keyword", and any other path under a field that has
// a type of its own) are its multi-fields under "fields", as
// Elasticsearch's dynamic mapping writes them ("ignore_above": 256 for
// the keyword sub-field).
func WriteMapping(indexes map[string]search.Mapping, pretty bool) ([]byte, error) {
	names := make([]string, 0, len(indexes))
	for n := range indexes {
		names = append(names, n)
	}
	sort.Strings(names)
	o := ordered{}
	for _, n := range names {
		o = append(o, kv{n, ordered{{"mappings", ordered{{"properties", properties(indexes[n])}}}}})
	}
	return finish(o, pretty)
}

// mappingNode is one level of the nested properties.
type mappingNode struct {
	field    *search.FieldMapping
	children map[string]*mappingNode
	// subfields are the multi-fields of a field with a type.
	subfields map[string]search.FieldMapping
}

func properties(m search.Mapping) ordered {
	paths := make([]string, 0, len(m.Fields))
	for p := range m.Fields {
		paths = append(paths, p)
	}
	// Shorter paths first, so a field is placed before its sub-fields.
	sort.Slice(paths, func(i, j int) bool {
		if a, b := strings.Count(paths[i], "."), strings.Count(paths[j], "."); a != b {
			return a < b
		}
		return paths[i] < paths[j]
	})
	root := &mappingNode{children: map[string]*mappingNode{}}
	for _, p := range paths {
		fm := m.Fields[p]
		parts := strings.Split(p, ".")
		n := root
		placed := false
		for i, part := range parts[:len(parts)-1] {
			child, ok := n.children[part]
			if !ok {
				child = &mappingNode{children: map[string]*mappingNode{}}
				n.children[part] = child
			}
			if child.field != nil {
				// Under a field with a type: a multi-field.
				if child.subfields == nil {
					child.subfields = map[string]search.FieldMapping{}
				}
				child.subfields[strings.Join(parts[i+1:], ".")] = fm
				placed = true
				break
			}
			n = child
		}
		if placed {
			continue
		}
		last := parts[len(parts)-1]
		leaf, ok := n.children[last]
		if !ok {
			leaf = &mappingNode{children: map[string]*mappingNode{}}
			n.children[last] = leaf
		}
		f := fm
		leaf.field = &f
	}
	return nodeProps(root)
}

func nodeProps(n *mappingNode) ordered {
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := ordered{}
	for _, k := range keys {
		c := n.children[k]
		if c.field == nil {
			o = append(o, kv{k, ordered{{"properties", nodeProps(c)}}})
			continue
		}
		fo := fieldMappingJSON(*c.field, false)
		if len(c.subfields) > 0 {
			subs := ordered{}
			names := make([]string, 0, len(c.subfields))
			for s := range c.subfields {
				names = append(names, s)
			}
			sort.Strings(names)
			for _, s := range names {
				subs = append(subs, kv{s, fieldMappingJSON(c.subfields[s], s == strings.TrimPrefix(search.KeywordSuffix, "."))})
			}
			fo = append(fo, kv{"fields", subs})
		}
		o = append(o, kv{k, fo})
	}
	return o
}

func fieldMappingJSON(f search.FieldMapping, keywordSub bool) ordered {
	o := ordered{{"type", string(f.Type)}}
	if f.Type == search.Text && f.Analyzer != "" && f.Analyzer != "standard" {
		o = append(o, kv{"analyzer", f.Analyzer})
	}
	if keywordSub && f.Type == search.Keyword {
		o = append(o, kv{"ignore_above", search.IgnoreAbove})
	}
	if !f.Index {
		o = append(o, kv{"index", false})
	}
	return o
}
