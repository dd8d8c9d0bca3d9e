package jsonformat

import (
	"fmt"
	"testing"

	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// compatFile holds the compatibility cases in the form
// schemaformattest.CompatCase describes; a ref is named as a $ref names it
// ("--- ref customer.json"), and a difference is "DIFFERENCE_TYPE #/path".
const compatFile = "testdata/compat.txt"

// differences lists what reader finds different in writer, as the golden
// file writes it.
func differences(reader, writer schemaformat.Parsed) []schemaformattest.Difference {
	var out []schemaformattest.Difference
	for _, d := range reader.(*parsed).differences(writer.(*parsed)) {
		out = append(out, schemaformattest.Difference{Line: fmt.Sprintf("%s #%s", d.typ, d.path), Compatible: compatibleTypes[d.typ]})
		if !compatibleTypes[d.typ] {
			out[len(out)-1].Reason = d.reason()
		}
	}
	return out
}

func TestCompatibilityGolden(t *testing.T) {
	schemaformattest.CompatGolden(t, compatFile, 40, New(), differences)
}
