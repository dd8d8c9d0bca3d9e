package protoformat

import (
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// compatFile holds the compatibility cases in the form
// schemaformattest.CompatCase describes; a ref is named as an import names
// it ("--- ref money.proto"), and a difference is "DIFFERENCE_TYPE #/path".
const compatFile = "testdata/compat.txt"

// differences lists what reader finds different in writer, as the golden
// file writes it.
func differences(reader, writer schemaformat.Parsed) []schemaformattest.Difference {
	var out []schemaformattest.Difference
	for _, d := range compare(writer.(*parsed).file, reader.(*parsed).file) {
		out = append(out, schemaformattest.Difference{Line: d.kind.String() + " " + d.path, Compatible: d.kind.compatible(), Reason: d.what})
	}
	return out
}

func TestCompatibilityGolden(t *testing.T) {
	schemaformattest.CompatGolden(t, compatFile, 40, New(), differences)
}
