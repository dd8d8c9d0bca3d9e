package pgwire

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// SQLSTATE codes this listener sends.
const (
	codeSyntax            = "42601" // syntax_error
	codeRefused           = "42501" // insufficient_privilege
	codeUndefinedObject   = "42704" // undefined_object
	codeCanceled          = "57014" // query_canceled
	codeOutOfMemory       = "53200" // out_of_memory
	codeTooManyClients    = "53300" // too_many_connections
	codeProtocol          = "08P01" // protocol_violation
	codeAuthSpec          = "28000" // invalid_authorization_specification
	codeBadPassword       = "28P01" // invalid_password
	codeAdminShutdown     = "57P01" // admin_shutdown
	codeIdleTimeout       = "57P05" // idle_session_timeout
	codeFeature           = "0A000" // feature_not_supported
	codeInFailedTx        = "25P02" // in_failed_sql_transaction
	codeDuplicateStmt     = "42P05" // duplicate_prepared_statement
	codeUnknownStmt       = "26000" // invalid_sql_statement_name
	codeUnknownPortal     = "34000" // invalid_cursor_name
	codeProgramLimit      = "54000" // program_limit_exceeded
	codeInvalidParam      = "22P02" // invalid_text_representation
	codeInvalidBinary     = "22P03" // invalid_binary_representation
	codeInvalidParamValue = "22023" // invalid_parameter_value
	codeInternal          = "XX000" // internal_error
)

// errorCodes is the one table from the Querier's errors (ports/columnar's
// sentinels) to SQLSTATE codes; the first entry errors.Is matches wins.
// Their messages are the engine's, which the port promises are safe to
// show; anything else reaches the client as "internal error" and the log
// keeps its words.
var errorCodes = []struct {
	err  error
	code string
}{
	{columnar.ErrInvalid, codeSyntax},
	{columnar.ErrRefused, codeRefused},
	{columnar.ErrTimeout, codeCanceled},
	{columnar.ErrResources, codeOutOfMemory},
	{columnar.ErrClosed, codeAdminShutdown},
	{context.Canceled, codeCanceled},
	{context.DeadlineExceeded, codeCanceled},
}

// sqlError is an error this adapter raises itself, with its code.
type sqlError struct {
	code string
	msg  string
	hint string
}

func (e *sqlError) Error() string { return e.msg }

func errorf(code, msg string) *sqlError { return &sqlError{code: code, msg: msg} }

// toResponse turns err into the ErrorResponse the client sees, and says
// whether the message could be shown as it is.
func toResponse(err error) (*pgproto3.ErrorResponse, bool) {
	var se *sqlError
	if errors.As(err, &se) {
		return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: se.code, Message: se.msg, Hint: se.hint}, true
	}
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: m.code, Message: err.Error()}, true
		}
	}
	return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: codeInternal, Message: "internal error: the query failed (the server's log has the details)"}, false
}

func fatal(code, msg string) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg}
}
