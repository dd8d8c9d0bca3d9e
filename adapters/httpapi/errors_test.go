package httpapi

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/domain/topic"
)

// Every exported error of the domain packages this adapter maps must be in
// errorCodes: a new error in one of them fails here until it is given an
// HTTP status and code.
func TestEveryDomainErrorIsMapped(t *testing.T) {
	known := map[string]error{
		"schema.ErrSubjectNotFound": schema.ErrSubjectNotFound, "schema.ErrVersionNotFound": schema.ErrVersionNotFound,
		"schema.ErrSchemaNotFound": schema.ErrSchemaNotFound, "schema.ErrSubjectSoftDeleted": schema.ErrSubjectSoftDeleted,
		"schema.ErrSubjectNotSoftDeleted": schema.ErrSubjectNotSoftDeleted, "schema.ErrVersionSoftDeleted": schema.ErrVersionSoftDeleted,
		"schema.ErrVersionNotSoftDeleted": schema.ErrVersionNotSoftDeleted, "schema.ErrSubjectLevelNotSet": schema.ErrSubjectLevelNotSet,
		"schema.ErrSubjectModeNotSet": schema.ErrSubjectModeNotSet, "schema.ErrIncompatible": schema.ErrIncompatible,
		"schema.ErrInvalidSchema": schema.ErrInvalidSchema, "schema.ErrInvalidVersion": schema.ErrInvalidVersion,
		"schema.ErrInvalidLevel": schema.ErrInvalidLevel, "schema.ErrInvalidMode": schema.ErrInvalidMode,
		"schema.ErrNotPermitted": schema.ErrNotPermitted, "schema.ErrReferenceExists": schema.ErrReferenceExists,
		"schema.ErrInvalidSubject": schema.ErrInvalidSubject, "schema.ErrUnsupportedField": schema.ErrUnsupportedField,
		"schema.ErrBusy": schema.ErrBusy,

		"topic.ErrUnknown": topic.ErrUnknown, "topic.ErrExists": topic.ErrExists,
		"topic.ErrInvalidName": topic.ErrInvalidName, "topic.ErrInvalidPartitions": topic.ErrInvalidPartitions,
		"topic.ErrInvalidReplicas": topic.ErrInvalidReplicas, "topic.ErrUnknownPartition": topic.ErrUnknownPartition,
		"topic.ErrInvalidConfig": topic.ErrInvalidConfig, "topic.ErrInvalidReplicaAssignment": topic.ErrInvalidReplicaAssignment,
		"topic.ErrInvalidRequest": topic.ErrInvalidRequest, "topic.ErrInternal": topic.ErrInternal,

		"log.ErrOffsetOutOfRange": log.ErrOffsetOutOfRange, "log.ErrUnknownPartition": log.ErrUnknownPartition,
		"log.ErrCorrupt": log.ErrCorrupt, "log.ErrPoisoned": log.ErrPoisoned, "log.ErrClosed": log.ErrClosed,
		"log.ErrTooLarge": log.ErrTooLarge, "log.ErrRemoteUnavailable": log.ErrRemoteUnavailable,
	}
	for _, pkg := range []string{"schema", "topic", "log"} {
		names := exportedErrors(t, filepath.Join("../../domain", pkg))
		if len(names) == 0 {
			t.Fatalf("found no exported errors in domain/%s: is the path right?", pkg)
		}
		for _, name := range names {
			qualified := pkg + "." + name
			e, ok := known[qualified]
			if !ok {
				t.Errorf("%s is not in this test's table: add it here and to errorCodes", qualified)
				continue
			}
			mapped := false
			for _, m := range errorCodes {
				mapped = mapped || m.err == e
			}
			if !mapped {
				t.Errorf("%s has no HTTP status and code in errorCodes", qualified)
			}
		}
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

func exportedErrors(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok {
					for _, id := range vs.Names {
						if strings.HasPrefix(id.Name, "Err") && id.IsExported() {
							names = append(names, id.Name)
						}
					}
				}
				return true
			})
		}
	}
	return names
}
