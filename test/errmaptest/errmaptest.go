// Package errmaptest holds the check every inbound adapter's error table
// runs in its tests: each exported error that a domain package declares in
// its source must be known to the test and mapped by the table, so a new
// domain error fails the adapter's test until it is given a protocol code.
//
// It reads source with go/parser and imports only the domain, so any
// adapter's tests may import it.
package errmaptest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/log"
	"github.com/chronik-stream/chronik/domain/producer"
	"github.com/chronik-stream/chronik/domain/record"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/domain/topic"
)

// known is every exported error of the domain packages that an inbound
// adapter answers for, by its qualified name: Go cannot look a variable up
// by the name the source gives it. (wal is left out: its errors never leave
// recovery, and no adapter maps them.)
var known = map[string]error{
	"group.ErrUnknownMember":            group.ErrUnknownMember,
	"group.ErrIllegalGeneration":        group.ErrIllegalGeneration,
	"group.ErrRebalanceInProgress":      group.ErrRebalanceInProgress,
	"group.ErrInconsistentProtocol":     group.ErrInconsistentProtocol,
	"group.ErrInvalidSessionTimeout":    group.ErrInvalidSessionTimeout,
	"group.ErrMemberIDRequired":         group.ErrMemberIDRequired,
	"group.ErrFencedInstanceID":         group.ErrFencedInstanceID,
	"group.ErrGroupIDNotFound":          group.ErrGroupIDNotFound,
	"group.ErrNonEmptyGroup":            group.ErrNonEmptyGroup,
	"group.ErrInvalidGroupID":           group.ErrInvalidGroupID,
	"group.ErrCoordinatorNotAvailable":  group.ErrCoordinatorNotAvailable,
	"group.ErrGroupMaxSizeReached":      group.ErrGroupMaxSizeReached,
	"group.ErrUnknownTopicSubscription": group.ErrUnknownTopicSubscription,
	"group.ErrFencedMemberEpoch":        group.ErrFencedMemberEpoch,
	"group.ErrStaleMemberEpoch":         group.ErrStaleMemberEpoch,
	"group.ErrUnsupportedAssignor":      group.ErrUnsupportedAssignor,
	"group.ErrUnreleasedInstanceID":     group.ErrUnreleasedInstanceID,
	"group.ErrOffsetMetadataTooLarge":   group.ErrOffsetMetadataTooLarge,
	"group.ErrMemberTooLarge":           group.ErrMemberTooLarge,
	"group.ErrInvalidRequest":           group.ErrInvalidRequest,
	"group.ErrInvalidRegex":             group.ErrInvalidRegex,

	"log.ErrOffsetOutOfRange":  log.ErrOffsetOutOfRange,
	"log.ErrUnknownPartition":  log.ErrUnknownPartition,
	"log.ErrCorrupt":           log.ErrCorrupt,
	"log.ErrPoisoned":          log.ErrPoisoned,
	"log.ErrClosed":            log.ErrClosed,
	"log.ErrTooLarge":          log.ErrTooLarge,
	"log.ErrRemoteUnavailable": log.ErrRemoteUnavailable,

	"producer.ErrInvalidEpoch":            producer.ErrInvalidEpoch,
	"producer.ErrOutOfOrder":              producer.ErrOutOfOrder,
	"producer.ErrUnknown":                 producer.ErrUnknown,
	"producer.ErrTransactionsUnsupported": producer.ErrTransactionsUnsupported,

	"record.ErrChecksum":         record.ErrChecksum,
	"record.ErrMalformed":        record.ErrMalformed,
	"record.ErrMagic":            record.ErrMagic,
	"record.ErrInvalidRecord":    record.ErrInvalidRecord,
	"record.ErrInvalidTimestamp": record.ErrInvalidTimestamp,

	"schema.ErrSubjectNotFound":       schema.ErrSubjectNotFound,
	"schema.ErrVersionNotFound":       schema.ErrVersionNotFound,
	"schema.ErrSchemaNotFound":        schema.ErrSchemaNotFound,
	"schema.ErrSubjectSoftDeleted":    schema.ErrSubjectSoftDeleted,
	"schema.ErrSubjectNotSoftDeleted": schema.ErrSubjectNotSoftDeleted,
	"schema.ErrVersionSoftDeleted":    schema.ErrVersionSoftDeleted,
	"schema.ErrVersionNotSoftDeleted": schema.ErrVersionNotSoftDeleted,
	"schema.ErrSubjectLevelNotSet":    schema.ErrSubjectLevelNotSet,
	"schema.ErrSubjectModeNotSet":     schema.ErrSubjectModeNotSet,
	"schema.ErrIncompatible":          schema.ErrIncompatible,
	"schema.ErrInvalidSchema":         schema.ErrInvalidSchema,
	"schema.ErrInvalidVersion":        schema.ErrInvalidVersion,
	"schema.ErrInvalidLevel":          schema.ErrInvalidLevel,
	"schema.ErrInvalidMode":           schema.ErrInvalidMode,
	"schema.ErrNotPermitted":          schema.ErrNotPermitted,
	"schema.ErrReferenceExists":       schema.ErrReferenceExists,
	"schema.ErrInvalidSubject":        schema.ErrInvalidSubject,
	"schema.ErrUnsupportedField":      schema.ErrUnsupportedField,
	"schema.ErrBusy":                  schema.ErrBusy,

	"topic.ErrUnknown":                  topic.ErrUnknown,
	"topic.ErrExists":                   topic.ErrExists,
	"topic.ErrInvalidName":              topic.ErrInvalidName,
	"topic.ErrInvalidPartitions":        topic.ErrInvalidPartitions,
	"topic.ErrInvalidReplicas":          topic.ErrInvalidReplicas,
	"topic.ErrUnknownPartition":         topic.ErrUnknownPartition,
	"topic.ErrInvalidConfig":            topic.ErrInvalidConfig,
	"topic.ErrInvalidReplicaAssignment": topic.ErrInvalidReplicaAssignment,
	"topic.ErrInvalidRequest":           topic.ErrInvalidRequest,
	"topic.ErrInternal":                 topic.ErrInternal,
}

// Exported returns the exported variables named Err* that the domain
// package pkg (the directory domainDir/pkg) declares outside its tests,
// each qualified as "pkg.ErrName".
func Exported(t testing.TB, domainDir, pkg string) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, filepath.Join(domainDir, pkg), func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
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
							names = append(names, pkg+"."+id.Name)
						}
					}
				}
				return true
			})
		}
	}
	return names
}

// CheckMapped fails t for each qualified name that is not in this
// package's table of domain errors, and for each whose error mapped reports
// absent from the adapter's table; lacks says what such an error has not
// been given ("Kafka error code in errorCodes").
func CheckMapped(t testing.TB, names []string, mapped func(error) bool, lacks string) {
	t.Helper()
	for _, qualified := range names {
		e, ok := known[qualified]
		if !ok {
			t.Errorf("%s is not in errmaptest's table: add it there and to errorCodes", qualified)
			continue
		}
		if !mapped(e) {
			t.Errorf("%s has no %s", qualified, lacks)
		}
	}
}
