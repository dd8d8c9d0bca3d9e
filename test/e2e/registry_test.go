package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// registryClient is a franz-go registry client of the unified port that
// authenticates its writes the way Confluent's serializers can: the admin
// key as a Basic password (basic.auth.user.info=e2e:<key>).
func registryClient(t *testing.T, n *node) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(n.unifiedURL()), sr.BasicAuth("e2e", n.adminKey()))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestRegistryLevels registers two versions under each compatibility level
// and checks two candidates against them with franz-go's registry client:
//
//	v1      {id long}
//	v2      {id long, a int = 0}
//	needsA  {id long, a int}        reads v2's data, not v1's (no a, no default)
//	newB    {id long, b string}     nobody's data has b; v1 and v2 read its data
func TestRegistryLevels(t *testing.T) {
	n := startNode(t, "", nil)
	cl := registryClient(t, n)
	c := ctx(t)
	record := func(fields string) sr.Schema {
		return sr.Schema{Schema: `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"}` + fields + `]}`}
	}
	v1, v2 := record(""), record(`,{"name":"a","type":"int","default":0}`)
	needsA, newB := record(`,{"name":"a","type":"int"}`), record(`,{"name":"b","type":"string"}`)
	for _, tc := range []struct {
		level        sr.CompatibilityLevel
		needsA, newB bool
	}{
		{sr.CompatNone, true, true},
		{sr.CompatBackward, true, false},
		{sr.CompatBackwardTransitive, false, false},
		{sr.CompatForward, true, true},
		{sr.CompatForwardTransitive, true, true},
		{sr.CompatFull, true, false},
		{sr.CompatFullTransitive, false, false},
	} {
		subject := "levels-" + tc.level.String()
		if res := cl.SetCompatibility(c, sr.SetCompatibility{Level: tc.level}, subject); res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
		for _, s := range []sr.Schema{v1, v2} {
			if _, err := cl.CreateSchema(c, subject, s); err != nil {
				t.Fatalf("%s: registering a compatible version: %v", tc.level, err)
			}
		}
		for _, cand := range []struct {
			name   string
			schema sr.Schema
			want   bool
		}{{"needsA", needsA, tc.needsA}, {"newB", newB, tc.newB}} {
			res, err := cl.CheckCompatibility(sr.WithParams(c, sr.Verbose), subject, -2, cand.schema)
			if err != nil {
				t.Fatal(err)
			}
			if res.Is != cand.want || (!res.Is && len(res.Messages) == 0) {
				t.Errorf("%s, %s: compatible=%v (%v), want %v", tc.level, cand.name, res.Is, res.Messages, cand.want)
			}
			_, err = cl.CreateSchema(c, subject, cand.schema)
			var re *sr.ResponseError
			switch {
			case cand.want && err != nil:
				t.Errorf("%s, %s: registering: %v", tc.level, cand.name, err)
			case !cand.want && (!errors.As(err, &re) || re.ErrorCode != 409):
				t.Errorf("%s, %s: registering an incompatible schema: %v, want error 409", tc.level, cand.name, err)
			case cand.want:
				// Delete it again so the next candidate meets v1 and v2 only.
				versions, _ := cl.SubjectVersions(c, subject)
				last := versions[len(versions)-1]
				if err := cl.DeleteSchema(c, subject, last, sr.SoftDelete); err != nil {
					t.Fatal(err)
				}
				if err := cl.DeleteSchema(c, subject, last, sr.HardDelete); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

type order struct {
	ID   int64  `avro:"id"`
	Note string `avro:"note"`
}

// TestAvroSerdeRoundTrip produces Avro records framed by franz-go's serde
// (magic byte, schema id) to a topic that validates values against the
// registry, and reads them back; an unframed value is refused.
func TestAvroSerdeRoundTrip(t *testing.T) {
	n := startNode(t, "", nil)
	c := ctx(t)
	text := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""}]}`
	registered, err := registryClient(t, n).CreateSchema(c, "avro-orders-value", sr.Schema{Schema: text})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := avro.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var serde sr.Serde
	serde.Register(registered.ID, order{},
		sr.EncodeFn(func(v any) ([]byte, error) { return avro.Marshal(parsed, v) }),
		sr.DecodeFn(func(b []byte, v any) error { return avro.Unmarshal(parsed, b, v) }))

	createTopic(t, n, "avro-orders", 1, map[string]*string{"confluent.value.schema.validation": kadm.StringPtr("true")})
	p := n.client(kgo.DefaultProduceTopic("avro-orders"), kgo.RecordRetries(1))
	var want []order
	for i := range 20 {
		o := order{ID: int64(i), Note: fmt.Sprintf("order %d", i)}
		want = append(want, o)
		b, err := serde.Encode(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.ProduceSync(c, &kgo.Record{Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	err = p.ProduceSync(c, &kgo.Record{Value: []byte(`{"id": 99}`)}).FirstErr()
	if !errors.Is(err, kerr.InvalidRecord) {
		t.Fatalf("an unframed value on a validating topic: %v, want INVALID_RECORD", err)
	}
	var got []order
	for _, r := range consumeAll(t, n, "avro-orders", len(want)) {
		var o order
		if err := serde.Decode(r.Value, &o); err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("decoded %v, want %v", got, want)
	}
	if ends, _ := n.admin().ListEndOffsets(context.Background(), "avro-orders"); ends["avro-orders"][0].Offset != 20 {
		t.Fatalf("end offset %d: the refused record was stored", ends["avro-orders"][0].Offset)
	}
}
