// Package objstoretest is the conformance suite of the objstore port. Every
// objstore.Bucket adapter runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		objstoretest.Run(t, func(t *testing.T) objstore.Bucket { return memstore.New() })
//	}
//
// Beyond the port's doc comments, the suite pins down these behaviours:
//   - an empty object exists and reads back empty, by Get and by GetRange;
//   - List orders keys byte-wise, so "a-c" < "a/b" < "a0", and matches
//     prefixes that do not end at a "/";
//   - keys with empty or "." segments, "%" and non-ASCII bytes are ordinary
//     keys, and "a" and "a/b" can both hold objects;
//   - paging with any page size visits every key exactly once, in order;
//   - a reader racing overwrites sees one whole version, never a mix;
//   - methods called with a cancelled context return an error wrapping
//     context.Canceled.
package objstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/porttest"
)

// Run runs the conformance suite. open returns a new, empty bucket for each
// subtest; the suite closes it in t.Cleanup (Close is idempotent, so open may
// register its own cleanup as well).
func Run(t *testing.T, open func(t *testing.T) objstore.Bucket) {
	t.Helper()
	porttest.Run(t, "bucket", open, []porttest.Case[objstore.Bucket]{
		{Name: "round_trip", Fn: testRoundTrip},
		{Name: "large_object", Fn: testLargeObject},
		{Name: "overwrite", Fn: testOverwrite},
		{Name: "get_missing", Fn: testGetMissing},
		{Name: "get_range", Fn: testGetRange},
		{Name: "list_prefixes", Fn: testListPrefixes},
		{Name: "list_lexical_order", Fn: testListOrder},
		{Name: "list_paging", Fn: testListPaging},
		{Name: "unusual_valid_keys", Fn: testUnusualKeys},
		{Name: "delete_idempotent", Fn: testDelete},
		{Name: "put_if_absent", Fn: testPutIfAbsent},
		{Name: "put_if_absent_race", Fn: testPutIfAbsentRace},
		{Name: "invalid_keys", Fn: testInvalidKeys},
		{Name: "slices_are_copies", Fn: testCopies},
		{Name: "concurrent_use", Fn: testConcurrentUse},
		{Name: "overwrite_is_atomic", Fn: testAtomicOverwrite},
		{Name: "cancelled_context", Fn: testCancelledContext},
	}, testClose)
}

// testContext is a context that ends with the test or after a minute.
func testContext(t *testing.T) context.Context { return porttest.Context(t, time.Minute) }

func mustPut(t *testing.T, b objstore.Bucket, key string, data []byte) {
	t.Helper()
	if err := b.Put(testContext(t), key, data); err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(data), err)
	}
}

func mustGet(t *testing.T, b objstore.Bucket, key string, want []byte) {
	t.Helper()
	got, err := b.Get(testContext(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %s, want %s", key, show(got), show(want))
	}
}

func mustNotFound(t *testing.T, b objstore.Bucket, key string) {
	t.Helper()
	if got, err := b.Get(testContext(t), key); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Get(%q) = %s, %v; want ErrNotFound", key, show(got), err)
	}
}

// show prints short values in full and long ones by length.
func show(b []byte) string {
	if len(b) <= 64 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("<%d bytes %q...>", len(b), b[:16])
}

// listAll pages through the listing of prefix with pageSize, checking every
// page, and returns the concatenated result.
func listAll(t *testing.T, b objstore.Bucket, prefix string, pageSize int) []objstore.ObjectInfo {
	t.Helper()
	ctx := testContext(t)
	var all []objstore.ObjectInfo
	token := ""
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatalf("List(%q, page size %d): no end after %d pages", prefix, pageSize, pages)
		}
		page, next, err := b.List(ctx, prefix, token, pageSize)
		if err != nil {
			t.Fatalf("List(%q, token %q, page size %d): %v", prefix, token, pageSize, err)
		}
		if pageSize > 0 && len(page) > pageSize {
			t.Fatalf("List(%q, page size %d) returned %d objects", prefix, pageSize, len(page))
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		if next == token && len(page) == 0 {
			t.Fatalf("List(%q, token %q): empty page with unchanged token would loop", prefix, token)
		}
		token = next
	}
}

func keysOf(objs []objstore.ObjectInfo) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys
}

func testRoundTrip(t *testing.T, b objstore.Bucket) {
	for _, tc := range []struct {
		name string
		key  string
		data []byte
	}{
		{"empty", "empty", []byte{}},
		{"nil", "nil", nil},
		{"small", "segments/orders/0/00000000000000000000.log", []byte("hello, object")},
		{"binary", "bin", []byte{0, 1, 2, 0xff, 0, '\n'}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustPut(t, b, tc.key, tc.data)
			mustGet(t, b, tc.key, tc.data)
			got, err := b.GetRange(testContext(t), tc.key, 0, -1)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("GetRange(%q, 0, -1) = %s, %v; want %s", tc.key, show(got), err, show(tc.data))
			}
			objs, _, err := b.List(testContext(t), tc.key, "", 0)
			if err != nil {
				t.Fatalf("List(%q): %v", tc.key, err)
			}
			if len(objs) != 1 || objs[0] != (objstore.ObjectInfo{Key: tc.key, Size: int64(len(tc.data))}) {
				t.Fatalf("List(%q) = %v, want one object of %d bytes", tc.key, objs, len(tc.data))
			}
		})
	}
}

func testLargeObject(t *testing.T, b objstore.Bucket) {
	data := make([]byte, 5<<20+3)
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(data)
	mustPut(t, b, "big/object", data)
	mustGet(t, b, "big/object", data)
	ctx := testContext(t)
	got, err := b.GetRange(ctx, "big/object", 1<<20+7, 3<<20)
	if err != nil || !bytes.Equal(got, data[1<<20+7:4<<20+7]) {
		t.Fatalf("GetRange(middle 3 MiB) = %s, %v; want the matching bytes", show(got), err)
	}
	got, err = b.GetRange(ctx, "big/object", 5<<20, -1)
	if err != nil || !bytes.Equal(got, data[5<<20:]) {
		t.Fatalf("GetRange(tail) = %s, %v; want %s", show(got), err, show(data[5<<20:]))
	}
	objs := listAll(t, b, "big/", 0)
	if len(objs) != 1 || objs[0].Size != int64(len(data)) {
		t.Fatalf("List(big/) = %v, want one object of %d bytes", objs, len(data))
	}
}

func testOverwrite(t *testing.T, b objstore.Bucket) {
	mustPut(t, b, "k", []byte("first, the longer version"))
	mustPut(t, b, "k", []byte("second"))
	mustGet(t, b, "k", []byte("second"))
	objs := listAll(t, b, "", 0)
	if len(objs) != 1 || objs[0] != (objstore.ObjectInfo{Key: "k", Size: 6}) {
		t.Fatalf("List after overwrite = %v, want [{k 6}]", objs)
	}
	mustPut(t, b, "k", nil)
	mustGet(t, b, "k", nil)
}

func testGetMissing(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	mustNotFound(t, b, "missing")
	mustPut(t, b, "a/b", []byte("x"))
	mustNotFound(t, b, "a")  // a prefix of an object is not an object
	mustNotFound(t, b, "a/") // nor is its "directory"
	mustNotFound(t, b, "a/b/c")
	for _, r := range [][2]int64{{0, -1}, {0, 0}, {5, 10}} {
		if _, err := b.GetRange(ctx, "missing", r[0], r[1]); !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("GetRange(missing, %d, %d): %v, want ErrNotFound", r[0], r[1], err)
		}
	}
}

func testGetRange(t *testing.T, b objstore.Bucket) {
	const data = "0123456789"
	mustPut(t, b, "r", []byte(data))
	mustPut(t, b, "empty", nil)
	for _, tc := range []struct {
		name           string
		key            string
		offset, length int64
		want           string
		err            error
	}{
		{"start", "r", 0, 3, "012", nil},
		{"middle", "r", 3, 4, "3456", nil},
		{"to_end_exact", "r", 7, 3, "789", nil},
		{"to_end_minus_one", "r", 7, -1, "789", nil},
		{"whole_minus_one", "r", 0, -1, data, nil},
		{"whole_exact", "r", 0, 10, data, nil},
		{"short_tail", "r", 8, 5, "89", nil},
		{"huge_length", "r", 0, 1 << 62, data, nil},
		{"zero_length", "r", 5, 0, "", nil},
		{"zero_length_at_start", "r", 0, 0, "", nil},
		{"at_end_minus_one", "r", 10, -1, "", nil},
		{"at_end_zero_length", "r", 10, 0, "", nil},
		{"at_end_positive_length", "r", 10, 5, "", nil},
		{"past_end", "r", 11, 1, "", objstore.ErrInvalidRange},
		{"past_end_minus_one", "r", 11, -1, "", objstore.ErrInvalidRange},
		{"past_end_zero_length", "r", 11, 0, "", objstore.ErrInvalidRange},
		{"far_past_end", "r", 1 << 40, 1, "", objstore.ErrInvalidRange},
		{"negative_offset", "r", -1, 2, "", objstore.ErrInvalidRange},
		{"length_below_minus_one", "r", 0, -2, "", objstore.ErrInvalidRange},
		{"empty_object_whole", "empty", 0, -1, "", nil},
		{"empty_object_zero_length", "empty", 0, 0, "", nil},
		{"empty_object_past_end", "empty", 1, -1, "", objstore.ErrInvalidRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.GetRange(testContext(t), tc.key, tc.offset, tc.length)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("GetRange(%q, %d, %d) = %q, %v; want %v", tc.key, tc.offset, tc.length, got, err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("GetRange(%q, %d, %d) = %q, %v; want %q", tc.key, tc.offset, tc.length, got, err, tc.want)
			}
		})
	}
}

// listKeys are the objects of the prefix tests: nested keys, a key that is
// also the "directory" of others, and neighbours that sort around "/".
var listKeys = []string{
	"a", "a-", "a/b", "a/b/c", "a/b/c/d", "a/bc", "a/c", "a0", "ab", "b/x", "b/y/z",
}

func testListPrefixes(t *testing.T, b objstore.Bucket) {
	for i, k := range listKeys {
		mustPut(t, b, k, bytes.Repeat([]byte{'x'}, i))
	}
	for _, tc := range []struct {
		name   string
		prefix string
		want   []string
	}{
		{"all", "", listKeys},
		{"a", "a", []string{"a", "a-", "a/b", "a/b/c", "a/b/c/d", "a/bc", "a/c", "a0", "ab"}},
		{"a_slash", "a/", []string{"a/b", "a/b/c", "a/b/c/d", "a/bc", "a/c"}},
		{"a_slash_b_not_at_boundary", "a/b", []string{"a/b", "a/b/c", "a/b/c/d", "a/bc"}},
		{"a_slash_b_slash", "a/b/", []string{"a/b/c", "a/b/c/d"}},
		{"exact_leaf", "a/b/c/d", []string{"a/b/c/d"}},
		{"leaf_as_directory", "a/b/c/d/", nil},
		{"b_partial_segment", "b/y/", []string{"b/y/z"}},
		{"b_half_segment", "b/", []string{"b/x", "b/y/z"}},
		{"no_match", "zz", nil},
		{"no_match_between", "a/bb", nil},
		{"invalid_key_as_prefix", "/", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := listAll(t, b, tc.prefix, 0)
			if got := keysOf(objs); !slices.Equal(got, tc.want) {
				t.Fatalf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
			for _, o := range objs {
				if want := int64(slices.Index(listKeys, o.Key)); o.Size != want {
					t.Errorf("List(%q): %q has size %d, want %d", tc.prefix, o.Key, o.Size, want)
				}
			}
		})
	}
}

func testListOrder(t *testing.T, b objstore.Bucket) {
	// Byte-wise order: '-' (0x2d) < '/' (0x2f) < '0' (0x30) < 'a' < 0xc3 (ü).
	want := []string{"a-c", "a/b", "a/b/c", "a0", "aa", "a\u00fc", "b"}
	for _, i := range rand.Perm(len(want)) {
		mustPut(t, b, want[i], []byte{byte(i)})
	}
	for _, size := range []int{1, 2, 3, 1000} {
		if got := keysOf(listAll(t, b, "", size)); !slices.Equal(got, want) {
			t.Fatalf("List(page size %d) = %q, want %q", size, got, want)
		}
	}
}

func testListPaging(t *testing.T, b objstore.Bucket) {
	var all, underP []string
	for i := range 23 {
		k := fmt.Sprintf("p/%02d", i)
		if i%5 == 0 {
			k = fmt.Sprintf("p/%02d/nested/%d", i, i)
		}
		all = append(all, k)
		underP = append(underP, k)
	}
	all = append(all, "o", "p", "q/1", "q/2")
	slices.Sort(all)
	slices.Sort(underP)
	for _, k := range all {
		mustPut(t, b, k, []byte(k))
	}
	for _, prefix := range []string{"", "p/"} {
		want := all
		if prefix != "" {
			want = underP
		}
		for _, size := range []int{1, 2, 7, 1000, 0} {
			t.Run(fmt.Sprintf("prefix_%q_size_%d", prefix, size), func(t *testing.T) {
				objs := listAll(t, b, prefix, size)
				if got := keysOf(objs); !slices.Equal(got, want) {
					t.Fatalf("paged List(%q, %d) = %q, want %q", prefix, size, got, want)
				}
				for _, o := range objs {
					if o.Size != int64(len(o.Key)) {
						t.Errorf("%q has size %d, want %d", o.Key, o.Size, len(o.Key))
					}
				}
			})
		}
	}
	// An empty bucket prefix lists nothing and ends at once.
	objs, next, err := b.List(testContext(t), "nothing/", "", 1)
	if err != nil || len(objs) != 0 || next != "" {
		t.Fatalf("List(nothing/) = %v, %q, %v; want no objects, no token", objs, next, err)
	}
}

func testUnusualKeys(t *testing.T, b objstore.Bucket) {
	keys := []string{
		"x/.", "./x", "a/./b", "a//b", "a/", "a", "a//", "trailing/", "trailing",
		"%", "%25", "p%o", "p%d", "%2E", "%e", "..a", "a..", "a/..b", "b../c",
		"with space", "tab\tkey", "unicode/\u00fc/\u65e5\u672c",
		"a.tmp", ".tmp-1", "back\\slash", "colon:star*?",
	}
	for i, k := range keys {
		if err := objstore.ValidateKey(k); err != nil {
			t.Fatalf("ValidateKey(%q): %v (the suite expects a valid key)", k, err)
		}
		mustPut(t, b, k, []byte(fmt.Sprint(i)))
	}
	for i, k := range keys {
		mustGet(t, b, k, []byte(fmt.Sprint(i)))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	want = slices.Compact(want)
	if got := keysOf(listAll(t, b, "", 3)); !slices.Equal(got, want) {
		t.Fatalf("List = %q, want %q", got, want)
	}
	for _, k := range keys {
		if err := b.Delete(testContext(t), k); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
		mustNotFound(t, b, k)
	}
	if got := listAll(t, b, "", 0); len(got) != 0 {
		t.Fatalf("List after deleting all = %v, want none", got)
	}
}

func testDelete(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	mustPut(t, b, "a/b", []byte("ab"))
	mustPut(t, b, "a/b/c", []byte("abc"))
	mustPut(t, b, "a/b/c/d", []byte("abcd"))
	if err := b.Delete(ctx, "a/b/c"); err != nil {
		t.Fatalf("Delete(a/b/c): %v", err)
	}
	mustNotFound(t, b, "a/b/c")
	mustGet(t, b, "a/b", []byte("ab"))
	mustGet(t, b, "a/b/c/d", []byte("abcd"))
	if err := b.Delete(ctx, "a/b/c"); err != nil {
		t.Fatalf("second Delete(a/b/c): %v, want nil (deleting a missing key is not an error)", err)
	}
	if err := b.Delete(ctx, "never/existed"); err != nil {
		t.Fatalf("Delete(never/existed): %v, want nil", err)
	}
	if err := b.Delete(ctx, "a/b/c/d"); err != nil {
		t.Fatalf("Delete(a/b/c/d): %v", err)
	}
	if err := b.Delete(ctx, "a/b"); err != nil {
		t.Fatalf("Delete(a/b): %v", err)
	}
	if got := listAll(t, b, "", 0); len(got) != 0 {
		t.Fatalf("List after deleting all = %v, want none", got)
	}
	// Keys come back after a delete, below emptied "directories" too.
	mustPut(t, b, "a/b/c/d", []byte("again"))
	mustGet(t, b, "a/b/c/d", []byte("again"))
	if err := b.PutIfAbsent(ctx, "a/b", []byte("ab2")); err != nil {
		t.Fatalf("PutIfAbsent(a/b) after Delete: %v", err)
	}
	mustGet(t, b, "a/b", []byte("ab2"))
}

func testPutIfAbsent(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	if err := b.PutIfAbsent(ctx, "k", []byte("one")); err != nil {
		t.Fatalf("PutIfAbsent(k) on absent key: %v", err)
	}
	if err := b.PutIfAbsent(ctx, "k", []byte("two")); !errors.Is(err, objstore.ErrExists) {
		t.Fatalf("PutIfAbsent(k) on present key: %v, want ErrExists", err)
	}
	mustGet(t, b, "k", []byte("one"))
	mustPut(t, b, "empty", nil)
	if err := b.PutIfAbsent(ctx, "empty", []byte("x")); !errors.Is(err, objstore.ErrExists) {
		t.Fatalf("PutIfAbsent over an empty object: %v, want ErrExists", err)
	}
	if err := b.PutIfAbsent(ctx, "nested/new/key", nil); err != nil {
		t.Fatalf("PutIfAbsent(nested/new/key): %v", err)
	}
	mustGet(t, b, "nested/new/key", nil)
	if got := keysOf(listAll(t, b, "", 0)); !slices.Equal(got, []string{"empty", "k", "nested/new/key"}) {
		t.Fatalf("List = %q, want [empty k nested/new/key] (no leftovers of failed writes)", got)
	}
}

func testPutIfAbsentRace(t *testing.T, b objstore.Bucket) {
	const n = 16
	for round := range 5 {
		key := fmt.Sprintf("race/%d", round)
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = b.PutIfAbsent(testContext(t), key, []byte(fmt.Sprintf("writer %d", i)))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("%s: writers %d and %d both won", key, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, objstore.ErrExists):
				t.Fatalf("%s: writer %d: %v, want nil or ErrExists", key, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("%s: no writer won", key)
		}
		mustGet(t, b, key, []byte(fmt.Sprintf("writer %d", winner)))
	}
	if got := keysOf(listAll(t, b, "", 0)); len(got) != 5 {
		t.Fatalf("List after races = %q, want 5 keys", got)
	}
}

func testInvalidKeys(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	for _, key := range []string{"", "/", "/a", "..", "../a", "a/..", "a/../b", "a\x00b", "\x00", "\xff\xfe", ".", "new\nline", "cr\rkey"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			if err := objstore.ValidateKey(key); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("ValidateKey: %v, want ErrInvalidKey", err)
			}
			if err := b.Put(ctx, key, []byte("x")); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Put: %v, want ErrInvalidKey", err)
			}
			if err := b.PutIfAbsent(ctx, key, []byte("x")); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("PutIfAbsent: %v, want ErrInvalidKey", err)
			}
			if _, err := b.Get(ctx, key); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Get: %v, want ErrInvalidKey", err)
			}
			if _, err := b.GetRange(ctx, key, 0, 1); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("GetRange: %v, want ErrInvalidKey", err)
			}
			if err := b.Delete(ctx, key); !errors.Is(err, objstore.ErrInvalidKey) {
				t.Errorf("Delete: %v, want ErrInvalidKey", err)
			}
		})
	}
	if got := listAll(t, b, "", 0); len(got) != 0 {
		t.Fatalf("List after invalid writes = %v, want none", got)
	}
}

func testCopies(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	in := []byte("original")
	mustPut(t, b, "put", in)
	copy(in, "XXXXXXXX")
	mustGet(t, b, "put", []byte("original"))

	in2 := []byte("original")
	if err := b.PutIfAbsent(ctx, "pia", in2); err != nil {
		t.Fatalf("PutIfAbsent: %v", err)
	}
	copy(in2, "XXXXXXXX")
	mustGet(t, b, "pia", []byte("original"))

	got, err := b.Get(ctx, "put")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	copy(got, "YYYYYYYY")
	_ = append(got[:2], 'Z') // writes into spare capacity, if any
	mustGet(t, b, "put", []byte("original"))

	part, err := b.GetRange(ctx, "put", 2, 3)
	if err != nil {
		t.Fatalf("GetRange: %v", err)
	}
	copy(part, "ZZZ")
	_ = append(part, 'W', 'W', 'W')
	mustGet(t, b, "put", []byte("original"))

	objs, _, err := b.List(ctx, "", "", 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for i := range objs {
		objs[i] = objstore.ObjectInfo{Key: "mutated", Size: -1}
	}
	if got := keysOf(listAll(t, b, "", 0)); !slices.Equal(got, []string{"pia", "put"}) {
		t.Fatalf("List after mutating a result = %q", got)
	}
}

func testConcurrentUse(t *testing.T, b objstore.Bucket) {
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := testContext(t)
			for r := range rounds {
				key := fmt.Sprintf("w%d/dir%d/obj", w, r%3)
				val := []byte(fmt.Sprintf("worker %d round %d", w, r))
				if err := b.Put(ctx, key, val); err != nil {
					t.Errorf("Put(%q): %v", key, err)
					return
				}
				got, err := b.Get(ctx, key)
				if err != nil || !bytes.Equal(got, val) {
					t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, val)
					return
				}
				objs, _, err := b.List(ctx, fmt.Sprintf("w%d/", w), "", 2)
				if err != nil || len(objs) == 0 {
					t.Errorf("List(w%d/) = %v, %v; want objects", w, objs, err)
					return
				}
				// Shared keys under one directory, created and removed by all.
				shared := fmt.Sprintf("shared/d/%d", r%4)
				if err := b.PutIfAbsent(ctx, shared, val); err != nil && !errors.Is(err, objstore.ErrExists) {
					t.Errorf("PutIfAbsent(%q): %v", shared, err)
					return
				}
				if r%2 == 0 {
					if err := b.Delete(ctx, shared); err != nil {
						t.Errorf("Delete(%q): %v", shared, err)
						return
					}
				}
				if _, err := b.Get(ctx, shared); err != nil && !errors.Is(err, objstore.ErrNotFound) {
					t.Errorf("Get(%q): %v", shared, err)
					return
				}
				if r%5 == 4 {
					if err := b.Delete(ctx, key); err != nil {
						t.Errorf("Delete(%q): %v", key, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func testAtomicOverwrite(t *testing.T, b objstore.Bucket) {
	const size = 256 << 10
	versions := make([][]byte, 4)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('A' + i)}, size)
	}
	mustPut(t, b, "atomic", versions[0])
	ctx := testContext(t)
	write := func() {
		for i := range 40 {
			if err := b.Put(ctx, "atomic", versions[i%len(versions)]); err != nil {
				t.Errorf("Put: %v", err)
				return
			}
		}
	}
	read := func() bool {
		got, err := b.Get(ctx, "atomic")
		if err != nil {
			t.Errorf("Get during overwrites: %v", err)
			return false
		}
		if len(got) != size || !bytes.Equal(got, bytes.Repeat(got[:1], size)) {
			t.Errorf("Get during overwrites saw a torn object (%d bytes, first %q)", len(got), got[:min(len(got), 1)])
			return false
		}
		return true
	}
	porttest.ReadsRacingWrite(write, read, read, read)
}

func testCancelledContext(t *testing.T, b objstore.Bucket) {
	mustPut(t, b, "k", []byte("v"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	everyCallFails(t, b, ctx, context.Canceled, "with a cancelled context")
	mustGet(t, b, "k", []byte("v"))
}

func testClose(t *testing.T, b objstore.Bucket) {
	ctx := testContext(t)
	mustPut(t, b, "k", []byte("v"))
	porttest.CloseTwice(t, b)
	everyCallFails(t, b, ctx, objstore.ErrClosed, "after Close")
}

// everyCallFails calls every method of b but Close with ctx, on the key "k"
// (which the caller has put) and on new keys, and checks that each returns an
// error wrapping want; when says in which state ("after Close").
func everyCallFails(t *testing.T, b objstore.Bucket, ctx context.Context, want error, when string) {
	t.Helper()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s %s: %v, want %v", op, when, err, want)
		}
	}
	check("Put", b.Put(ctx, "k2", []byte("v")))
	check("PutIfAbsent", b.PutIfAbsent(ctx, "k3", []byte("v")))
	_, err := b.Get(ctx, "k")
	check("Get", err)
	_, err = b.GetRange(ctx, "k", 0, 1)
	check("GetRange", err)
	_, _, err = b.List(ctx, "", "", 0)
	check("List", err)
	check("Delete", b.Delete(ctx, "k"))
}
