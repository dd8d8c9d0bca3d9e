package registry_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hamba/avro/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/schemaformat/avroformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/jsonformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/protoformat"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// The registry is what the indexing pipeline decodes framed values with
// (bootstrap binds it).
var _ indexing.Schemas = (*registry.Service)(nil)

// counting counts the parses of a real format.
type counting struct {
	schemaformat.Parser
	parses atomic.Int64
}

func (c *counting) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	c.parses.Add(1)
	return c.Parser.Parse(text, refs)
}

func openReal(t *testing.T, meta metastore.Store) (*registry.Service, *counting) {
	t.Helper()
	avroParser := &counting{Parser: avroformat.New()}
	s, err := registry.New(context.Background(), meta, []schemaformat.Parser{avroParser, jsonformat.New(), protoformat.New()}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return s, avroParser
}

func obj(kv ...any) document.Object {
	o := document.Object{}
	for i := 0; i < len(kv); i += 2 {
		o = append(o, document.Field{Name: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

const (
	userV1 = `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	userV2 = `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}`
)

func avroPayload(t *testing.T, text string, v any) []byte {
	t.Helper()
	b, err := avro.Marshal(avro.MustParse(text), v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each id decodes with its own schema: v1's payloads with v1, v2's with
// v2, after a restart too; of each format.
func TestDecodeByID(t *testing.T) {
	ctx := context.Background()
	meta := memmeta.New()
	s, _ := openReal(t, meta)
	reg := must[int](t)
	v1 := reg(s.Register(ctx, "users-value", registry.Request{Type: schema.Avro, Text: userV1}))
	v2 := reg(s.Register(ctx, "users-value", registry.Request{Type: schema.Avro, Text: userV2}))
	money := reg(s.Register(ctx, "money.proto", registry.Request{Type: schema.Protobuf, Text: `syntax = "proto3"; package m; message Money { string cur = 1; int64 units = 2; }`}))
	_ = money
	// Registered normalized: fields sorted by number, which is the order
	// the decoded object keeps, however the schema was written.
	pay := reg(s.Register(ctx, "pay-value", registry.Request{Type: schema.Protobuf, Normalize: true,
		Text:       `syntax = "proto3"; import "money.proto"; message Pay { m.Money amount = 2; string id = 1; }`,
		References: []schema.Reference{{Name: "money.proto", Subject: "money.proto", Version: 1}}}))
	js := reg(s.Register(ctx, "js-value", registry.Request{Type: schema.JSON, Text: `{"type":"object"}`}))

	// Pay{id: "p", amount: {cur: "EUR", units: 3}}, after the indexes [0].
	amount := protowire.AppendString([]byte{0x0a}, "EUR")
	amount = append(amount, 0x10, 3)
	payPayload := append([]byte{0, 0x0a, 1, 'p', 0x12, byte(len(amount))}, amount...)

	cases := []struct {
		name    string
		id      int
		payload []byte
		want    document.Object
	}{
		{"avro_v1", v1, avroPayload(t, userV1, map[string]any{"id": int64(1), "name": "ann"}), obj("id", int64(1), "name", "ann")},
		{"avro_v2", v2, avroPayload(t, userV2, map[string]any{"id": int64(2), "name": "bob", "email": map[string]any{"string": "b@x"}}), obj("id", int64(2), "name", "bob", "email", "b@x")},
		{"protobuf_with_reference", pay, payPayload, obj("id", "p", "amount", obj("cur", "EUR", "units", int64(3)))},
		{"json_schema", js, []byte(`{"b":1,"a":[true]}`), obj("b", int64(1), "a", []any{true})},
	}
	check := func(t *testing.T, s *registry.Service) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.Decode(ctx, int32(c.id), c.payload)
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %v, %v, want %v", got, err, c.want)
				}
			})
		}
	}
	t.Run("registered", func(t *testing.T) { check(t, s) })
	restarted, _ := openReal(t, meta)
	t.Run("restarted", func(t *testing.T) { check(t, restarted) })
}

func TestDecodeErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := openReal(t, memmeta.New())
	id := must[int](t)(s.Register(ctx, "users-value", registry.Request{Type: schema.Avro, Text: userV1}))

	_, err := s.Decode(ctx, 999, []byte{0})
	if !errors.Is(err, document.ErrUndecodable) || !errors.Is(err, schema.ErrSchemaNotFound) || !strings.Contains(err.Error(), "no schema has id 999") {
		t.Fatalf("unknown id: %v", err)
	}
	_, err = s.Decode(ctx, int32(id), []byte{2, 2})
	if !errors.Is(err, document.ErrUndecodable) || !strings.Contains(err.Error(), fmt.Sprintf("schema %d: ", id)) {
		t.Fatalf("truncated payload: %v", err)
	}

	// An id unknown at first is found once registered.
	s2, _ := openReal(t, memmeta.New())
	if _, err := s2.Decode(ctx, 1, nil); !errors.Is(err, schema.ErrSchemaNotFound) {
		t.Fatalf("before registering: %v", err)
	}
	must[int](t)(s2.Register(ctx, "s", registry.Request{Type: schema.Avro, Text: `"string"`}))
	if got, err := s2.Decode(ctx, 1, []byte{2, 'x'}); err != nil || !reflect.DeepEqual(got, obj("value", "x")) {
		t.Fatalf("after registering: %v, %v", got, err)
	}
}

// Concurrent decodes of one id parse its schema once, and decoders past
// MaxDecoders are dropped and made again without changing any answer.
func TestDecodeCache(t *testing.T) {
	ctx := context.Background()
	s, parses := openReal(t, memmeta.New())
	id := must[int](t)(s.Register(ctx, "users-value", registry.Request{Type: schema.Avro, Text: userV1}))
	before := parses.parses.Load()
	payload := avroPayload(t, userV1, map[string]any{"id": int64(7), "name": "x"})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				if _, err := s.Decode(ctx, int32(id), payload); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := parses.parses.Load() - before; n != 1 {
		t.Fatalf("%d parses for one id, want 1", n)
	}

	ids := make([]int, registry.MaxDecoders+10)
	for i := range ids {
		text := fmt.Sprintf(`{"type":"record","name":"R%d","fields":[{"name":"n","type":"long"}]}`, i)
		ids[i] = must[int](t)(s.Register(ctx, fmt.Sprintf("s%d", i), registry.Request{Type: schema.Avro, Text: text}))
	}
	for round := range 2 {
		for i, id := range ids {
			got, err := s.Decode(ctx, int32(id), []byte{byte(2 * (i % 60))})
			if err != nil || !reflect.DeepEqual(got, obj("n", int64(i%60))) {
				t.Fatalf("round %d, id %d: %v, %v", round, id, got, err)
			}
		}
	}
}

// A caller waiting for another's parse gives up with its context.
func TestDecodeWaitHonoursContext(t *testing.T) {
	ctx := context.Background()
	g := newGatedReal()
	s, err := registry.New(ctx, memmeta.New(), []schemaformat.Parser{g}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	g.open()
	id := must[int](t)(s.Register(ctx, "s", registry.Request{Type: schema.Avro, Text: ` "string"`}))
	g.close()
	first := make(chan error, 1)
	go func() { _, err := s.Decode(ctx, int32(id), []byte{0}); first <- err }()
	<-g.entered
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Decode(cctx, int32(id), []byte{0}); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting with a cancelled context: %v", err)
	}
	g.open()
	if err := <-first; err != nil {
		t.Fatalf("the parsing caller: %v", err)
	}
	// A decoder ready needs no waiting: a done context does not matter.
	for range 20 {
		if _, err := s.Decode(cctx, int32(id), []byte{0}); err != nil {
			t.Fatalf("a ready decoder with a cancelled context: %v", err)
		}
	}
}

// gatedReal is avroformat whose parses wait, while closed, until opened.
type gatedReal struct {
	schemaformat.Parser
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func newGatedReal() *gatedReal {
	return &gatedReal{Parser: avroformat.New(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
}

func (g *gatedReal) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gate)
}

func (g *gatedReal) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

func (g *gatedReal) Parse(text string, refs []schemaformat.Ref) (schemaformat.Parsed, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	select {
	case <-gate:
	default:
		g.entered <- struct{}{}
		<-gate
	}
	return g.Parser.Parse(text, refs)
}
