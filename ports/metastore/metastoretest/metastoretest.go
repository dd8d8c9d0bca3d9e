// Package metastoretest is the conformance suite of the metastore port. Every
// metastore.Store adapter runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		metastoretest.Run(t, func(t *testing.T) metastore.Store { return memmeta.New() })
//	}
//
// Durable adapters also run RunDurable, which reopens a store on the same
// directory.
//
// Beyond the port's doc comments, the suite pins down these behaviours:
//   - ops of one Apply take effect in order, so the last op on a key wins;
//   - a deleted or absent key is ErrNotFound, while a key put with an empty
//     or nil value exists and reads back as an empty value;
//   - deleting an absent key is not an error, and Apply with no ops is a no-op;
//   - Get results and the slices passed to Scan's fn may be mutated by the
//     caller without changing what the store holds;
//   - after Close, Get, Scan and Apply return errors wrapping ErrClosed.
package metastoretest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/porttest"
)

// Run runs the conformance suite. open returns a new, empty store for each
// subtest; the suite closes it in t.Cleanup (Close must be idempotent, so
// open may register its own cleanup as well).
func Run(t *testing.T, open func(t *testing.T) metastore.Store) {
	t.Helper()
	porttest.Run(t, "store", open, []porttest.Case[metastore.Store]{
		{Name: "get_put_delete", Fn: testGetPutDelete},
		{Name: "empty_and_nil_values", Fn: testEmptyValues},
		{Name: "large_value", Fn: testLargeValue},
		{Name: "apply_ops_in_order", Fn: testApplyOrder},
		{Name: "apply_no_ops", Fn: testApplyNoOps},
		{Name: "scan_prefix_bounds", Fn: testScanPrefix},
		{Name: "scan_callback_error_stops", Fn: testScanCallbackError},
		{Name: "scan_callback_may_write", Fn: testScanCallbackMayWrite},
		{Name: "get_returns_copy", Fn: testGetReturnsCopy},
		{Name: "scan_arguments_are_copies", Fn: testScanArgumentsAreCopies},
		{Name: "inputs_reusable_after_apply", Fn: testInputsReusable},
		{Name: "apply_atomic_under_concurrent_reads", Fn: testApplyAtomic},
		{Name: "concurrent_use", Fn: testConcurrentUse},
	}, testClose)
}

// RunDurable checks that what Apply wrote survives Close and a reopen on the
// same directory. open opens (creating if needed) the store kept in dir.
func RunDurable(t *testing.T, open func(t *testing.T, dir string) metastore.Store) {
	t.Helper()
	t.Run("reopen_reads_back", func(t *testing.T) {
		dir := t.TempDir()
		ctx := testContext(t)
		s := open(t, dir)
		mustApply(t, s,
			metastore.Put([]byte("topics/a"), []byte("A")),
			metastore.Put([]byte("topics/b"), []byte("B")),
			metastore.Put([]byte("topics/c"), []byte("C")),
			metastore.Put([]byte("offsets/g1"), []byte{0, 0, 0, 7}),
			metastore.Put([]byte("empty"), nil),
		)
		mustApply(t, s,
			metastore.Del([]byte("topics/b")),
			metastore.Put([]byte("topics/c"), []byte("C2")),
		)

		s = porttest.Reopen(t, "store", s, dir, open)
		want := []kv{
			{"empty", ""},
			{"offsets/g1", "\x00\x00\x00\x07"},
			{"topics/a", "A"},
			{"topics/c", "C2"},
		}
		if got := scanAll(t, s, nil); !slices.Equal(got, want) {
			t.Fatalf("after reopen, Scan(all) = %q, want %q", got, want)
		}
		if _, err := s.Get(ctx, []byte("topics/b")); !errors.Is(err, metastore.ErrNotFound) {
			t.Fatalf("after reopen, Get(deleted key) error = %v, want ErrNotFound", err)
		}
		// The reopened store keeps working.
		mustApply(t, s, metastore.Put([]byte("topics/d"), []byte("D")))
		mustGet(t, s, "topics/d", "D")
	})
	t.Run("reopen_twice", func(t *testing.T) {
		dir := t.TempDir()
		for i := range 3 {
			s := open(t, dir)
			mustApply(t, s, metastore.Put(fmt.Appendf(nil, "k%d", i), []byte("v")))
			if got := len(scanAll(t, s, []byte("k"))); got != i+1 {
				t.Fatalf("open #%d: %d keys, want %d", i+1, got, i+1)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close #%d: %v", i+1, err)
			}
		}
	})
}

// kv is a key and value as strings, for readable failure messages.
type kv struct{ K, V string }

// testContext is a context that ends with the test or after a minute.
func testContext(t *testing.T) context.Context { return porttest.Context(t, time.Minute) }

func mustApply(t *testing.T, s metastore.Store, ops ...metastore.Op) {
	t.Helper()
	if err := s.Apply(testContext(t), ops...); err != nil {
		t.Fatalf("Apply(%d ops): %v", len(ops), err)
	}
}

func mustGet(t *testing.T, s metastore.Store, key, want string) {
	t.Helper()
	got, err := s.Get(testContext(t), []byte(key))
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func mustNotFound(t *testing.T, s metastore.Store, key string) {
	t.Helper()
	v, err := s.Get(testContext(t), []byte(key))
	if !errors.Is(err, metastore.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, v, err)
	}
}

func scanAll(t *testing.T, s metastore.Store, prefix []byte) []kv {
	t.Helper()
	var out []kv
	err := s.Scan(testContext(t), prefix, func(k, v []byte) error {
		out = append(out, kv{string(k), string(v)})
		return nil
	})
	if err != nil {
		t.Fatalf("Scan(%q): %v", prefix, err)
	}
	return out
}

func testGetPutDelete(t *testing.T, s metastore.Store) {
	mustNotFound(t, s, "a")
	mustApply(t, s, metastore.Put([]byte("a"), []byte("1")))
	mustGet(t, s, "a", "1")
	mustApply(t, s, metastore.Put([]byte("a"), []byte("2")))
	mustGet(t, s, "a", "2")
	mustNotFound(t, s, "b")
	mustNotFound(t, s, "a\x00")
	mustApply(t, s, metastore.Del([]byte("a")))
	mustNotFound(t, s, "a")
	// Deleting an absent key is not an error.
	mustApply(t, s, metastore.Del([]byte("never-written")))
	mustNotFound(t, s, "never-written")
}

func testEmptyValues(t *testing.T, s metastore.Store) {
	mustApply(t, s,
		metastore.Put([]byte("nil"), nil),
		metastore.Put([]byte("empty"), []byte{}),
	)
	for _, k := range []string{"nil", "empty"} {
		mustGet(t, s, k, "")
	}
	want := []kv{{"empty", ""}, {"nil", ""}}
	if got := scanAll(t, s, nil); !slices.Equal(got, want) {
		t.Fatalf("Scan = %q, want %q", got, want)
	}
}

func testLargeValue(t *testing.T, s metastore.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	mustApply(t, s, metastore.Put([]byte("big"), big))
	got, err := s.Get(testContext(t), []byte("big"))
	if err != nil {
		t.Fatalf("Get(big): %v", err)
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("Get(big) returned %d bytes that differ from the %d put", len(got), len(big))
	}
}

func testApplyOrder(t *testing.T, s metastore.Store) {
	tests := []struct {
		name  string
		ops   []metastore.Op
		want  string
		found bool
	}{
		{"put_then_delete", []metastore.Op{metastore.Put([]byte("k"), []byte("1")), metastore.Del([]byte("k"))}, "", false},
		{"delete_then_put", []metastore.Op{metastore.Del([]byte("k")), metastore.Put([]byte("k"), []byte("2"))}, "2", true},
		{"put_twice", []metastore.Op{metastore.Put([]byte("k"), []byte("3")), metastore.Put([]byte("k"), []byte("4"))}, "4", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustApply(t, s, metastore.Put([]byte("k"), []byte("before")))
			mustApply(t, s, tc.ops...)
			if tc.found {
				mustGet(t, s, "k", tc.want)
			} else {
				mustNotFound(t, s, "k")
			}
		})
	}
}

func testApplyNoOps(t *testing.T, s metastore.Store) {
	mustApply(t, s)
	if got := scanAll(t, s, nil); len(got) != 0 {
		t.Fatalf("Scan after an empty Apply = %q, want nothing", got)
	}
}

func testScanPrefix(t *testing.T, s metastore.Store) {
	keys := []string{
		"a", "a\x00", "a\xfe\xff", "a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xff\xff",
		"ab", "abc", "abd", "ac", "b", "b\x00",
		"\xfe", "\xff", "\xff\xfe", "\xff\xff", "\xff\xff\x00", "\xff\xff\xff",
	}
	var ops []metastore.Op
	// Insert out of order so that ordering comes from the store.
	for i := len(keys) - 1; i >= 0; i-- {
		ops = append(ops, metastore.Put([]byte(keys[i]), []byte("v:"+keys[i])))
	}
	mustApply(t, s, ops...)

	all := slices.Sorted(slices.Values(keys))
	withPrefix := func(p string) []string {
		var out []string
		for _, k := range all {
			if len(k) >= len(p) && k[:len(p)] == p {
				out = append(out, k)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		prefix []byte
		want   []string
	}{
		{"nil_prefix_is_everything", nil, all},
		{"empty_prefix_is_everything", []byte{}, all},
		{"single_byte", []byte("a"), withPrefix("a")},
		{"two_bytes", []byte("ab"), []string{"ab", "abc", "abd"}},
		{"exact_key_and_longer", []byte("abc"), []string{"abc"}},
		{"trailing_ff", []byte("a\xff"), []string{"a\xff", "a\xff\x00", "a\xff\xff", "a\xff\xff\xff"}},
		{"trailing_ff_ff", []byte("a\xff\xff"), []string{"a\xff\xff", "a\xff\xff\xff"}},
		{"all_ff", []byte("\xff"), []string{"\xff", "\xff\xfe", "\xff\xff", "\xff\xff\x00", "\xff\xff\xff"}},
		{"all_ff_ff", []byte("\xff\xff"), []string{"\xff\xff", "\xff\xff\x00", "\xff\xff\xff"}},
		{"zero_byte", []byte("a\x00"), []string{"a\x00"}},
		{"fe_stops_before_ff", []byte("\xfe"), []string{"\xfe"}},
		{"no_match_between_keys", []byte("aa"), nil},
		{"no_match_after_last", []byte("\xff\xff\xff\xff"), nil},
		{"no_match_before_first", []byte("\x00"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []kv
			for _, k := range tc.want {
				want = append(want, kv{k, "v:" + k})
			}
			if got := scanAll(t, s, tc.prefix); !slices.Equal(got, want) {
				t.Fatalf("Scan(%q) =\n  %q\nwant\n  %q", tc.prefix, got, want)
			}
		})
	}
}

func testScanCallbackError(t *testing.T, s metastore.Store) {
	mustApply(t, s,
		metastore.Put([]byte("p/1"), []byte("1")),
		metastore.Put([]byte("p/2"), []byte("2")),
		metastore.Put([]byte("p/3"), []byte("3")),
	)
	stop := errors.New("stop here")
	var seen []string
	err := s.Scan(testContext(t), []byte("p/"), func(k, v []byte) error {
		seen = append(seen, string(k))
		if len(seen) == 2 {
			return fmt.Errorf("callback: %w", stop)
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Scan error = %v, want the callback's error", err)
	}
	if want := []string{"p/1", "p/2"}; !slices.Equal(seen, want) {
		t.Fatalf("Scan visited %q, want %q (it must stop at the first error)", seen, want)
	}
}

// testScanCallbackMayWrite checks that fn may call the store without
// deadlocking. What a scan sees of its own writes is unspecified.
func testScanCallbackMayWrite(t *testing.T, s metastore.Store) {
	mustApply(t, s, metastore.Put([]byte("src/1"), []byte("x")), metastore.Put([]byte("src/2"), []byte("y")))
	ctx := testContext(t)
	err := s.Scan(ctx, []byte("src/"), func(k, v []byte) error {
		if _, err := s.Get(ctx, k); err != nil {
			return fmt.Errorf("get inside scan: %w", err)
		}
		return s.Apply(ctx, metastore.Put(append([]byte("dst/"), k...), v))
	})
	if err != nil {
		t.Fatalf("Scan with writes in fn: %v", err)
	}
	mustGet(t, s, "dst/src/1", "x")
	mustGet(t, s, "dst/src/2", "y")
}

func testGetReturnsCopy(t *testing.T, s metastore.Store) {
	mustApply(t, s, metastore.Put([]byte("k"), []byte("value")))
	got, err := s.Get(testContext(t), []byte("k"))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	for i := range got {
		got[i] = 'X'
	}
	_ = append(got[:0], "clobbered-and-longer"...)
	mustGet(t, s, "k", "value")
}

func testScanArgumentsAreCopies(t *testing.T, s metastore.Store) {
	mustApply(t, s, metastore.Put([]byte("k1"), []byte("v1")), metastore.Put([]byte("k2"), []byte("v2")))
	err := s.Scan(testContext(t), nil, func(k, v []byte) error {
		for i := range k {
			k[i] = 0
		}
		for i := range v {
			v[i] = 0
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if got, want := scanAll(t, s, nil), []kv{{"k1", "v1"}, {"k2", "v2"}}; !slices.Equal(got, want) {
		t.Fatalf("after mutating the slices passed to fn, Scan = %q, want %q", got, want)
	}
}

func testInputsReusable(t *testing.T, s metastore.Store) {
	key := []byte("key")
	val := []byte("value")
	delKey := []byte("gone")
	mustApply(t, s, metastore.Put([]byte("gone"), []byte("x")))
	mustApply(t, s, metastore.Put(key, val), metastore.Del(delKey))
	copy(key, "KEY")
	copy(val, "VALUE")
	copy(delKey, "keyX")
	mustGet(t, s, "key", "value")
	mustNotFound(t, s, "KEY")
	mustNotFound(t, s, "gone")
	if got, want := scanAll(t, s, nil), []kv{{"key", "value"}}; !slices.Equal(got, want) {
		t.Fatalf("after reusing Apply's inputs, Scan = %q, want %q", got, want)
	}
}

// testApplyAtomic has a writer put the same counter into keys a and b in
// one Apply, alternating the order of the two ops, while readers Get one key
// and then the other. The counter only grows, so with atomic batches the key
// read second can never hold less than the key read first.
func testApplyAtomic(t *testing.T, s metastore.Store) {
	ctx := testContext(t)
	enc := func(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }
	a, b := []byte("atomic/a"), []byte("atomic/b")
	mustApply(t, s, metastore.Put(a, enc(0)), metastore.Put(b, enc(0)))

	const writes = 500
	write := func() {
		for i := uint64(1); i <= writes; i++ {
			ops := []metastore.Op{metastore.Put(a, enc(i)), metastore.Put(b, enc(i))}
			if i%2 == 1 {
				ops[0], ops[1] = ops[1], ops[0]
			}
			if err := s.Apply(ctx, ops...); err != nil {
				t.Errorf("Apply #%d: %v", i, err)
				return
			}
		}
	}
	read := func(k []byte) (uint64, bool) {
		v, err := s.Get(ctx, k)
		if err != nil || len(v) != 8 {
			t.Errorf("Get(%q) = %x, %v; want an 8-byte counter", k, v, err)
			return 0, false
		}
		return binary.BigEndian.Uint64(v), true
	}
	reads := make([]func() bool, 4)
	for r := range reads {
		first, second := a, b
		if r%2 == 1 {
			first, second = b, a
		}
		reads[r] = func() bool {
			x, ok := read(first)
			if !ok {
				return false
			}
			y, ok := read(second)
			if !ok {
				return false
			}
			if y < x {
				t.Errorf("read %q=%d then %q=%d: a batch was seen half applied", first, x, second, y)
				return false
			}
			return true
		}
	}
	porttest.ReadsRacingWrite(write, reads...)

	// A multi-op batch mixing puts and deletes is visible as a whole.
	mustApply(t, s,
		metastore.Put([]byte("m/1"), []byte("1")),
		metastore.Put([]byte("m/2"), []byte("2")),
		metastore.Put([]byte("m/3"), []byte("3")),
	)
	mustApply(t, s,
		metastore.Del([]byte("m/1")),
		metastore.Put([]byte("m/2"), []byte("two")),
		metastore.Put([]byte("m/4"), []byte("4")),
		metastore.Del([]byte("m/3")),
	)
	if got, want := scanAll(t, s, []byte("m/")), []kv{{"m/2", "two"}, {"m/4", "4"}}; !slices.Equal(got, want) {
		t.Fatalf("after a mixed batch, Scan = %q, want %q", got, want)
	}
}

func testConcurrentUse(t *testing.T, s metastore.Store) {
	ctx := testContext(t)
	const workers, perWorker = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			prefix := fmt.Appendf(nil, "w%02d/", w)
			for i := range perWorker {
				k := fmt.Appendf(slices.Clone(prefix), "%04d", i)
				v := fmt.Appendf(nil, "%d-%d", w, i)
				if err := s.Apply(ctx, metastore.Put(k, v), metastore.Put([]byte("shared"), v)); err != nil {
					t.Errorf("worker %d: Apply: %v", w, err)
					return
				}
				got, err := s.Get(ctx, k)
				if err != nil || !bytes.Equal(got, v) {
					t.Errorf("worker %d: Get(%q) = %q, %v; want %q", w, k, got, err, v)
					return
				}
				if _, err := s.Get(ctx, []byte("shared")); err != nil {
					t.Errorf("worker %d: Get(shared): %v", w, err)
					return
				}
				if i%10 == 0 {
					n := 0
					err := s.Scan(ctx, prefix, func(k, v []byte) error { n++; return nil })
					if err != nil || n != i+1 {
						t.Errorf("worker %d: Scan(%q) saw %d keys, %v; want %d", w, prefix, n, err, i+1)
						return
					}
				}
				if i%3 == 0 {
					if err := s.Apply(ctx, metastore.Del(k)); err != nil {
						t.Errorf("worker %d: Apply(delete): %v", w, err)
						return
					}
					if err := s.Apply(ctx, metastore.Put(k, v)); err != nil {
						t.Errorf("worker %d: Apply(put back): %v", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := len(scanAll(t, s, []byte("w"))); got != workers*perWorker {
		t.Fatalf("after concurrent writes, %d keys, want %d", got, workers*perWorker)
	}
}

func testClose(t *testing.T, s metastore.Store) {
	ctx := testContext(t)
	mustApply(t, s, metastore.Put([]byte("k"), []byte("v")))
	porttest.CloseTwice(t, s)
	if _, err := s.Get(ctx, []byte("k")); !errors.Is(err, metastore.ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	called := false
	err := s.Scan(ctx, nil, func(k, v []byte) error { called = true; return nil })
	if !errors.Is(err, metastore.ErrClosed) {
		t.Errorf("Scan after Close: %v, want ErrClosed", err)
	}
	if called {
		t.Errorf("Scan after Close called fn")
	}
	if err := s.Apply(ctx, metastore.Put([]byte("k2"), []byte("v"))); !errors.Is(err, metastore.ErrClosed) {
		t.Errorf("Apply after Close: %v, want ErrClosed", err)
	}
}
