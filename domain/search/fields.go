package search

import (
	"sort"
	"strconv"
	"strings"
)

// MatchFieldPattern reports whether path matches pattern, a path whose
// * stands for any run of characters (dots included).
func MatchFieldPattern(pattern, path string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == path
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	rest := path[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(rest, p) && len(rest) >= len(p)
		}
		j := strings.Index(rest, p)
		if j < 0 {
			return false
		}
		rest = rest[j+len(p):]
	}
	return true
}

// FieldBoost splits "title^2" into the field and its boost (1 when none).
func FieldBoost(spec string) (string, float64, bool) {
	f, b, ok := strings.Cut(spec, "^")
	if !ok {
		return spec, 1, true
	}
	v, err := strconv.ParseFloat(b, 64)
	if err != nil || v < 0 {
		return f, 0, false
	}
	return f, v, true
}

// ExpandFields lists the fields of m that the patterns of specs name
// (each with its boost), in order, each once; a spec without * is kept
// even when unmapped.
func ExpandFields(specs []string, m Mapping) ([]string, []float64, bool) {
	var names []string
	var boosts []float64
	seen := map[string]bool{}
	for _, s := range specs {
		f, b, ok := FieldBoost(s)
		if !ok {
			return nil, nil, false
		}
		if !strings.Contains(f, "*") {
			if !seen[f] {
				seen[f] = true
				names, boosts = append(names, f), append(boosts, b)
			}
			continue
		}
		var matched []string
		for path := range m.Fields {
			if MatchFieldPattern(f, path) && !seen[path] {
				matched = append(matched, path)
			}
		}
		sort.Strings(matched)
		for _, p := range matched {
			seen[p] = true
			names, boosts = append(names, p), append(boosts, b)
		}
	}
	return names, boosts, true
}
