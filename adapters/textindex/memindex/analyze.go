package memindex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one term of an analyzed text: its position (1-based, counted
// by the tokenizer, so removed stop words leave gaps) and byte range.
type token struct {
	term       string
	pos        int
	start, end int
}

// analyzers known to the oracle, named as Elasticsearch names them.
var analyzers = map[string]func(string) []token{
	"standard":   func(s string) []token { return lower(wordTokens(s)) },
	"simple":     func(s string) []token { return lower(runTokens(s, unicode.IsLetter)) },
	"whitespace": func(s string) []token { return runTokens(s, func(r rune) bool { return !unicode.IsSpace(r) }) },
	"keyword":    func(s string) []token { return []token{{term: s, pos: 1, start: 0, end: len(s)}} },
	"english":    english,
}

func knownAnalyzer(name string) bool { _, ok := analyzers[name]; return ok }

func lower(ts []token) []token {
	for i := range ts {
		ts[i].term = strings.ToLower(ts[i].term)
	}
	return ts
}

// runTokens splits s into maximal runs of characters keep accepts.
func runTokens(s string, keep func(rune) bool) []token {
	var out []token
	start := -1
	for i, r := range s {
		if keep(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, token{term: s[start:i], pos: len(out) + 1, start: start, end: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{term: s[start:], pos: len(out) + 1, start: start, end: len(s)})
	}
	return out
}

type wordClass int8

const (
	wcOther wordClass = iota
	wcLetter
	wcDigit
	wcExtend // _ joins letters and digits
	wcMidLetter
	wcMidNum
	wcMidNumLet
)

func classOf(r rune) wordClass {
	switch {
	case r == '_':
		return wcExtend
	case r == ':' || r == '·':
		return wcMidLetter
	case r == ',' || r == ';':
		return wcMidNum
	case r == '.' || r == '\'' || r == '’':
		return wcMidNumLet
	case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
		return wcLetter
	case unicode.IsDigit(r):
		return wcDigit
	}
	return wcOther
}

// wordTokens is a small rendering of Unicode word segmentation (UAX#29)
// for alphabetic scripts, as bleve's unicode tokenizer applies it:
// letters, digits and _ join into words; a . ' : between letters, or a
// . ' , ; between digits, does not break the word. Ideographic scripts
// are out of its scope (the golden corpus has none).
func wordTokens(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		c := classOf(r)
		if c != wcLetter && c != wcDigit && c != wcExtend {
			i += n
			continue
		}
		start := i
		prev := c
		hasWordChar := c != wcExtend
		i += n
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			c := classOf(r)
			if c == wcLetter || c == wcDigit || c == wcExtend {
				prev = c
				hasWordChar = hasWordChar || c != wcExtend
				i += n
				continue
			}
			if c == wcMidLetter || c == wcMidNum || c == wcMidNumLet {
				if i+n < len(s) {
					nr, nn := utf8.DecodeRuneInString(s[i+n:])
					nc := classOf(nr)
					letters := prev == wcLetter && nc == wcLetter && (c == wcMidLetter || c == wcMidNumLet)
					digits := prev == wcDigit && nc == wcDigit && (c == wcMidNum || c == wcMidNumLet)
					if letters || digits {
						prev = nc
						i += n + nn
						continue
					}
				}
			}
			break
		}
		if hasWordChar {
			out = append(out, token{term: s[start:i], pos: len(out) + 1, start: start, end: i})
		}
	}
	// positions count every word, as the tokenizer emits them
	for k := range out {
		out[k].pos = k + 1
	}
	return out
}

// stopWords is the part of bleve's English stop list the golden corpus
// may use.
var stopWords = map[string]bool{"the": true, "a": true, "an": true, "and": true, "of": true, "to": true, "for": true, "with": true, "on": true, "in": true, "at": true, "by": true}

// english mirrors bleve's "en" analyzer (possessive, lower case, stop
// words, Porter stemmer) for a restricted vocabulary: the stemmer only
// strips -ions, -ion (after s or t), -ing, -ed and -s, which is what
// Porter does for the golden corpus's words (connect, request, start,
// timeout and their forms) and not in general.
func english(s string) []token {
	ts := wordTokens(s)
	out := ts[:0]
	for _, t := range ts {
		term := t.term
		for _, suf := range []string{"'s", "'S", "’s", "’S"} {
			if strings.HasSuffix(term, suf) {
				term = term[:len(term)-len(suf)]
				break
			}
		}
		term = strings.ToLower(term)
		if stopWords[term] {
			continue
		}
		t.term = stem(term)
		out = append(out, t)
	}
	return out
}

func stem(w string) string {
	for _, suf := range []string{"ions", "ion", "ing", "ed", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			base := w[:len(w)-len(suf)]
			if strings.HasPrefix(suf, "ion") && !strings.HasSuffix(base, "t") && !strings.HasSuffix(base, "s") {
				continue
			}
			if suf == "s" && strings.HasSuffix(base, "s") {
				continue
			}
			return base
		}
	}
	return w
}
