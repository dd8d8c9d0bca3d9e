package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/test/errmaptest"
)

// Every exported error of the domain packages this adapter maps must be in
// errorCodes: a new error in one of them fails here until it is given an
// HTTP status and code.
func TestEveryDomainErrorIsMapped(t *testing.T) {
	mapped := func(e error) bool {
		return slices.ContainsFunc(errorCodes, func(m errorMapping) bool { return m.err == e })
	}
	for _, pkg := range []string{"schema", "topic", "log"} {
		names := errmaptest.Exported(t, "../../domain", pkg)
		if len(names) == 0 {
			t.Fatalf("found no exported errors in domain/%s: is the path right?", pkg)
		}
		errmaptest.CheckMapped(t, names, mapped, "HTTP status and code in errorCodes")
	}
}

// Confluent's codes for the registry's errors, and the rule that the
// status is the code's first three digits.
func TestRegistryErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   int
	}{
		{fmt.Errorf("%w: %q", schema.ErrSubjectNotFound, "x"), 404, 40401},
		{schema.ErrVersionNotFound, 404, 40402},
		{schema.ErrSchemaNotFound, 404, 40403},
		{schema.ErrSubjectSoftDeleted, 404, 40404},
		{schema.ErrSubjectNotSoftDeleted, 404, 40405},
		{schema.ErrVersionSoftDeleted, 404, 40406},
		{schema.ErrVersionNotSoftDeleted, 404, 40407},
		{schema.ErrSubjectLevelNotSet, 404, 40408},
		{schema.ErrSubjectModeNotSet, 404, 40409},
		{&registry.IncompatibleError{Reasons: []string{"missing a"}}, 409, 409},
		{schema.ErrInvalidSchema, 422, 42201},
		{schema.ErrUnsupportedField, 422, 42201},
		{schema.ErrInvalidVersion, 422, 42202},
		{schema.ErrInvalidLevel, 422, 42203},
		{schema.ErrInvalidMode, 422, 42204},
		{schema.ErrNotPermitted, 422, 42205},
		{schema.ErrReferenceExists, 422, 42206},
		{errors.New("pebble: disk on fire"), 500, 50001},
	} {
		status, code, msg := classify(tc.err)
		if status != tc.status || code != tc.code {
			t.Errorf("%v: got HTTP %d code %d, want %d %d", tc.err, status, code, tc.status, tc.code)
		}
		if msg == "" {
			t.Errorf("%v: empty message", tc.err)
		}
	}
	for _, m := range errorCodes {
		if s := fmt.Sprint(m.code); !strings.HasPrefix(s, fmt.Sprint(m.status)) {
			t.Errorf("%v: code %d does not start with its status %d", m.err, m.code, m.status)
		}
		if http.StatusText(m.status) == "" {
			t.Errorf("%v: %d is not an HTTP status", m.err, m.status)
		}
	}
}
