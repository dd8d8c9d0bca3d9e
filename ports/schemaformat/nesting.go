package schemaformat

import (
	"fmt"

	"github.com/chronik-stream/chronik/domain/schema"
)

// Syntax is the lexical family of a schema language, as far as CheckNesting
// needs to know it: where strings and comments are, whose brackets do not
// count.
type Syntax uint8

const (
	// JSONSyntax: "strings" with backslash escapes; brackets { and [.
	JSONSyntax Syntax = iota
	// ProtoSyntax: "strings" and 'strings' with backslash escapes, // line
	// and /* block */ comments; brackets { [ ( and < (a message literal in
	// an option may use < > as braces).
	ProtoSyntax
)

// CheckSchemaNesting is CheckNesting of text ("the schema"), then of
// every ref's text ("reference \"a.proto\""), in order: the check a parser
// makes before anything recursive sees the schema or its references.
func CheckSchemaNesting(text string, refs []Ref, limit int, syn Syntax) error {
	if err := CheckNesting("the schema", text, limit, syn); err != nil {
		return err
	}
	for _, r := range refs {
		if err := CheckNesting(fmt.Sprintf("reference %q", r.Name), r.Text, limit, syn); err != nil {
			return err
		}
	}
	return nil
}

// CheckNesting returns an error wrapping schema.ErrInvalidSchema when
// text's brackets nest more than limit deep; what names text in it ("the
// schema", "reference \"a.proto\""). It reads text once, without
// recursion and without allocating, so a parser calls it before any
// recursive code of its own or of a library sees the text: a text of
// millions of '[' must be refused here, not overflow a goroutine's stack.
// Unbalanced brackets are left to the parser (a closing bracket without an
// opening one counts for nothing).
func CheckNesting(what, text string, limit int, syn Syntax) error {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '{', '[':
			depth++
		case '(', '<':
			if syn == ProtoSyntax {
				depth++
			}
		case '}', ']':
			depth = max(depth-1, 0)
		case ')', '>':
			if syn == ProtoSyntax {
				depth = max(depth-1, 0)
			}
		case '"', '\'':
			if c == '\'' && syn != ProtoSyntax {
				continue
			}
			for i++; i < len(text) && text[i] != c; i++ {
				if text[i] == '\\' {
					i++
				} else if text[i] == '\n' && syn == ProtoSyntax {
					break // a Protobuf string ends at the line's end at the latest
				}
			}
		case '/':
			if syn != ProtoSyntax || i+1 >= len(text) {
				continue
			}
			switch text[i+1] {
			case '/':
				for i += 2; i < len(text) && text[i] != '\n'; i++ {
				}
			case '*':
				i += 2
				for i+1 < len(text) && (text[i] != '*' || text[i+1] != '/') {
					i++
				}
				i++
			}
		}
		if depth > limit {
			return fmt.Errorf("%w: %s nests more than %d levels deep (at byte %d); flatten it", schema.ErrInvalidSchema, what, limit, i)
		}
	}
	return nil
}
