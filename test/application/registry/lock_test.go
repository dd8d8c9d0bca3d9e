package registry_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

func openGated(t *testing.T) (*registry.Service, *schemaformattest.Gated) {
	t.Helper()
	g := schemaformattest.NewGated(1)
	s, err := registry.New(context.Background(), memmeta.New(), []schemaformat.Parser{g}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Open)
	return s, g
}

// whileParsing runs fn in the background and returns once fn's parse has
// entered g, with the channel that gets fn's error.
func whileParsing(g *schemaformattest.Gated, fn func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	<-g.Entered
	return done
}

// within fails the test unless fn returns within a second.
func within(t *testing.T, what string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(time.Second):
		t.Fatalf("%s waited for a schema being parsed", what)
	}
}

// A schema being parsed for registration holds no lock that reads (the
// produce path's SchemaByID), other subjects' registrations or settings
// wait for. On main Register parsed under the write lock: a 21 s parse
// stalled every produce to a validating topic.
func TestReadsAndWritesDoNotWaitForAParse(t *testing.T) {
	ctx := context.Background()
	s, g := openGated(t)
	id := must[int](t)(s.Register(ctx, "a-value", req(`["x"]`)))

	slow := whileParsing(g, func() error { _, err := s.Register(ctx, "b-value", req(` ["y"]`)); return err })

	within(t, "SchemaByID", func() error { _, err := s.SchemaByID(id); return err })
	within(t, "Get", func() error { _, err := s.Get("a-value", -1, false); return err })
	within(t, "Register of another subject", func() error { _, err := s.Register(ctx, "c-value", req(`["z"]`)); return err })
	within(t, "SetLevel", func() error { return s.SetLevel(ctx, "d-value", schema.Full) })
	within(t, "TestCompatibility", func() error { _, err := s.TestCompatibility("a-value", -1, req(`["x"]`)); return err })

	g.Open()
	if err := <-slow; err != nil {
		t.Fatalf("the slow registration: %v", err)
	}
}

// A registration checks against what it read before parsing; if another
// write commits meanwhile, it checks again against the new state before it
// commits.
func TestRegisterRechecksAfterAConcurrentWrite(t *testing.T) {
	ctx := context.Background()
	s, g := openGated(t)
	must[int](t)(s.Register(ctx, "orders-value", req(`["a","b"]`)))

	// Compatible (BACKWARD) with ["a","b"], not with ["b"].
	slow := whileParsing(g, func() error { _, err := s.Register(ctx, "orders-value", req(` ["a"]`)); return err })
	within(t, "Register of the same subject", func() error { _, err := s.Register(ctx, "orders-value", req(`["b"]`)); return err })
	g.Open()

	var inc *registry.IncompatibleError
	if err := <-slow; !errors.As(err, &inc) {
		t.Fatalf("the slow registration: got %v, want it checked against the version registered meanwhile", err)
	}
	if vs := must[[]int](t)(s.Versions("orders-value", false)); len(vs) != 2 {
		t.Fatalf("versions %v, want 2", vs)
	}
}

// A compatibility test or lookup parses its schema outside the lock too.
// On main it parsed under the read lock: a registration then waited for
// the write lock behind it, and every read (SchemaByID) behind that.
func TestCompatibilityChecksDoNotHoldTheLock(t *testing.T) {
	ctx := context.Background()
	s, g := openGated(t)
	id := must[int](t)(s.Register(ctx, "a-value", req(`["x"]`)))

	slow := whileParsing(g, func() error { _, err := s.TestCompatibility("a-value", -1, req(` ["x"]`)); return err })
	within(t, "Register", func() error { _, err := s.Register(ctx, "b-value", req(`["y"]`)); return err })
	within(t, "SchemaByID", func() error { _, err := s.SchemaByID(id); return err })
	within(t, "Lookup", func() error { _, err := s.Lookup(ctx, "a-value", req(`["x"]`), false); return err })
	g.Open()
	if err := <-slow; err != nil {
		t.Fatalf("the slow check: %v", err)
	}
}

// A schema's references are bounded in number and bytes: on main a request
// of a few kilobytes could name one large registered schema under
// thousands of names, and the schema was parsed with that many copies.
func TestReferencesAreBounded(t *testing.T) {
	ctx := context.Background()
	s := open(t, memmeta.New())
	big := `["` + strings.Repeat("f", 64<<10) + `"]`
	must[int](t)(s.Register(ctx, "big", req(big)))
	many := func(n int) []schema.Reference {
		refs := make([]schema.Reference, n)
		for i := range refs {
			refs[i] = schema.Reference{Name: "r" + strconv.Itoa(i), Subject: "big", Version: 1}
		}
		return refs
	}
	// 100 names of a 64 KiB schema: 6.4 MiB of references.
	if _, err := s.TestCompatibility("x", -1, req(`["@r0"]`, many(100)...)); !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), "references") {
		t.Fatalf("100 references of 64 KiB: %v", err)
	}
	must[int](t)(s.Register(ctx, "small", req(`["s"]`)))
	small := make([]schema.Reference, 1001)
	for i := range small {
		small[i] = schema.Reference{Name: "s" + strconv.Itoa(i), Subject: "small", Version: 1}
	}
	if _, err := s.Register(ctx, "y", req(`["@s0"]`, small...)); !errors.Is(err, schema.ErrInvalidSchema) || !strings.Contains(err.Error(), "references") {
		t.Fatalf("1001 references: %v", err)
	}
	if _, err := s.Register(ctx, "y", req(`["@s0"]`, small[:1000]...)); err != nil {
		t.Fatalf("1000 references: %v", err)
	}
}
