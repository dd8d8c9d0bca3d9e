package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/columnar"
)

// errorBody is the one shape of every error this adapter answers, the
// Confluent Schema Registry's.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// errorMapping is one row of errorCodes.
type errorMapping struct {
	err    error
	status int
	code   int
}

// errorCodes is the one table that turns domain errors into an HTTP status
// and an error code. The first entry that errors.Is matches wins. The
// schema codes are Confluent's; the topic and log codes are Chronik's, in
// the same style (HTTP status followed by two digits, from 50 up so they
// never meet a Confluent code).
var errorCodes = []errorMapping{
	{schema.ErrSubjectNotFound, http.StatusNotFound, 40401},
	{schema.ErrVersionNotFound, http.StatusNotFound, 40402},
	{schema.ErrSchemaNotFound, http.StatusNotFound, 40403},
	{schema.ErrSubjectSoftDeleted, http.StatusNotFound, 40404},
	{schema.ErrSubjectNotSoftDeleted, http.StatusNotFound, 40405},
	{schema.ErrVersionSoftDeleted, http.StatusNotFound, 40406},
	{schema.ErrVersionNotSoftDeleted, http.StatusNotFound, 40407},
	{schema.ErrSubjectLevelNotSet, http.StatusNotFound, 40408},
	{schema.ErrSubjectModeNotSet, http.StatusNotFound, 40409},
	{schema.ErrIncompatible, http.StatusConflict, 409},
	{schema.ErrInvalidSchema, http.StatusUnprocessableEntity, 42201},
	{schema.ErrUnsupportedField, http.StatusUnprocessableEntity, 42201},
	{schema.ErrInvalidVersion, http.StatusUnprocessableEntity, 42202},
	{schema.ErrInvalidLevel, http.StatusUnprocessableEntity, 42203},
	{schema.ErrInvalidMode, http.StatusUnprocessableEntity, 42204},
	{schema.ErrNotPermitted, http.StatusUnprocessableEntity, 42205},
	{schema.ErrReferenceExists, http.StatusUnprocessableEntity, 42206},
	{schema.ErrInvalidSubject, http.StatusUnprocessableEntity, 42208},
	{schema.ErrBusy, http.StatusServiceUnavailable, 50302},

	{topic.ErrUnknown, http.StatusNotFound, 40450},
	{topic.ErrUnknownPartition, http.StatusNotFound, 40451},
	{topic.ErrExists, http.StatusConflict, 40950},
	{topic.ErrInvalidName, http.StatusUnprocessableEntity, 42250},
	{topic.ErrInvalidPartitions, http.StatusUnprocessableEntity, 42251},
	{topic.ErrInvalidReplicas, http.StatusUnprocessableEntity, 42252},
	{topic.ErrInvalidConfig, http.StatusUnprocessableEntity, 42253},
	{topic.ErrInvalidReplicaAssignment, http.StatusUnprocessableEntity, 42255},
	{topic.ErrInvalidRequest, http.StatusUnprocessableEntity, 42256},
	{topic.ErrInternal, http.StatusUnprocessableEntity, 42257},

	{log.ErrUnknownPartition, http.StatusNotFound, 40451},
	{log.ErrOffsetOutOfRange, http.StatusUnprocessableEntity, 42254},
	{log.ErrTooLarge, http.StatusRequestEntityTooLarge, 41350},
	{log.ErrCorrupt, http.StatusInternalServerError, 50050},
	{log.ErrPoisoned, http.StatusInternalServerError, 50051},
	{log.ErrClosed, http.StatusServiceUnavailable, 50350},
	{log.ErrRemoteUnavailable, http.StatusServiceUnavailable, 50351},

	{columnar.ErrInvalid, http.StatusBadRequest, 40060},
	{columnar.ErrRefused, http.StatusForbidden, 40360},
	{columnar.ErrTimeout, http.StatusRequestTimeout, 40860},
	{columnar.ErrResources, http.StatusTooManyRequests, 42960},
	{columnar.ErrClosed, http.StatusServiceUnavailable, 50360},
	{sql.ErrBusy, http.StatusServiceUnavailable, 50361},
	{sql.ErrUnavailable, http.StatusServiceUnavailable, 50362},

	{context.DeadlineExceeded, http.StatusInternalServerError, 50002},
	{context.Canceled, http.StatusInternalServerError, 50002},
}

// Codes of errors that come from HTTP itself rather than the domain.
const (
	codeStoreError = 50001 // anything unmapped: Confluent's "error in the backend data store"
	codeNotReady   = 503
)

// apiError is an error this adapter makes itself (authentication, request
// parsing, readiness): it carries its status and code.
type apiError struct {
	status int
	code   int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func newAPIError(status int, format string, args ...any) *apiError {
	return &apiError{status: status, code: status, msg: fmt.Sprintf(format, args...)}
}

// classify maps err to an HTTP status, an error code and a message.
func classify(err error) (status, code int, msg string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.code, ae.msg
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		m := fmt.Sprintf("HTTP %d %s", he.Code, http.StatusText(he.Code))
		if s, ok := he.Message.(string); ok && s != http.StatusText(he.Code) {
			m += ": " + s
		}
		return he.Code, he.Code, m
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.status, e.code, err.Error()
		}
	}
	return http.StatusInternalServerError, codeStoreError, "internal error: " + err.Error()
}

// handleError is echo's error handler: every error leaves in one shape.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, msg := classify(err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.Error("HTTP request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "err", err)
	} else {
		s.logger.Debug("HTTP request refused", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	b, _ := json.Marshal(errorBody{ErrorCode: code, Message: msg})
	// A registry route has set the registry's content type already.
	ct := c.Response().Header().Get(echo.HeaderContentType)
	if ct == "" {
		ct = echo.MIMEApplicationJSON
	}
	_ = c.Blob(status, ct, b)
}
