package schemaformat

import (
	"strings"
	"testing"
)

func TestWriteJSONString(t *testing.T) {
	var b strings.Builder
	WriteJSONString(&b, "a\"b\\c\n\x01é/")
	if got, want := b.String(), `"a\"b\\c\n\u0001é/"`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
