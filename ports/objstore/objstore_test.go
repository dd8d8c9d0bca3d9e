package objstore_test

import (
	"errors"
	"testing"

	"github.com/chronik-stream/chronik/ports/objstore"
)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   string
		valid bool
	}{
		{"plain", "a", true},
		{"nested", "a/b/c", true},
		{"trailing_slash", "a/", true},
		{"empty_segment", "a//b", true},
		{"dot_segment", "a/./b", true},
		{"dots_inside_segment", "a/..b/c..", true},
		{"empty", "", false},
		{"leading_slash", "/a", false},
		{"dotdot", "..", false},
		{"dotdot_first", "../a", false},
		{"dotdot_middle", "a/../b", false},
		{"dotdot_last", "a/..", false},
		{"nul", "a\x00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := objstore.ValidateKey(tc.key)
			if tc.valid && err != nil {
				t.Fatalf("ValidateKey(%q) = %v, want nil", tc.key, err)
			}
			if !tc.valid && !errors.Is(err, objstore.ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, want ErrInvalidKey", tc.key, err)
			}
		})
	}
}

func TestRange(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		size, offset, length int64
		start, end           int64
		invalid              bool
	}{
		{"whole", 10, 0, -1, 0, 10, false},
		{"middle", 10, 2, 3, 2, 5, false},
		{"short_tail", 10, 8, 5, 8, 10, false},
		{"huge_length_no_overflow", 10, 3, 1<<63 - 1, 3, 10, false},
		{"at_end", 10, 10, -1, 10, 10, false},
		{"zero_length", 10, 4, 0, 4, 4, false},
		{"empty_object", 0, 0, -1, 0, 0, false},
		{"past_end", 10, 11, 0, 0, 0, true},
		{"negative_offset", 10, -1, 1, 0, 0, true},
		{"length_below_minus_one", 10, 0, -2, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := objstore.Range(tc.size, tc.offset, tc.length)
			if tc.invalid {
				if !errors.Is(err, objstore.ErrInvalidRange) {
					t.Fatalf("Range = %d, %d, %v; want ErrInvalidRange", start, end, err)
				}
				return
			}
			if err != nil || start != tc.start || end != tc.end {
				t.Fatalf("Range(%d, %d, %d) = %d, %d, %v; want %d, %d", tc.size, tc.offset, tc.length, start, end, err, tc.start, tc.end)
			}
		})
	}
}
