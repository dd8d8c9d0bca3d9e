package search

// Counting instead of collecting: an index that can tell how many
// matching documents hold each term of a field (from its term dictionary
// and postings) feeds a terms aggregation with one call per term, not one
// Collect per document. The state it leaves is the state Collect would
// have left for the same documents.

// TermCountFields returns the field of each aggregation, in order, when
// every aggregation of the state is a terms aggregation whose buckets
// follow from per-term document counts alone: no sub-aggregations and no
// missing value. ok is false otherwise (the documents must be collected).
// The caller checks that each field is a keyword field: the keys
// AddTermCount makes are strings.
func (s *AggState) TermCountFields() (fields []string, ok bool) {
	if len(s.roots) == 0 {
		return nil, false
	}
	for _, n := range s.roots {
		sp := n.sp
		if sp.a.Kind != AggTerms || len(sp.subs) > 0 || sp.missingKey != nil || sp.a.Field == "" {
			return nil, false
		}
		fields = append(fields, sp.a.Field)
	}
	return fields, true
}

// AddTermCount adds count matching documents that hold the keyword term
// to aggregation i (an index into TermCountFields). A document holding
// several terms is counted once under each, as Collect does. Bounds and
// errors are Collect's (see Err).
func (s *AggState) AddTermCount(i int, term string, count int64) {
	if s.err != nil || count <= 0 || i < 0 || i >= len(s.roots) {
		return
	}
	n := s.roots[i]
	k := termKey{kind: kStr, s: term}
	n.kinds |= 1 << kStr
	if b := n.keyedBucket(s, k); b != nil {
		b.count += count
	}
}

// CountedDocs records that matched documents were collected through
// AddTermCount (matched of them, with or without the fields), as Collect
// marks the state for each document.
func (s *AggState) CountedDocs(matched int64) {
	if matched <= 0 || s.err != nil {
		return
	}
	if s.parts == 0 {
		s.parts = 1
	}
	s.raw = true
}
