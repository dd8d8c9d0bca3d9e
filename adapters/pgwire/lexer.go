package pgwire

import (
	"strings"
	"unicode"
)

// maxParams is the most placeholders one statement may have: the
// protocol counts them in 16 bits.
const maxParams = 65535

// scanned is what the lexer learnt of a query string.
type scanned struct {
	statements []string // the statements, trimmed, without their ';', empty ones dropped
	maxParam   []int    // per statement, the highest $n placeholder (0 when none)
}

// scanSQL splits sql into statements at the semicolons that are outside
// quotes ('…', "…", E'…', $tag$…$tag$) and comments (-- and nested /* */),
// and finds each statement's highest $n placeholder. It runs in one pass
// over the input and allocates only the result.
func scanSQL(sql string) scanned {
	var out scanned
	start, highest := 0, 0
	flush := func(end int) {
		if s := strings.TrimSpace(sql[start:end]); s != "" && !onlyComments(s) {
			out.statements = append(out.statements, s)
			out.maxParam = append(out.maxParam, highest)
		}
		highest = 0
	}
	for i := 0; i < len(sql); {
		ch := sql[i]
		switch {
		case ch == ';':
			flush(i)
			start = i + 1
			i++
		case ch == '\'':
			// E'…' strings take backslash escapes; standard ones only ''.
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isIdent(sql[i-2]))
			i = skipQuoted(sql, i+1, '\'', escapes)
		case ch == '"':
			i = skipQuoted(sql, i+1, '"', false)
		case ch == '-' && i+1 < len(sql) && sql[i+1] == '-':
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
		case ch == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i = skipBlockComment(sql, i)
		case ch == '$':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			if j > i+1 && (i == 0 || !isIdent(sql[i-1])) {
				n := 0
				for _, d := range sql[i+1 : j] {
					if n <= maxParams {
						n = n*10 + int(d-'0')
					}
				}
				highest = max(highest, n)
				i = j
				continue
			}
			// A dollar-quoted string: $$…$$ or $tag$…$tag$.
			k := i + 1
			for k < len(sql) && isIdent(sql[k]) && !(k == i+1 && sql[k] >= '0' && sql[k] <= '9') {
				k++
			}
			if (i == 0 || !isIdent(sql[i-1])) && k < len(sql) && sql[k] == '$' {
				tag := sql[i : k+1]
				if end := strings.Index(sql[k+1:], tag); end >= 0 {
					i = k + 1 + end + len(tag)
				} else {
					i = len(sql)
				}
				continue
			}
			i++
		default:
			i++
		}
	}
	flush(len(sql))
	return out
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// skipQuoted returns the index after the quote that closes the string
// starting at i (a doubled quote is one quote inside), or len(s).
func skipQuoted(s string, i int, q byte, backslash bool) int {
	for i < len(s) {
		switch {
		case backslash && s[i] == '\\':
			i += 2
		case s[i] == q && i+1 < len(s) && s[i+1] == q:
			i += 2
		case s[i] == q:
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// skipBlockComment returns the index after the comment starting at i;
// comments nest, as in Postgres.
func skipBlockComment(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(s[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(s)
}

// onlyComments reports whether s holds nothing but comments and space.
func onlyComments(s string) bool {
	for i := 0; i < len(s); {
		switch {
		case unicode.IsSpace(rune(s[i])):
			i++
		case strings.HasPrefix(s[i:], "--"):
			if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				return true
			}
		case strings.HasPrefix(s[i:], "/*"):
			i = skipBlockComment(s, i)
		default:
			return false
		}
	}
	return true
}

// stripLeading drops leading comments and space.
func stripLeading(s string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(s, "--"):
			j := strings.IndexByte(s, '\n')
			if j < 0 {
				return ""
			}
			s = s[j+1:]
		case strings.HasPrefix(s, "/*"):
			s = s[skipBlockComment(s, 0):]
		default:
			return s
		}
	}
}

// normalize gives a statement's words lower-cased and separated by one
// space, for matching the fixed statements clients send on connect. Text
// in quotes keeps its case.
func normalize(s string) string {
	s = stripLeading(s)
	var b strings.Builder
	space := false
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if inQuote != 0 {
			b.WriteByte(ch)
			if ch == inQuote {
				inQuote = 0
			}
			continue
		}
		switch {
		case ch == '\'' || ch == '"':
			if space {
				b.WriteByte(' ')
				space = false
			}
			inQuote = ch
			b.WriteByte(ch)
		case unicode.IsSpace(rune(ch)):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// firstWord is the statement's first keyword, lower-cased.
func firstWord(s string) string {
	s = stripLeading(s)
	i := 0
	for i < len(s) && (isIdent(s[i])) {
		i++
	}
	return strings.ToLower(s[:i])
}
