package search

import (
	"sort"
	"strings"
)

// Span is the byte range [Start, End) of a matching term in a text.
type Span struct{ Start, End int }

// Fragments cuts text into at most h.NumberOfFragments fragments of
// about h.FragmentSize bytes around the spans (in text order), each span
// wrapped in the pre and post tags. Both adapters build their fragments
// with it, from the spans their analyzers find, so they answer alike.
func Fragments(text string, spans []Span, h Highlight) []string {
	if len(spans) == 0 {
		return nil
	}
	size := h.FragmentSize
	if size <= 0 {
		size = 100
	}
	n := h.NumberOfFragments
	if n <= 0 {
		n = 5
	}
	pre, post := "<em>", "</em>"
	if len(h.PreTags) > 0 {
		pre = h.PreTags[0]
	}
	if len(h.PostTags) > 0 {
		post = h.PostTags[0]
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	var out []string
	for i := 0; i < len(spans) && len(out) < n; {
		s := spans[i]
		start := s.Start - (size-(s.End-s.Start))/2
		if start <= 0 {
			start = 0
		} else {
			// begin at a word: after the next space, unless that passes the span
			if k := strings.IndexByte(text[start:s.Start], ' '); k >= 0 {
				start += k + 1
			} else {
				start = s.Start
			}
		}
		end := min(len(text), start+size)
		if end < s.End {
			end = s.End
		}
		if end < len(text) {
			if k := strings.LastIndexByte(text[s.End:end], ' '); k >= 0 {
				end = s.End + k
			}
		}
		var b strings.Builder
		at := start
		for i < len(spans) && spans[i].End <= end {
			if spans[i].Start < at {
				i++
				continue
			}
			b.WriteString(text[at:spans[i].Start])
			b.WriteString(pre)
			b.WriteString(text[spans[i].Start:spans[i].End])
			b.WriteString(post)
			at = spans[i].End
			i++
		}
		b.WriteString(text[at:end])
		out = append(out, b.String())
	}
	return out
}

// HighlightMatcher returns whether a term of field (as its analyzer made
// it) matches a leaf of q that scores or filters on field: the terms of
// match, phrase and term queries, prefixes, patterns and fuzzy terms.
// analyze returns the terms of text as the query would analyze them
// (analyzer "" for the field's own). Clauses of must_not are left out.
func HighlightMatcher(q Query, field string, analyze func(text, analyzer string) []string) func(term string) bool {
	var tests []func(string) bool
	exact := map[string]bool{}
	var walk func(Query)
	addText := func(f, text, analyzer string) {
		if f == field {
			for _, t := range analyze(text, analyzer) {
				exact[t] = true
			}
		}
	}
	walk = func(q Query) {
		switch q := q.(type) {
		case Match:
			if q.Field != field {
				return
			}
			terms := analyze(q.Text, q.Analyzer)
			for _, t := range terms {
				t := t
				edits := q.Fuzziness.Edits(t)
				if edits == 0 {
					exact[t] = true
					continue
				}
				tests = append(tests, func(s string) bool {
					return SharesPrefix(s, t, q.PrefixLength) && EditDistance(s, t, edits) <= edits
				})
			}
		case MatchPhrase:
			addText(q.Field, q.Text, q.Analyzer)
		case MatchPhrasePrefix:
			if q.Field != field {
				return
			}
			terms := analyze(q.Text, q.Analyzer)
			for i, t := range terms {
				if i == len(terms)-1 {
					p := t
					tests = append(tests, func(s string) bool { return strings.HasPrefix(s, p) })
				} else {
					exact[t] = true
				}
			}
		case MultiMatch:
			for _, spec := range q.Fields {
				f, _, _ := FieldBoost(spec)
				if MatchFieldPattern(f, field) {
					addText(field, q.Text, q.Analyzer)
				}
			}
		case Term:
			if q.Field == field {
				if s, ok := q.Value.(string); ok {
					if q.CaseInsensitive {
						tests = append(tests, func(t string) bool { return strings.EqualFold(t, s) })
					} else {
						exact[s] = true
					}
				}
			}
		case Terms:
			if q.Field == field {
				for _, v := range q.Values {
					if s, ok := v.(string); ok {
						exact[s] = true
					}
				}
			}
		case Prefix:
			if q.Field == field {
				if p, err := CompilePrefix(q.Value, q.CaseInsensitive); err == nil {
					tests = append(tests, p.Match)
				}
			}
		case Wildcard:
			if q.Field == field {
				if p, err := CompileWildcard(q.Value, q.CaseInsensitive); err == nil {
					tests = append(tests, p.Match)
				}
			}
		case Regexp:
			if q.Field == field {
				if p, err := CompileRegexp(q.Value, q.CaseInsensitive); err == nil {
					tests = append(tests, p.Match)
				}
			}
		case Fuzzy:
			if q.Field == field {
				v := q.Value
				edits := min(q.Fuzziness.Edits(v), MaxEdits)
				tests = append(tests, func(s string) bool {
					return SharesPrefix(s, v, q.PrefixLength) && EditDistance(s, v, edits) <= edits
				})
			}
		case Bool:
			for _, c := range [][]Query{q.Must, q.Should, q.Filter} {
				for _, x := range c {
					walk(x)
				}
			}
		case ConstantScore:
			walk(q.Filter)
		}
	}
	walk(q)
	return func(t string) bool {
		if exact[t] {
			return true
		}
		for _, f := range tests {
			if f(t) {
				return true
			}
		}
		return false
	}
}
