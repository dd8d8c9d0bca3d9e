package search

import "unicode/utf8"

// MaxEdits is the largest fuzziness, as in Lucene.
const MaxEdits = 2

// Edits is the edit distance fz allows for term: Auto picks 0 for terms
// of 1-2 characters, 1 for 3-5 and 2 above (counted in bytes, as bleve
// counts them).
func (fz Fuzziness) Edits(term string) int {
	if fz != Auto {
		return int(fz)
	}
	switch n := len(term); {
	case n > 5:
		return 2
	case n > 2:
		return 1
	}
	return 0
}

// EditDistance is the edit distance of a and b in characters (an
// insertion, deletion, substitution or transposition of two adjacent
// characters each counts 1, as in Lucene's fuzzy queries), or limit+1
// when it is above limit.
func EditDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	rows := [3][]int{make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		pp, prev, cur := rows[(i+1)%3], rows[(i+2)%3], rows[i%3]
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
	}
	d := rows[len(ra)%3][len(rb)]
	if d > limit {
		return limit + 1
	}
	return d
}

// SharesPrefix reports whether term starts with the first n characters
// of of (all of it when shorter).
func SharesPrefix(term, of string, n int) bool {
	i := 0
	for k := 0; k < n && i < len(of); k++ {
		_, size := utf8.DecodeRuneInString(of[i:])
		i += size
	}
	return len(term) >= i && term[:i] == of[:i]
}
