package esdsl

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is an error in Elasticsearch's shape: its HTTP status, its type
// ("parsing_exception", "x_content_parse_exception",
// "illegal_argument_exception", ...), its reason, where in the body it
// was found (Line and Col, 1-based; 0 when not at a place) and what
// caused it. Its JSON (MarshalJSON) is Elasticsearch's error body:
//
//	{"error":{"root_cause":[{"type":...,"reason":...}],"type":...,"reason":...},"status":400}
//
// Reasons never carry file paths or other internals.
type Error struct {
	Status   int
	Type     string
	Reason   string
	Line     int
	Col      int
	CausedBy *Error
	// RootCause, when set, is the cause Elasticsearch names as the root
	// (the innermost cause when nil).
	RootCause *Error
	// Extra fields of the error object ("phase", "grouped", ...).
	Extra map[string]any
}

func (e *Error) Error() string { return e.Type + ": " + e.Reason }

// Error types Elasticsearch answers with.
const (
	TypeParsing         = "parsing_exception"
	TypeXContentParse   = "x_content_parse_exception"
	TypeIllegalArgument = "illegal_argument_exception"
	TypeSearchPhase     = "search_phase_execution_exception"
	TypeQueryShard      = "query_shard_exception"
	TypeParse           = "parse_exception"
	TypeActionRequest   = "action_request_validation_exception"
)

func newError(typ string, line, col int, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: typ, Reason: fmt.Sprintf(format, args...), Line: line, Col: col}
}

// parsingErr is a parsing_exception at p (ES's ParsingException carries
// the line and column as fields, not in the reason).
func parsingErr(p pos, format string, args ...any) *Error {
	return newError(TypeParsing, p.line, p.col, format, args...)
}

// xContentErr is an x_content_parse_exception at p; its reason starts
// with "[line:col] " as Elasticsearch's does.
func xContentErr(p pos, format string, args ...any) *Error {
	e := newError(TypeXContentParse, 0, 0, format, args...)
	if p.line > 0 {
		e.Reason = fmt.Sprintf("[%d:%d] %s", p.line, p.col, e.Reason)
	}
	return e
}

func illegalArg(format string, args ...any) *Error {
	return newError(TypeIllegalArgument, 0, 0, format, args...)
}

// shardFailure wraps cause as Elasticsearch reports a failure of every
// shard: a search_phase_execution_exception whose root cause is cause.
func shardFailure(cause *Error) *Error {
	return &Error{
		Status: http.StatusBadRequest, Type: TypeSearchPhase, Reason: "all shards failed",
		CausedBy: cause, RootCause: cause,
		Extra: map[string]any{"phase": "query", "grouped": true},
	}
}

func (e *Error) object(root bool) map[string]any {
	o := map[string]any{"type": e.Type, "reason": e.Reason}
	if e.Line > 0 {
		o["line"], o["col"] = e.Line, e.Col
	}
	for k, v := range e.Extra {
		o[k] = v
	}
	if root {
		rc := e.RootCause
		if rc == nil {
			rc = e
			for rc.CausedBy != nil {
				rc = rc.CausedBy
			}
		}
		o["root_cause"] = []any{rc.object(false)}
	}
	if e.CausedBy != nil {
		o["caused_by"] = e.CausedBy.object(false)
	}
	return o
}

// MarshalJSON writes Elasticsearch's error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"error": e.object(true), "status": e.Status})
}

// Object is the error object alone (without "status"), as an _msearch
// item's "error" holds it.
func (e *Error) Object() map[string]any { return e.object(true) }
