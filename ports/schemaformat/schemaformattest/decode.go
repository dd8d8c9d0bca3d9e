package schemaformattest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// DecodeKeepsPromises decodes payload with d and checks what
// schemaformat.Decoder promises, whatever the payload: an error wraps
// document.ErrUndecodable and says more than that; a result holds values
// of document's kinds only, decoding again gives the same result, and the
// result does not alias payload (changing payload afterwards changes
// nothing). It returns the result and the error, for a format's own
// checks. A fuzz target's body.
func DecodeKeepsPromises(t testing.TB, d schemaformat.Decoder, payload []byte) (document.Object, error) {
	t.Helper()
	own := append([]byte(nil), payload...)
	got, err := d.Decode(own)
	if err != nil {
		if !errors.Is(err, document.ErrUndecodable) {
			t.Fatalf("Decode(%x) = %v, want an error wrapping document.ErrUndecodable", payload, err)
		}
		if err.Error() == document.ErrUndecodable.Error() {
			t.Fatalf("Decode(%x): the error does not say what is wrong", payload)
		}
		return nil, err
	}
	if got == nil {
		t.Fatalf("Decode(%x) = nil object without an error", payload)
	}
	if err := CheckKinds(got, 0); err != nil {
		t.Fatalf("Decode(%x): %v", payload, err)
	}
	again, err := d.Decode(payload)
	if err != nil || !SameValue(got, again) {
		t.Fatalf("Decode(%x) twice: %v then %v (%v)", payload, got, again, err)
	}
	for i := range own {
		own[i] ^= 0xff
	}
	if !SameValue(got, again) {
		t.Fatalf("Decode(%x): the result aliases the payload", payload)
	}
	return got, nil
}

// SameValue says whether two decoded values are equal, a NaN equal to a
// NaN of the same bits, []byte{} to nil.
func SameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !SameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case document.Object:
		b, ok := b.(document.Object)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i].Name != b[i].Name || !SameValue(a[i].Value, b[i].Value) {
				return false
			}
		}
		return true
	}
	return a == b
}

// CheckKinds returns an error naming the first value in v that is not of
// one of document's kinds, or nested deeper than document.MaxDepth.
func CheckKinds(v any, depth int) error {
	if depth > document.MaxDepth+1 {
		return fmt.Errorf("nested more than %d deep", document.MaxDepth)
	}
	switch v := v.(type) {
	case nil, bool, int64, float64, string, []byte:
		return nil
	case []any:
		if v == nil {
			return fmt.Errorf("a nil []any (an empty list is []any{})")
		}
		for _, e := range v {
			if err := CheckKinds(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case document.Object:
		for _, f := range v {
			if err := CheckKinds(f.Value, depth+1); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		return nil
	}
	return fmt.Errorf("a value of Go type %T", v)
}
