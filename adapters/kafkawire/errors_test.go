package kafkawire

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
	"github.com/chronik-stream/chronik/domain/topic"
)

// Every exported error of the domain packages must have a Kafka code.
func TestEveryDomainErrorIsMapped(t *testing.T) {
	known := map[string]error{
		"topic.ErrUnknown": topic.ErrUnknown, "topic.ErrExists": topic.ErrExists,
		"topic.ErrInvalidName": topic.ErrInvalidName, "topic.ErrInvalidPartitions": topic.ErrInvalidPartitions,
		"topic.ErrInvalidReplicas": topic.ErrInvalidReplicas, "topic.ErrUnknownPartition": topic.ErrUnknownPartition,
		"topic.ErrInvalidConfig":            topic.ErrInvalidConfig,
		"topic.ErrInvalidReplicaAssignment": topic.ErrInvalidReplicaAssignment, "topic.ErrInvalidRequest": topic.ErrInvalidRequest,
		"topic.ErrInternal":       topic.ErrInternal,
		"log.ErrOffsetOutOfRange": log.ErrOffsetOutOfRange, "log.ErrUnknownPartition": log.ErrUnknownPartition,
		"log.ErrCorrupt": log.ErrCorrupt, "log.ErrPoisoned": log.ErrPoisoned, "log.ErrClosed": log.ErrClosed,
		"log.ErrTooLarge":          log.ErrTooLarge,
		"log.ErrRemoteUnavailable": log.ErrRemoteUnavailable,
		"record.ErrChecksum":       record.ErrChecksum, "record.ErrMalformed": record.ErrMalformed, "record.ErrMagic": record.ErrMagic, "record.ErrInvalidRecord": record.ErrInvalidRecord,
		"record.ErrInvalidTimestamp": record.ErrInvalidTimestamp,
		"producer.ErrInvalidEpoch":   producer.ErrInvalidEpoch, "producer.ErrOutOfOrder": producer.ErrOutOfOrder,
		"producer.ErrUnknown":                 producer.ErrUnknown,
		"producer.ErrTransactionsUnsupported": producer.ErrTransactionsUnsupported,
		"group.ErrUnknownMember":              group.ErrUnknownMember, "group.ErrIllegalGeneration": group.ErrIllegalGeneration,
		"group.ErrRebalanceInProgress": group.ErrRebalanceInProgress, "group.ErrInconsistentProtocol": group.ErrInconsistentProtocol,
		"group.ErrInvalidSessionTimeout": group.ErrInvalidSessionTimeout, "group.ErrMemberIDRequired": group.ErrMemberIDRequired,
		"group.ErrFencedInstanceID": group.ErrFencedInstanceID, "group.ErrGroupIDNotFound": group.ErrGroupIDNotFound,
		"group.ErrNonEmptyGroup": group.ErrNonEmptyGroup, "group.ErrInvalidGroupID": group.ErrInvalidGroupID,
		"group.ErrCoordinatorNotAvailable": group.ErrCoordinatorNotAvailable, "group.ErrGroupMaxSizeReached": group.ErrGroupMaxSizeReached,
		"group.ErrUnknownTopicSubscription": group.ErrUnknownTopicSubscription,
		"group.ErrFencedMemberEpoch":        group.ErrFencedMemberEpoch, "group.ErrStaleMemberEpoch": group.ErrStaleMemberEpoch,
		"group.ErrUnsupportedAssignor": group.ErrUnsupportedAssignor, "group.ErrUnreleasedInstanceID": group.ErrUnreleasedInstanceID,
		"group.ErrOffsetMetadataTooLarge": group.ErrOffsetMetadataTooLarge, "group.ErrMemberTooLarge": group.ErrMemberTooLarge,
		"group.ErrInvalidRequest": group.ErrInvalidRequest, "group.ErrInvalidRegex": group.ErrInvalidRegex,
	}
	// wal errors never reach a client: recovery handles them. Schema
	// registry errors are answered over HTTP (adapters/httpapi maps them).
	skip := map[string]bool{"wal": true, "schema": true}
	dirs, err := os.ReadDir("../../domain")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || skip[d.Name()] {
			continue
		}
		for _, name := range exportedErrors(t, filepath.Join("../../domain", d.Name())) {
			qualified := d.Name() + "." + name
			e, ok := known[qualified]
			if !ok {
				t.Errorf("%s is not in this test's table: add it here and to errorCodes", qualified)
				continue
			}
			mapped := false
			for _, m := range errorCodes {
				if m.err == e {
					mapped = true
				}
			}
			if !mapped {
				t.Errorf("%s has no Kafka error code in errorCodes", qualified)
			}
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
