package bleveindex

import (
	"reflect"
	"testing"

	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex/textindextest"
)

func TestCodecRoundTrip(t *testing.T) {
	for _, d := range textindextest.Corpus(1, 7, 50) {
		got, err := decodeDoc(encodeDoc(nil, d))
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("round trip of %d: %v\n got %+v\nwant %+v", d.Offset, err, got, d)
		}
	}
	empty := search.Doc{Fields: []search.FieldValue{}}
	if got, err := decodeDoc(encodeDoc(nil, empty)); err != nil || !reflect.DeepEqual(got, empty) {
		t.Fatalf("round trip of an empty doc: %v %+v", err, got)
	}
}

// FuzzDecodeDoc: no input panics or decodes to more than it holds, and
// what decodes re-encodes to the same bytes.
func FuzzDecodeDoc(f *testing.F) {
	for _, d := range textindextest.Corpus(1, 0, 5) {
		f.Add(encodeDoc(nil, d))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDoc(b)
		if err != nil {
			return
		}
		if len(d.Fields) > len(b) || len(d.Source) > len(b) {
			t.Fatalf("decoded more than the input holds")
		}
		if again := encodeDoc(nil, d); string(again) != string(b) {
			// varints have one shortest form; a longer one decodes the same
			d2, err := decodeDoc(again)
			if err != nil || !reflect.DeepEqual(d, d2) {
				t.Fatalf("re-encoding changed the document: %v", err)
			}
		}
	})
}
