package kafkawire

import (
	"os"
	"slices"
	"testing"

	"github.com/chronik-stream/chronik/test/errmaptest"
)

// Every exported error of the domain packages must have a Kafka code.
func TestEveryDomainErrorIsMapped(t *testing.T) {
	// wal errors never reach a client: recovery handles them. Schema
	// registry errors are answered over HTTP (adapters/httpapi maps them).
	// document's errors stay in the indexing pipeline, which counts them.
	// search errors are answered over HTTP (adapters/httpapi/esdsl maps
	// them in Elasticsearch's shape).
	skip := map[string]bool{"wal": true, "schema": true, "document": true, "search": true}
	dirs, err := os.ReadDir("../../domain")
	if err != nil {
		t.Fatal(err)
	}
	mapped := func(e error) bool {
		return slices.ContainsFunc(errorCodes, func(m errorMapping) bool { return m.err == e })
	}
	for _, d := range dirs {
		if d.IsDir() && !skip[d.Name()] {
			errmaptest.CheckMapped(t, errmaptest.Exported(t, "../../domain", d.Name()), mapped, "Kafka error code in errorCodes")
		}
	}
}
