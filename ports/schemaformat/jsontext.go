package schemaformat

import "io"

// WriteJSONString writes s as a JSON string the way Confluent's registry
// (Java's Jackson) writes it, so that canonical texts match Confluent's:
// only '"', '\\' and control characters are escaped (\b \t \n \f \r by
// letter, the others as \u00XX); everything else, non-ASCII included, is
// written as is. w is a *strings.Builder or *bytes.Buffer, whose writes do
// not fail.
func WriteJSONString(w interface {
	io.ByteWriter
	io.StringWriter
}, s string) {
	const hex = "0123456789ABCDEF"
	_ = w.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			_ = w.WriteByte('\\')
			_ = w.WriteByte(c)
		case c == '\b':
			_, _ = w.WriteString(`\b`)
		case c == '\t':
			_, _ = w.WriteString(`\t`)
		case c == '\n':
			_, _ = w.WriteString(`\n`)
		case c == '\f':
			_, _ = w.WriteString(`\f`)
		case c == '\r':
			_, _ = w.WriteString(`\r`)
		case c < 0x20:
			_, _ = w.WriteString(`\u00`)
			_ = w.WriteByte(hex[c>>4])
			_ = w.WriteByte(hex[c&0xf])
		default:
			_ = w.WriteByte(c)
		}
	}
	_ = w.WriteByte('"')
}
