package registry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func open(t *testing.T, meta metastore.Store) *registry.Service {
	t.Helper()
	s, err := registry.New(context.Background(), meta, []schemaformat.Parser{schemaformattest.Fields{}}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func req(text string, refs ...schema.Reference) registry.Request {
	return registry.Request{Type: schema.Avro, Text: text, References: refs}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestRegisterEvolveDelete(t *testing.T) {
	ctx := context.Background()
	meta := memmeta.New()
	s := open(t, meta)
	reg := must[int](t)

	id1 := reg(s.Register(ctx, "orders-value", req(`["b","a"]`)))
	if again := reg(s.Register(ctx, "orders-value", req(`["a", "b"]`))); again != id1 {
		t.Fatalf("the same schema got id %d, then %d", id1, again)
	}
	if other := reg(s.Register(ctx, "payments-value", req(`["a","b"]`))); other != id1 {
		t.Fatalf("the same schema under another subject got id %d, want %d", other, id1)
	}
	// BACKWARD (the default): dropping a field is fine, adding one is not.
	id2 := reg(s.Register(ctx, "orders-value", req(`["a"]`)))
	_, err := s.Register(ctx, "orders-value", req(`["a","c"]`))
	var inc *registry.IncompatibleError
	if !errors.As(err, &inc) || !errors.Is(err, schema.ErrIncompatible) || len(inc.Reasons) == 0 {
		t.Fatalf("incompatible schema: %v", err)
	}
	if v := must[[]int](t)(s.Versions("orders-value", false)); !slices.Equal(v, []int{1, 2}) {
		t.Fatalf("versions %v", v)
	}
	if err := s.SetLevel(ctx, "orders-value", schema.None); err != nil {
		t.Fatal(err)
	}
	id3 := reg(s.Register(ctx, "orders-value", req(`["a","c"]`)))
	if id3 == id2 || id2 == id1 {
		t.Fatalf("ids %d %d %d are not distinct", id1, id2, id3)
	}
	latest := must[registry.SubjectVersion](t)(s.Get("orders-value", -1, false))
	if latest.Version != 3 || latest.Schema.ID != id3 || latest.Schema.Text != `["a","c"]` {
		t.Fatalf("latest = %+v", latest)
	}
	if sv, err := s.Lookup(ctx, "orders-value", req(`["c","a"]`), false); err != nil || sv.Version != 3 {
		t.Fatalf("lookup = %+v, %v", sv, err)
	}
	if _, err := s.Lookup(ctx, "orders-value", req(`["zzz"]`), false); !errors.Is(err, schema.ErrSchemaNotFound) {
		t.Fatalf("lookup of an unknown schema: %v", err)
	}
	if _, err := s.Get("nope", 1, false); !errors.Is(err, schema.ErrSubjectNotFound) {
		t.Fatalf("unknown subject: %v", err)
	}
	if _, err := s.Get("orders-value", 9, false); !errors.Is(err, schema.ErrVersionNotFound) {
		t.Fatalf("unknown version: %v", err)
	}

	// Deletion: permanent needs soft first; soft twice is an error.
	if _, err := s.DeleteVersion(ctx, "orders-value", 2, true); !errors.Is(err, schema.ErrVersionNotSoftDeleted) {
		t.Fatalf("permanent delete before soft: %v", err)
	}
	if n := reg(s.DeleteVersion(ctx, "orders-value", 2, false)); n != 2 {
		t.Fatalf("deleted version %d", n)
	}
	if _, err := s.DeleteVersion(ctx, "orders-value", 2, false); !errors.Is(err, schema.ErrVersionSoftDeleted) {
		t.Fatalf("soft delete twice: %v", err)
	}
	if v := must[[]int](t)(s.Versions("orders-value", true)); !slices.Equal(v, []int{1, 2, 3}) {
		t.Fatalf("versions with deleted %v", v)
	}
	if reg(s.DeleteVersion(ctx, "orders-value", 2, true)) != 2 {
		t.Fatal("permanent delete")
	}
	if v := must[[]int](t)(s.Versions("orders-value", true)); !slices.Equal(v, []int{1, 3}) {
		t.Fatalf("versions after permanent delete %v", v)
	}
	if _, err := s.DeleteSubject(ctx, "orders-value", true); !errors.Is(err, schema.ErrSubjectNotSoftDeleted) {
		t.Fatalf("permanent subject delete before soft: %v", err)
	}
	if nums := must[[]int](t)(s.DeleteSubject(ctx, "orders-value", false)); !slices.Equal(nums, []int{1, 3}) {
		t.Fatalf("soft-deleted %v", nums)
	}
	if got := s.Subjects("", false); !slices.Equal(got, []string{"payments-value"}) {
		t.Fatalf("subjects %v", got)
	}
	if got := s.Subjects("", true); !slices.Equal(got, []string{"orders-value", "payments-value"}) {
		t.Fatalf("subjects with deleted %v", got)
	}
	// Registering again after a soft delete makes a new version.
	if id := reg(s.Register(ctx, "orders-value", req(`["a","b"]`))); id != id1 {
		t.Fatalf("re-registered with id %d, want %d", id, id1)
	}
	if latest := must[registry.SubjectVersion](t)(s.Get("orders-value", -1, false)); latest.Version != 4 {
		t.Fatalf("version after re-registering: %d, want 4", latest.Version)
	}

	// Everything comes back from the metastore.
	s2 := open(t, meta)
	if got := must[[]int](t)(s2.Versions("orders-value", true)); !slices.Equal(got, []int{1, 3, 4}) {
		t.Fatalf("reloaded versions %v", got)
	}
	if l := must[schema.Level](t)(s2.Level("orders-value", false)); l != schema.None {
		t.Fatalf("reloaded level %s", l)
	}
	if id := reg(s2.Register(ctx, "fresh", req(`["q"]`))); id <= id3 {
		t.Fatalf("id %d after reload reuses an old id (highest %d)", id, id3)
	}
}

func TestTransitiveLevels(t *testing.T) {
	ctx := context.Background()
	s := open(t, memmeta.New())
	if err := s.SetLevel(ctx, "", schema.ForwardTransitive); err != nil {
		t.Fatal(err)
	}
	must[int](t)(s.Register(ctx, "x", req(`["a","b"]`)))
	must[int](t)(s.Register(ctx, "x", req(`["a","b","c"]`))) // v1 reads it: fine
	// Dropping b: v2 can no longer read... v1 needs b too.
	if _, err := s.Register(ctx, "x", req(`["a","c"]`)); !errors.Is(err, schema.ErrIncompatible) {
		t.Fatalf("FORWARD_TRANSITIVE let a field drop: %v", err)
	}
	// Testing against one version only uses the non-transitive rule.
	reasons := must[[]string](t)(s.TestCompatibility("x", 2, req(`["a","b","c","d"]`)))
	if len(reasons) != 0 {
		t.Fatalf("adding a field is forward compatible: %v", reasons)
	}
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	s := open(t, memmeta.New())
	must[int](t)(s.Register(ctx, "x", req(`["a"]`)))
	if err := s.SetMode(ctx, "", schema.Import, false); !errors.Is(err, schema.ErrNotPermitted) {
		t.Fatalf("IMPORT on a non-empty registry without force: %v", err)
	}
	if err := s.SetMode(ctx, "", schema.ReadOnly, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "x", req(`["b"]`)); !errors.Is(err, schema.ErrNotPermitted) {
		t.Fatalf("register in READONLY: %v", err)
	}
	if err := s.SetMode(ctx, "imp", schema.Import, false); err != nil {
		t.Fatal(err)
	}
	r := req(`["z"]`)
	r.ID, r.Version = 500, 7
	if id := must[int](t)(s.Register(ctx, "imp", r)); id != 500 {
		t.Fatalf("import gave id %d, want 500", id)
	}
	if sv := must[registry.SubjectVersion](t)(s.Get("imp", 7, false)); sv.Schema.ID != 500 {
		t.Fatalf("imported version: %+v", sv)
	}
	plain := req(`["y"]`)
	plain.ID = 3
	if _, err := s.Register(ctx, "other", plain); err == nil {
		t.Fatal("an id was accepted outside IMPORT mode")
	}
}

func TestReferences(t *testing.T) {
	ctx := context.Background()
	s := open(t, memmeta.New())
	must[int](t)(s.Register(ctx, "address", req(`["street"]`)))
	ref := schema.Reference{Name: "address", Subject: "address", Version: 1}
	id := must[int](t)(s.Register(ctx, "customer", req(`["name","@address"]`, ref)))
	if _, err := s.Register(ctx, "broken", req(`["@address"]`)); !errors.Is(err, schema.ErrInvalidSchema) {
		t.Fatalf("a missing reference: %v", err)
	}
	if _, err := s.Register(ctx, "broken", req(`["x"]`, schema.Reference{Name: "a", Subject: "address", Version: 9})); !errors.Is(err, schema.ErrInvalidSchema) {
		t.Fatalf("a reference to a missing version: %v", err)
	}
	if by := must[[]int](t)(s.ReferencedBy("address", 1)); !slices.Equal(by, []int{id}) {
		t.Fatalf("referencedby %v, want [%d]", by, id)
	}
	if _, err := s.DeleteVersion(ctx, "address", 1, false); !errors.Is(err, schema.ErrReferenceExists) {
		t.Fatalf("deleting a referenced version: %v", err)
	}
	if sc := must[schema.Schema](t)(s.SchemaByID(id)); len(sc.References) != 1 || sc.References[0] != ref {
		t.Fatalf("schema %d references %v", id, sc.References)
	}
}
