package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// shopProto is the schema the Protobuf test registers. Audit comes first so
// that Order is message [1] and Order.Line [1, 0]: a serializer that wrote
// no index, or the [0] shortcut, would name the wrong type. Order's map
// field makes protoc (and protocompile) add a nested CountersEntry message
// after Line; Confluent's message indexes do not count it. {{coupon}} is
// where version 2 adds a field.
const shopProto = `syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";

message Audit {
  string actor = 1;
  int64 at = 2;
}

message Order {
  enum Status {
    STATUS_UNSPECIFIED = 0;
    NEW = 1;
    PAID = 2;
    SHIPPED = 3;
  }
  message Line {
    string sku = 1;
    int32 qty = 2;
    double price = 3;
  }
  int64 id = 1;
  string customer = 2;
  double amount = 3;
  bool gift = 4;
  bytes token = 5;
  Status status = 6;
  repeated Line lines = 7;
  repeated string tags = 8;
  Line main = 9;
  sint64 delta = 10;
  uint64 big = 11;
  map<string, int64> counters = 12;
  google.protobuf.Timestamp created = 14;
  repeated int64 scores = 15;
  optional string note = 16;
  google.protobuf.Int64Value budget = 19;
  oneof payment {
    string card = 17;
    int64 voucher = 18;
  }{{coupon}}
}
`

// shopDescriptor builds, by hand and independently of the node's parser,
// the descriptor of shopProto (with coupon when v2), for dynamicpb.
func shopDescriptor(t *testing.T, v2 bool) protoreflect.FileDescriptor {
	t.Helper()
	type ft = descriptorpb.FieldDescriptorProto_Type
	field := func(name string, num int32, typ ft, repeated bool, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:     proto.String(name),
			JsonName: proto.String(name),
			Number:   proto.Int32(num),
			Type:     typ.Enum(),
			Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
		}
		if repeated {
			f.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	inOneof := func(f *descriptorpb.FieldDescriptorProto, oneof int32, proto3Optional bool) *descriptorpb.FieldDescriptorProto {
		f.OneofIndex = proto.Int32(oneof)
		if proto3Optional {
			f.Proto3Optional = proto.Bool(true)
		}
		return f
	}
	const (
		tString = descriptorpb.FieldDescriptorProto_TYPE_STRING
		tInt64  = descriptorpb.FieldDescriptorProto_TYPE_INT64
		tInt32  = descriptorpb.FieldDescriptorProto_TYPE_INT32
		tSint64 = descriptorpb.FieldDescriptorProto_TYPE_SINT64
		tUint64 = descriptorpb.FieldDescriptorProto_TYPE_UINT64
		tDouble = descriptorpb.FieldDescriptorProto_TYPE_DOUBLE
		tBool   = descriptorpb.FieldDescriptorProto_TYPE_BOOL
		tBytes  = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		tEnum   = descriptorpb.FieldDescriptorProto_TYPE_ENUM
		tMsg    = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	)
	order := &descriptorpb.DescriptorProto{
		Name: proto.String("Order"),
		Field: []*descriptorpb.FieldDescriptorProto{
			field("id", 1, tInt64, false, ""),
			field("customer", 2, tString, false, ""),
			field("amount", 3, tDouble, false, ""),
			field("gift", 4, tBool, false, ""),
			field("token", 5, tBytes, false, ""),
			field("status", 6, tEnum, false, ".shop.v1.Order.Status"),
			field("lines", 7, tMsg, true, ".shop.v1.Order.Line"),
			field("tags", 8, tString, true, ""),
			field("main", 9, tMsg, false, ".shop.v1.Order.Line"),
			field("delta", 10, tSint64, false, ""),
			field("big", 11, tUint64, false, ""),
			field("counters", 12, tMsg, true, ".shop.v1.Order.CountersEntry"),
			field("created", 14, tMsg, false, ".google.protobuf.Timestamp"),
			field("scores", 15, tInt64, true, ""),
			inOneof(field("note", 16, tString, false, ""), 1, true),
			field("budget", 19, tMsg, false, ".google.protobuf.Int64Value"),
			inOneof(field("card", 17, tString, false, ""), 0, false),
			inOneof(field("voucher", 18, tInt64, false, ""), 0, false),
		},
		// payment, then the synthetic oneof of "optional string note".
		OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("payment")}, {Name: proto.String("_note")}},
		NestedType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Line"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("sku", 1, tString, false, ""),
				field("qty", 2, tInt32, false, ""),
				field("price", 3, tDouble, false, ""),
			},
		}, {
			// What protoc makes of "map<string, int64> counters = 12".
			Name: proto.String("CountersEntry"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("key", 1, tString, false, ""),
				field("value", 2, tInt64, false, ""),
			},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		}},
		EnumType: []*descriptorpb.EnumDescriptorProto{{
			Name: proto.String("Status"),
			Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: proto.String("STATUS_UNSPECIFIED"), Number: proto.Int32(0)},
				{Name: proto.String("NEW"), Number: proto.Int32(1)},
				{Name: proto.String("PAID"), Number: proto.Int32(2)},
				{Name: proto.String("SHIPPED"), Number: proto.Int32(3)},
			},
		}},
	}
	if v2 {
		order.Field = append(order.Field, field("coupon", 13, tString, false, ""))
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("shop.proto"),
		Dependency: []string{"google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto"},
		Package:    proto.String("shop.v1"),
		Syntax:     proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Audit"), Field: []*descriptorpb.FieldDescriptorProto{
				field("actor", 1, tString, false, ""),
				field("at", 2, tInt64, false, ""),
			}},
			order,
		},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// The serde maps Go types to schema ids and message indexes; every
// dynamicpb message has one Go type, so each (schema, message) pair is a
// type of its own here.
type (
	orderV1 struct{ *dynamicpb.Message }
	orderV2 struct{ *dynamicpb.Message }
	lineMsg struct{ *dynamicpb.Message }
	auditMs struct{ *dynamicpb.Message }
)

// protoOrder is what the test produces as one Order, and what it checks
// the SQL answers against.
type protoOrder struct {
	id       int64
	customer string
	amount   float64
	gift     bool
	token    []byte
	status   int32 // 0 is STATUS_UNSPECIFIED: not on the wire at all
	lines    []protoLine
	tags     []string
	main     *protoLine
	delta    int64
	big      uint64
	counters map[string]int64
	created  *timestamppb.Timestamp // nil: absent, NULL
	scores   []int64
	note     *string // proto3 optional: NULL when absent, "" when set empty
	budget   *int64  // Int64Value: NULL when absent
	card     *string // oneof payment: at most one of card and voucher
	voucher  *int64
	coupon   *string // v2 only; "" is not on the wire either
}

type protoLine struct {
	sku   string
	qty   int32
	price float64
}

var protoStatuses = []string{"STATUS_UNSPECIFIED", "NEW", "PAID", "SHIPPED"}

func makeProtoOrder(i int, v2 bool) protoOrder {
	o := protoOrder{
		id:       math.MaxInt64 - 1000 + int64(i), // past 2^53: exact only as BIGINT
		customer: fmt.Sprintf("kundé-%02d", i%7),
		amount:   float64(i%97) + 0.125,
		gift:     i%4 == 1,
		token:    []byte{byte(i), byte(i >> 8), 0xff, 0x00},
		status:   int32(i % 4),
		delta:    -int64(i) * 1_000_000_007,
		big:      uint64(i) * 10_000_000_000_000_000 / 1000,
		counters: map[string]int64{"views": int64(i) * 3},
	}
	if i%3 != 0 {
		o.counters["clicks"] = int64(i)
	}
	switch {
	case i%7 == 0:
	case i%10 == 3: // before 1970: milliseconds round down, to -877
		o.created = &timestamppb.Timestamp{Seconds: -1, Nanos: 123_456_789}
	default:
		o.created = &timestamppb.Timestamp{Seconds: 1_700_000_000 + int64(i), Nanos: int32(i) * 1_000_001}
	}
	for j := range i % 4 {
		o.scores = append(o.scores, []int64{int64(i), -int64(i), 1 << 40}[j])
	}
	switch i % 3 {
	case 0:
		note, card := fmt.Sprint("n", i), fmt.Sprint("card-", i)
		o.note, o.card = &note, &card
	case 1:
		note, voucher := "", int64(i)*7
		o.note, o.voucher = &note, &voucher
	}
	if i%2 == 0 {
		budget := int64(i) * 100 // 0 for order 0: a wrapper present with its default
		o.budget = &budget
	}
	for j := range i % 3 {
		o.lines = append(o.lines, protoLine{sku: fmt.Sprintf("sku-%d-%d", i, j), qty: int32(j+1) * int32(1-2*(i%2)), price: float64(j) + 0.5})
	}
	for j := range i % 2 {
		o.tags = append(o.tags, fmt.Sprint("t", j))
	}
	if i%5 != 0 {
		o.main = &protoLine{sku: fmt.Sprint("main-", i), qty: int32(i), price: 1.5}
	}
	if v2 {
		c := ""
		if i%2 == 1 {
			c = fmt.Sprint("C", i%3)
		}
		o.coupon = &c
	}
	return o
}

func (o protoOrder) message(md protoreflect.MessageDescriptor) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	f := md.Fields().ByName
	m.Set(f("id"), protoreflect.ValueOfInt64(o.id))
	m.Set(f("customer"), protoreflect.ValueOfString(o.customer))
	m.Set(f("amount"), protoreflect.ValueOfFloat64(o.amount))
	m.Set(f("gift"), protoreflect.ValueOfBool(o.gift))
	m.Set(f("token"), protoreflect.ValueOfBytes(o.token))
	m.Set(f("status"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(o.status)))
	lineMD := md.Messages().ByName("Line")
	lines := m.Mutable(f("lines")).List()
	for _, l := range o.lines {
		lines.Append(protoreflect.ValueOfMessage(l.message(lineMD)))
	}
	tags := m.Mutable(f("tags")).List()
	for _, s := range o.tags {
		tags.Append(protoreflect.ValueOfString(s))
	}
	if o.main != nil {
		m.Set(f("main"), protoreflect.ValueOfMessage(o.main.message(lineMD)))
	}
	m.Set(f("delta"), protoreflect.ValueOfInt64(o.delta))
	m.Set(f("big"), protoreflect.ValueOfUint64(o.big))
	counters := m.Mutable(f("counters")).Map()
	for k, v := range o.counters {
		counters.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfInt64(v))
	}
	if o.created != nil {
		m.Set(f("created"), protoreflect.ValueOfMessage(o.created.ProtoReflect()))
	}
	scores := m.Mutable(f("scores")).List()
	for _, v := range o.scores {
		scores.Append(protoreflect.ValueOfInt64(v))
	}
	if o.note != nil {
		m.Set(f("note"), protoreflect.ValueOfString(*o.note))
	}
	if o.budget != nil {
		m.Set(f("budget"), protoreflect.ValueOfMessage(wrapperspb.Int64(*o.budget).ProtoReflect()))
	}
	if o.card != nil {
		m.Set(f("card"), protoreflect.ValueOfString(*o.card))
	}
	if o.voucher != nil {
		m.Set(f("voucher"), protoreflect.ValueOfInt64(*o.voucher))
	}
	if o.coupon != nil {
		m.Set(f("coupon"), protoreflect.ValueOfString(*o.coupon))
	}
	return m
}

func (l protoLine) message(md protoreflect.MessageDescriptor) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("sku"), protoreflect.ValueOfString(l.sku))
	m.Set(md.Fields().ByName("qty"), protoreflect.ValueOfInt32(l.qty))
	m.Set(md.Fields().ByName("price"), protoreflect.ValueOfFloat64(l.price))
	return m
}

// marshalEmbedded is the serde's encoder of the wrapper types.
func marshalEmbedded(v any) ([]byte, error) {
	switch m := v.(type) {
	case orderV1:
		return proto.Marshal(m.Message)
	case orderV2:
		return proto.Marshal(m.Message)
	case lineMsg:
		return proto.Marshal(m.Message)
	case auditMs:
		return proto.Marshal(m.Message)
	}
	return nil, fmt.Errorf("no encoder for %T", v)
}

// TestSQLOverProtobufTopic registers a Protobuf schema with the node's
// registry through franz-go's sr client, produces records framed by sr's
// serde (schema id and message indexes) with kgo, and checks what /_sql
// answers against what it produced: typed columns, counts and aggregates
// (from Parquet files and the hot buffer), the answers' watermarks, a
// second schema version read together with the first, two more message
// types of the file (indexes [0] and [1, 0]) in one topic, and values whose
// bytes do not match their schema (counted, indexed whole as the raw value,
// Kafka serving them as they were). Then again after a restart.
func TestSQLOverProtobufTopic(t *testing.T) {
	n := startNode(t, "", map[string]string{
		"CHRONIK_HOT_BUFFER_MAX_RECORDS": "64",
		"CHRONIK_HOT_BUFFER_REFRESH_MS":  "100",
	})
	c := ctx(t)
	reg := registryClient(t, n)
	v1Text := strings.Replace(shopProto, "{{coupon}}", "", 1)
	v2Text := strings.Replace(shopProto, "{{coupon}}", "\n  string coupon = 13;", 1)
	v1, err := reg.CreateSchema(c, "proto_orders-value", sr.Schema{Schema: v1Text, Type: sr.TypeProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	fd1, fd2 := shopDescriptor(t, false), shopDescriptor(t, true)
	order1 := fd1.Messages().ByName("Order")
	if order1.Index() != 1 || order1.Messages().ByName("Line").Index() != 0 {
		t.Fatal("the descriptor does not have Order at [1] and Order.Line at [1, 0]")
	}
	var serde sr.Serde
	serde.Register(v1.ID, orderV1{}, sr.EncodeFn(marshalEmbedded), sr.Index(1))

	enabled := map[string]*string{"columnar.enabled": kadm.StringPtr("true")}
	createTopic(t, n, "proto_orders", 3, enabled)
	cl := n.client(kgo.DefaultProduceTopic("proto_orders"))
	var produced []protoOrder
	produce := func(from, to int, v2 bool) {
		t.Helper()
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			o := makeProtoOrder(i, v2)
			var v any
			if v2 {
				v = orderV2{o.message(fd2.Messages().ByName("Order"))}
			} else {
				v = orderV1{o.message(order1)}
			}
			b, err := serde.Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				// sr's framing: magic 0, the id, then the message indexes
				// as a zigzag varint count and zigzag varints: [1] is 2 2.
				want := []byte{0, byte(v1.ID >> 24), byte(v1.ID >> 16), byte(v1.ID >> 8), byte(v1.ID), 2, 2}
				if !bytes.HasPrefix(b, want) {
					t.Fatalf("sr framed Order v1 as % x, want a prefix % x", b[:min(len(b), 8)], want)
				}
			}
			produced = append(produced, o)
			recs = append(recs, &kgo.Record{Key: []byte(strconv.Itoa(i)), Value: b})
		}
		if err := cl.ProduceSync(c, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	const nV1, nV2 = 300, 120
	produce(0, nV1, false)
	n.waitForCount("proto_orders", nV1)

	// Typed columns, after the Kafka ones in the schema's field order (the
	// registry's canonical text prints oneof members after the other fields).
	a := n.sqlOK("SELECT * FROM proto_orders LIMIT 1")
	wantCols := []string{
		"_partition INTEGER", "_offset BIGINT", "_timestamp TIMESTAMP", "_key VARCHAR",
		"_headers STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]",
		"id BIGINT", "customer VARCHAR", "amount DOUBLE", "gift BOOLEAN", "token BLOB", "status VARCHAR",
		`lines STRUCT("sku" VARCHAR, "qty" BIGINT, "price" DOUBLE)[]`, "tags VARCHAR[]",
		`main STRUCT("sku" VARCHAR, "qty" BIGINT, "price" DOUBLE)`, "delta BIGINT", "big BIGINT",
		`counters STRUCT("clicks" BIGINT, "views" BIGINT)`, "created BIGINT", "scores BIGINT[]",
		"note VARCHAR", "budget BIGINT", "card VARCHAR", "voucher BIGINT",
	}
	checkColumns(t, a, wantCols)
	checkProtoOrders(t, n, produced)

	// Version 2 adds a field; old and new rows are read together.
	v2, err := reg.CreateSchema(c, "proto_orders-value", sr.Schema{Schema: v2Text, Type: sr.TypeProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	if v2.ID == v1.ID || v2.Version != 2 {
		t.Fatalf("v2 registered as id %d version %d (v1 is id %d)", v2.ID, v2.Version, v1.ID)
	}
	serde.Register(v2.ID, orderV2{}, sr.EncodeFn(marshalEmbedded), sr.Index(1))
	produce(nV1, nV1+nV2, true)
	n.waitForCount("proto_orders", nV1+nV2)
	checkColumns(t, n.sqlOK("SELECT * FROM proto_orders LIMIT 1"), append(wantCols, "coupon VARCHAR"))
	checkProtoOrders(t, n, produced)
	a = n.sqlOK(`SELECT COUNT(*) FILTER (WHERE coupon IS NULL), COUNT(*) FILTER (WHERE coupon = ''),
		COUNT(*) FILTER (WHERE coupon LIKE 'C_') FROM proto_orders`)
	wantEmpty, wantSet := 0, 0
	for _, o := range produced[nV1:] {
		if *o.coupon == "" {
			wantEmpty++
		} else {
			wantSet++
		}
	}
	if r := a.Rows[0]; r[0] != float64(nV1) || r[1] != float64(wantEmpty) || r[2] != float64(wantSet) {
		t.Errorf("coupon: NULL %v (want %d, the v1 rows), '' %v (want %d), set %v (want %d)", r[0], nV1, r[1], wantEmpty, r[2], wantSet)
	}

	// The other message types of the file, [0] and [1, 0], in one topic.
	side, err := reg.CreateSchema(c, "proto_side-value", sr.Schema{Schema: v1Text, Type: sr.TypeProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	serde.Register(side.ID, auditMs{}, sr.EncodeFn(marshalEmbedded), sr.Index(0))
	serde.Register(side.ID, lineMsg{}, sr.EncodeFn(marshalEmbedded), sr.Index(1, 0))
	createTopic(t, n, "proto_side", 1, enabled)
	var sideRecs []*kgo.Record
	var qtySum, atSum int64
	for i := range 40 {
		var v any
		if i%4 == 0 {
			m := dynamicpb.NewMessage(fd1.Messages().ByName("Audit"))
			m.Set(m.Descriptor().Fields().ByName("actor"), protoreflect.ValueOfString(fmt.Sprint("user", i)))
			m.Set(m.Descriptor().Fields().ByName("at"), protoreflect.ValueOfInt64(int64(i)*1000))
			atSum += int64(i) * 1000
			v = auditMs{m}
		} else {
			l := protoLine{sku: fmt.Sprint("s", i), qty: int32(i - 10), price: 2}
			qtySum += int64(l.qty)
			v = lineMsg{l.message(order1.Messages().ByName("Line"))}
		}
		b, err := serde.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		sideRecs = append(sideRecs, &kgo.Record{Topic: "proto_side", Value: b})
	}
	if b := sideRecs[0].Value; len(b) < 6 || b[5] != 0 {
		t.Fatalf("sr framed an Audit ([0]) as % x, want the single 0 byte after the id", b[:min(len(b), 7)])
	}
	if b := sideRecs[1].Value; len(b) < 8 || !bytes.Equal(b[5:8], []byte{4, 2, 0}) {
		t.Fatalf("sr framed a Line ([1, 0]) as % x, want 04 02 00 after the id", b[:min(len(b), 8)])
	}
	if err := cl.ProduceSync(c, sideRecs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	n.waitForCount("proto_side", 40)
	a = n.sqlOK(`SELECT COUNT(actor), SUM("at"), COUNT(sku), SUM(qty), SUM(price) FROM proto_side`)
	if r := a.Rows[0]; r[0] != float64(10) || r[1] != float64(atSum) || r[2] != float64(30) || r[3] != float64(qtySum) || r[4] != float64(60) {
		t.Errorf("proto_side: %v, want 10 audits (at summing to %d) and 30 lines (qty %d, price 60)", r, atSum, qtySum)
	}

	// Values framed with v2's id whose bytes are not an Order: a string
	// field whose length runs past the end, and an index naming no message.
	bad := [][]byte{
		append(srFrame(t, v2.ID, 1), 0x08, 0x01, 0x12, 0x40, 0xff, 0xfe, 'x'),
		append(srFrame(t, v2.ID, 7), 0x08, 0x01),
	}
	var badRecs []*kgo.Record
	for _, b := range bad {
		badRecs = append(badRecs, &kgo.Record{Key: []byte("bad"), Value: b, Partition: 0})
	}
	badCl := n.client(kgo.DefaultProduceTopic("proto_orders"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := badCl.ProduceSync(c, badRecs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	total := int64(nV1 + nV2 + len(bad))
	n.waitForCount("proto_orders", total)
	a = n.sqlOK("SELECT _partition, _offset, value, id FROM proto_orders WHERE value IS NOT NULL ORDER BY _offset")
	if len(a.Rows) != len(bad) {
		t.Fatalf("undecodable values: %v, want %d rows with the raw value", a.Rows, len(bad))
	}
	for i, r := range a.Rows {
		if r[0] != float64(0) || r[2] != base64.StdEncoding.EncodeToString(bad[i]) || r[3] != nil {
			t.Errorf("undecodable value %d: %v, want partition 0, the value's bytes (base64) and no id", i, r)
		}
	}
	checkProtoOrders(t, n, produced)
	checkIndexing(t, n, "proto_orders", int64(len(bad)))
	checkWatermarks(t, n, "proto_orders", total)

	// Kafka still serves every record as it was produced: the bad ones,
	// and the good ones decode with the serde.
	bad0, _ := a.Rows[0][1].(float64)
	consumeFromValue(t, n, "proto_orders", int64(bad0), bad[0])
	recs := consumeAll(t, n, "proto_orders", int(total))
	decoded := 0
	for _, r := range recs {
		if string(r.Key) == "bad" {
			continue
		}
		i, _ := strconv.Atoi(string(r.Key))
		md := order1
		if i >= nV1 {
			md = fd2.Messages().ByName("Order")
		}
		m := dynamicpb.NewMessage(md)
		id, idx, err := parseFrame(r.Value)
		if err != nil || (id != v1.ID && id != v2.ID) || len(idx) != 1 || idx[0] != 1 {
			t.Fatalf("record %s: frame id %d index %v: %v", r.Key, id, idx, err)
		}
		if err := proto.Unmarshal(r.Value[7:], m); err != nil {
			t.Fatalf("record %s: %v", r.Key, err)
		}
		if !proto.Equal(m, produced[i].message(md)) {
			t.Fatalf("record %s read back differs", r.Key)
		}
		decoded++
	}
	if decoded != nV1+nV2 {
		t.Fatalf("read back %d good records, want %d", decoded, nV1+nV2)
	}

	// The same answers after a restart.
	n.restart()
	n.waitForCount("proto_orders", total)
	checkProtoOrders(t, n, produced)
	checkWatermarks(t, n, "proto_orders", total)
}

// srFrame is Confluent's header as sr writes it, for values the serde would
// not write.
func srFrame(t *testing.T, id int, index ...int) []byte {
	t.Helper()
	b, err := new(sr.ConfluentHeader).AppendEncode(nil, id, index)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseFrame reads the id and message indexes with sr's decoder.
func parseFrame(b []byte) (int, []int, error) {
	var h sr.ConfluentHeader
	id, rest, err := h.DecodeID(b)
	if err != nil {
		return 0, nil, err
	}
	idx, _, err := h.DecodeIndex(rest, 8)
	return id, idx, err
}

// checkColumns compares an answer's columns ("name TYPE") with want.
func checkColumns(t *testing.T, a sqlAnswer, want []string) {
	t.Helper()
	var got []string
	for _, col := range a.Columns {
		got = append(got, col.Name+" "+col.Type)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("columns:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkProtoOrders checks counts, aggregates and single rows of
// proto_orders against the orders produced (whatever else the table holds
// has a NULL id).
func checkProtoOrders(t *testing.T, n *node, produced []protoOrder) {
	t.Helper()
	var (
		amount                 float64
		gifts, mains, tagCount int64
		lineCount, deltaSum    int64
		qtyPrice               float64
		idSum, bigSum          big.Int
		perStatus              = map[string]int64{}
		perCustomer            = map[string]float64{}
		tokenBytes             int64
		mainQty                int64
		clicks, clickN, views  int64
		created, createdN      int64
		scoreN, scoreSum       int64
		notes, emptyNotes      int64
		budgets, budgetSum     int64
		cards, vouchers, vSum  int64
	)
	for _, o := range produced {
		amount += o.amount
		if o.gift {
			gifts++
		}
		idSum.Add(&idSum, big.NewInt(o.id))
		bigSum.Add(&bigSum, new(big.Int).SetUint64(o.big))
		perStatus[protoStatuses[o.status]]++
		perCustomer[o.customer] += o.amount
		tokenBytes += int64(len(o.token))
		lineCount += int64(len(o.lines))
		for _, l := range o.lines {
			qtyPrice += float64(l.qty) * l.price
		}
		tagCount += int64(len(o.tags))
		if o.main != nil {
			mains++
			mainQty += int64(o.main.qty)
		}
		deltaSum += o.delta
		if c, ok := o.counters["clicks"]; ok {
			clicks += c
			clickN++
		}
		views += o.counters["views"]
		if o.created != nil {
			created += millis(o.created)
			createdN++
		}
		for _, v := range o.scores {
			scoreN++
			scoreSum += v
		}
		if o.note != nil {
			notes++
			if *o.note == "" {
				emptyNotes++
			}
		}
		if o.budget != nil {
			budgets++
			budgetSum += *o.budget
		}
		if o.card != nil {
			cards++
		}
		if o.voucher != nil {
			vouchers++
			vSum += *o.voucher
		}
	}
	a := n.sqlOK(`SELECT COUNT(id), SUM(amount), COUNT(*) FILTER (WHERE gift), SUM(id)::VARCHAR, SUM(big)::VARCHAR,
		SUM(octet_length(token)), SUM(len(lines)), SUM(len(tags)), COUNT(main), SUM(main.qty), SUM(delta),
		SUM(counters.clicks), COUNT(counters.clicks), SUM(counters.views),
		SUM(created), COUNT(created), SUM(len(scores)), SUM(list_sum(scores)), COUNT(note), COUNT(*) FILTER (WHERE note = ''),
		COUNT(budget), SUM(budget), COUNT(card), COUNT(voucher), SUM(voucher), COUNT(*) FILTER (WHERE card IS NOT NULL AND voucher IS NOT NULL)
		FROM proto_orders WHERE id IS NOT NULL`)
	r := a.Rows[0]
	want := []any{float64(len(produced)), amount, float64(gifts), idSum.String(), bigSum.String(),
		float64(tokenBytes), float64(lineCount), float64(tagCount), float64(mains), float64(mainQty), float64(deltaSum),
		float64(clicks), float64(clickN), float64(views),
		float64(created), float64(createdN), float64(scoreN), float64(scoreSum), float64(notes), float64(emptyNotes),
		float64(budgets), float64(budgetSum), float64(cards), float64(vouchers), float64(vSum), float64(0)}
	for i := range want {
		if !sameNumber(r[i], want[i]) {
			t.Errorf("aggregate %d of %s: %v, want %v", i, strings.Join(strings.Fields(`COUNT(id) SUM(amount) gifts SUM(id) SUM(big)
				token-bytes lines tags COUNT(main) SUM(main.qty) SUM(delta) clicks clicks-count views
				SUM(created) COUNT(created) scores SUM(scores) notes empty-notes budgets SUM(budget) cards vouchers SUM(voucher)
				card-and-voucher`), ","), r[i], want[i])
		}
	}
	a = n.sqlOK("SELECT SUM(l.qty * l.price) FROM (SELECT unnest(lines) AS l FROM proto_orders)")
	if got := a.Rows[0][0]; !sameNumber(got, qtyPrice) {
		t.Errorf("SUM(qty * price) over the lines: %v, want %v", got, qtyPrice)
	}
	a = n.sqlOK("SELECT status, COUNT(*) FROM proto_orders WHERE id IS NOT NULL GROUP BY status ORDER BY status")
	got := map[string]any{}
	for _, r := range a.Rows {
		got[fmt.Sprint(r[0])] = r[1]
	}
	wantStatus := map[string]any{}
	for k, v := range perStatus {
		wantStatus[k] = float64(v)
	}
	if fmt.Sprint(got) != fmt.Sprint(wantStatus) {
		t.Errorf("orders per status: %v, want %v", got, wantStatus)
	}
	a = n.sqlOK("SELECT customer, SUM(amount) FROM proto_orders WHERE id IS NOT NULL GROUP BY customer ORDER BY customer")
	if len(a.Rows) != len(perCustomer) {
		t.Errorf("customers: %v, want %d", a.Rows, len(perCustomer))
	}
	for _, r := range a.Rows {
		if w, ok := perCustomer[fmt.Sprint(r[0])]; !ok || !sameNumber(r[1], w) {
			t.Errorf("customer %q: SUM(amount) %v, want %v", r[0], r[1], w)
		}
	}
	// One row, every field, the id as text (it is past 2^53).
	for _, i := range []int{0, 1, 7, len(produced) - 1} {
		o := produced[i]
		a = n.sqlOK(`SELECT id::VARCHAR, customer, amount, gift, token, status, to_json(lines)::VARCHAR, to_json(tags)::VARCHAR,
			to_json(main)::VARCHAR, delta::VARCHAR, big::VARCHAR, _key, to_json(counters)::VARCHAR, created::VARCHAR,
			to_json(scores)::VARCHAR, note, budget::VARCHAR, card, voucher::VARCHAR FROM proto_orders WHERE id = $1`, o.id)
		if len(a.Rows) != 1 {
			t.Errorf("order %d: %d rows", i, len(a.Rows))
			continue
		}
		lines, _ := json.Marshal(linesJSON(o.lines))
		tags, _ := json.Marshal(o.tags)
		if o.tags == nil {
			tags = []byte("[]")
		}
		var mainJSON any // NULL: a message field absent on the wire
		if o.main != nil {
			b, _ := json.Marshal(linesJSON([]protoLine{*o.main})[0])
			mainJSON = string(b)
		}
		counters := fmt.Sprintf(`{"views":%d}`, o.counters["views"])
		if c, ok := o.counters["clicks"]; ok {
			counters = fmt.Sprintf(`{"clicks":%d,"views":%d}`, c, o.counters["views"])
		} else {
			counters = fmt.Sprintf(`{"clicks":null,"views":%d}`, o.counters["views"])
		}
		var created any
		if o.created != nil {
			created = strconv.FormatInt(millis(o.created), 10)
		}
		scores, _ := json.Marshal(o.scores)
		if o.scores == nil {
			scores = []byte("[]")
		}
		want := []any{strconv.FormatInt(o.id, 10), o.customer, o.amount, o.gift, base64.StdEncoding.EncodeToString(o.token),
			protoStatuses[o.status], string(lines), string(tags), mainJSON, strconv.FormatInt(o.delta, 10),
			strconv.FormatUint(o.big, 10), strconv.Itoa(i), counters, created, string(scores),
			orNull(o.note), decimalOrNull(o.budget), orNull(o.card), decimalOrNull(o.voucher)}
		for j := range want {
			if g := a.Rows[0][j]; fmt.Sprint(g) != fmt.Sprint(want[j]) {
				t.Errorf("order %d column %d (%s): %v, want %v", i, j, a.Columns[j].Name, g, want[j])
			}
		}
	}
}

// lineJSON is a Line as DuckDB's to_json writes it: fields in the
// schema's order.
type lineJSON struct {
	Sku   string  `json:"sku"`
	Qty   int32   `json:"qty"`
	Price float64 `json:"price"`
}

func linesJSON(lines []protoLine) []lineJSON {
	out := []lineJSON{}
	for _, l := range lines {
		out = append(out, lineJSON{l.sku, l.qty, l.price})
	}
	return out
}

// sameNumber compares an answer's value with a wanted one: numbers as
// float64, 128-bit results as their decimal text.
func sameNumber(got, want any) bool {
	if w, ok := want.(float64); ok {
		g, ok := got.(float64)
		return ok && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

var undecodableSeries = regexp.MustCompile(`(?m)^chronik_indexing_undecodable_records_total\{partition="(\d+)",topic="([^"]+)"\} (\d+)$`)

// checkIndexing checks that the pipeline counted want undecodable values
// of topic, in /admin/status and on /metrics, that it has no lag left and
// that some of the topic's records are durable (in Parquet files).
func checkIndexing(t *testing.T, n *node, topic string, want int64) {
	t.Helper()
	_, body := httpGet(t, n.unifiedURL()+"/admin/status")
	var st struct {
		Indexing []struct {
			Topic       string `json:"topic"`
			Undecodable int64  `json:"undecodable_records"`
			LagRecords  int64  `json:"lag_records"`
			Durable     int64  `json:"durable_offset"`
		} `json:"indexing"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/admin/status: %v: %.300s", err, body)
	}
	var status, lag, durable int64
	for _, p := range st.Indexing {
		if p.Topic == topic {
			status += p.Undecodable
			lag += p.LagRecords
			durable += p.Durable
		}
	}
	if durable == 0 {
		t.Errorf("no record of %s is durable: nothing was read from Parquet files", topic)
	}
	t.Logf("%s: records below the durable offsets (in Parquet files): %d", topic, durable)
	_, body = httpGet(t, n.unifiedURL()+"/metrics")
	var metrics int64
	for _, m := range undecodableSeries.FindAllStringSubmatch(string(body), -1) {
		if m[2] == topic {
			v, _ := strconv.ParseInt(m[3], 10, 64)
			metrics += v
		}
	}
	if status != want || metrics != want || lag != 0 {
		t.Errorf("undecodable values of %s: /admin/status %d, /metrics %d, want %d (lag %d, want 0)", topic, status, metrics, want, lag)
	}
}

// checkWatermarks checks that a COUNT(*) answer's watermarks are the
// topic's high watermarks and cover total records.
func checkWatermarks(t *testing.T, n *node, topic string, total int64) {
	t.Helper()
	offs, err := n.admin().ListEndOffsets(ctx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	a := n.sqlOK("SELECT COUNT(*) FROM " + topic)
	var covered int64
	offs.Each(func(o kadm.ListedOffset) {
		got, ok := a.Watermarks[topic][strconv.Itoa(int(o.Partition))]
		if !ok || got != o.Offset {
			t.Errorf("watermark of %s-%d = %d (present %v), high watermark %d", topic, o.Partition, got, ok, o.Offset)
		}
		covered += got
	})
	if covered != total || a.Rows[0][0] != float64(total) {
		t.Errorf("watermarks of %s cover %d records and COUNT(*) is %v, want %d", topic, covered, a.Rows[0][0], total)
	}
}

// millis is a Timestamp as the node maps it: milliseconds since the epoch,
// rounded down.
func millis(ts *timestamppb.Timestamp) int64 {
	return ts.Seconds*1000 + int64(ts.Nanos)/1_000_000
}

// orNull is *p, or nil (NULL).
func orNull[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// decimalOrNull is *p in decimal, or nil (NULL).
func decimalOrNull(p *int64) any {
	if p == nil {
		return nil
	}
	return strconv.FormatInt(*p, 10)
}
