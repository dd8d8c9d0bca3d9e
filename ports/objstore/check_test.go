package objstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chronik-stream/chronik/ports/objstore"
)

func TestCheckCallOrder(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tooLong := func(key string) error {
		if len(key) > 3 {
			return fmt.Errorf("%w: key %q is longer than 3 bytes", objstore.ErrInvalidKey, key)
		}
		return nil
	}
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		key     string
		closed  bool
		backend func(string) error
		want    error
		msg     string
	}{
		{name: "ok", ctx: context.Background(), key: "a/b", backend: tooLong},
		{name: "closed_first", ctx: done, key: "", closed: true, want: objstore.ErrClosed, msg: `x: put "": objstore: bucket closed`},
		{name: "port_key_rule", ctx: done, key: "/a", want: objstore.ErrInvalidKey},
		{name: "backend_key_limit", ctx: done, key: "abcd", backend: tooLong, want: objstore.ErrInvalidKey, msg: `x: put: objstore: invalid key: key "abcd" is longer than 3 bytes`},
		{name: "context_last", ctx: done, key: "a", backend: tooLong, want: context.Canceled, msg: `x: put "a": context canceled`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := objstore.CheckCall(tc.ctx, "x", "put", tc.key, tc.closed, tc.backend)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("CheckCall: %v; want %v", err, tc.want)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Fatalf("CheckCall: %q; want %q", err, tc.msg)
			}
		})
	}
}

func TestCheckList(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := objstore.CheckList(context.Background(), "x", "p/", false); err != nil {
		t.Fatalf("CheckList: %v", err)
	}
	if err := objstore.CheckList(done, "x", "p/", true); !errors.Is(err, objstore.ErrClosed) {
		t.Fatalf("CheckList closed: %v; want ErrClosed", err)
	}
	if err := objstore.CheckList(done, "x", "p/", false); !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckList done: %v; want context.Canceled", err)
	}
}

func TestPageSize(t *testing.T) {
	for in, want := range map[int]int{-1: objstore.DefaultPageSize, 0: objstore.DefaultPageSize, 1: 1, 5000: 5000} {
		if got := objstore.PageSize(in); got != want {
			t.Errorf("PageSize(%d) = %d, want %d", in, got, want)
		}
	}
}
