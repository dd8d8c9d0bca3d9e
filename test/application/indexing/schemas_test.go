package indexing_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/adapters/schemaformat/avroformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/jsonformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/protoformat"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/schema"
	"github.com/chronik-stream/chronik/domain/topic"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

type userV1 struct {
	ID   int64  `avro:"id"`
	Name string `avro:"name"`
}

type userV2 struct {
	ID    int64   `avro:"id"`
	Name  string  `avro:"name"`
	Email *string `avro:"email"`
}

type event struct {
	Kind string `json:"kind"`
	N    int    `json:"n"`
}

const (
	avroV1    = `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	avroV2    = `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}`
	protoText = `syntax = "proto3"; package shop; message Other { string x = 1; } message Order { int64 id = 1; string sku = 2; repeated string tags = 3; }`
)

// orderDescriptor is the producer's own descriptor of protoText's Order,
// built without Chronik's parser.
func orderDescriptor(t *testing.T) *dynamicpb.Message {
	t.Helper()
	str, i64 := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum()
	opt, rep := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("order.proto"), Package: proto.String("shop"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Other"), Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("x"), Number: proto.Int32(1), Type: str, Label: opt, JsonName: proto.String("x")}}},
			{Name: proto.String("Order"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("id"), Number: proto.Int32(1), Type: i64, Label: opt, JsonName: proto.String("id")},
				{Name: proto.String("sku"), Number: proto.Int32(2), Type: str, Label: opt, JsonName: proto.String("sku")},
				{Name: proto.String("tags"), Number: proto.Int32(3), Type: str, Label: rep, JsonName: proto.String("tags")},
			}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessage(fd.Messages().Get(1))
}

// The registry decodes, for the pipeline, values that franz-go's sr serde
// framed: Avro of two versions, Protobuf with message indexes, JSON
// Schema; values it cannot decode are counted and indexed whole.
func TestRegistryDecodesForThePipeline(t *testing.T) {
	ctx := context.Background()
	reg, err := registry.New(ctx, memmeta.New(), []schemaformat.Parser{avroformat.New(), jsonformat.New(), protoformat.New()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	register := func(subject string, typ schema.Type, text string) int {
		t.Helper()
		id, err := reg.Register(ctx, subject, registry.Request{Type: typ, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	v1, v2 := register("users-value", schema.Avro, avroV1), register("users-value", schema.Avro, avroV2)
	po := register("orders-value", schema.Protobuf, protoText)
	js := register("events-value", schema.JSON, `{"type":"object","properties":{"kind":{"type":"string"},"n":{"type":"integer"}}}`)

	var serde sr.Serde
	avroFn := func(text string) sr.EncodingOpt {
		s := avro.MustParse(text)
		return sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(s, v) })
	}
	serde.Register(v1, userV1{}, avroFn(avroV1))
	serde.Register(v2, userV2{}, avroFn(avroV2))
	order := orderDescriptor(t)
	serde.Register(po, order, sr.EncodeFn(func(v any) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }), sr.Index(1))
	serde.Register(js, event{}, sr.EncodeFn(json.Marshal))
	if err := protojson.Unmarshal([]byte(`{"id":"9","sku":"A-1","tags":["x","y"]}`), order); err != nil {
		t.Fatal(err)
	}
	email := "b@x"
	values := [][]byte{
		serde.MustEncode(userV1{ID: 1, Name: "ann"}),
		serde.MustEncode(userV2{ID: 2, Name: "bob", Email: &email}),
		serde.MustEncode(order),
		serde.MustEncode(event{Kind: "click", N: 3}),
		serde.MustEncode(userV2{ID: 3, Name: "cy"}),
		framed(uint32(v1), "\x02"),      // truncated: the name is missing
		framed(999, "\x02\x02a"),        // unknown id
		framed(uint32(js), `["array"]`), // not an object
	}
	f := newFixture(t, orders)
	f.produce("orders", 0, values...)
	r := f.start(newSink(t, f.disk, 100), reg, indexing.Config{})
	p0 := topic.Partition{Topic: "orders", Index: 0}
	waitFor(t, "indexing", r.caughtUp(map[topic.Partition]int64{p0: int64(len(values))}))
	r.stop()

	o := func(kv ...any) document.Object {
		out := document.Object{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, document.Field{Name: kv[i].(string), Value: kv[i+1]})
		}
		return out
	}
	want := []struct {
		id     int
		fields document.Object
	}{
		{v1, o("id", int64(1), "name", "ann")},
		{v2, o("id", int64(2), "name", "bob", "email", "b@x")},
		{po, o("id", int64(9), "sku", "A-1", "tags", []any{"x", "y"})},
		{js, o("kind", "click", "n", int64(3))},
		{v2, o("id", int64(3), "name", "cy", "email", nil)},
	}
	docs := r.sink.docs[key(orders.ID, 0)]
	for off, w := range want {
		d := docs[int64(off)]
		if d.Kind != document.Schema || d.SchemaID != int32(w.id) || !reflect.DeepEqual(d.Fields, w.fields) {
			t.Errorf("offset %d: kind %d schema %d fields %v, want schema %d fields %v", off, d.Kind, d.SchemaID, d.Fields, w.id, w.fields)
		}
	}
	for off := len(want); off < len(values); off++ {
		if d := docs[int64(off)]; d.Kind != document.Raw || string(d.Value) != string(values[off]) {
			t.Errorf("offset %d: kind %d, want the value kept whole", off, d.Kind)
		}
	}
	for _, s := range r.p.Stats() {
		if s.Partition == p0 && s.Undecodable != 3 {
			t.Errorf("Undecodable = %d, want 3", s.Undecodable)
		}
	}
}
