package topic

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"orders", true}, {"a.b_c-D9", true}, {strings.Repeat("x", 249), true},
		{"", false}, {".", false}, {"..", false}, {"with space", false}, {"ünicode", false},
		{strings.Repeat("x", 250), false},
	}
	for _, c := range cases {
		err := ValidateName(c.name)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidName)) {
			t.Errorf("ValidateName(%q) = %v", c.name, err)
		}
	}
}

func TestValidateConfig(t *testing.T) {
	v := func(s string) *string { return &s }
	cases := []struct {
		name  string
		key   string
		value *string
		ok    bool
	}{
		{"retention_ms", RetentionMs, v("3600000"), true},
		{"retention_forever", RetentionMs, v("-1"), true},
		{"retention_below_min", RetentionMs, v("-2"), false},
		{"not_a_number", SegmentBytes, v("lots"), false},
		{"int_overflow", SegmentBytes, v("9999999999"), false},
		{"cleanup_both", CleanupPolicy, v("compact,delete"), true},
		{"cleanup_bad", CleanupPolicy, v("shred"), false},
		{"timestamp_type", MessageTimestampType, v("LogAppendTime"), true},
		{"timestamp_type_bad", MessageTimestampType, v("Now"), false},
		{"bool_bad", "preallocate", v("yes"), false},
		{"unknown", "no.such.key", v("1"), false},
		{"columnar_enabled", "columnar.enabled", v("true"), true},
		{"columnar_enabled_bad", "columnar.enabled", v("yes"), false},
		{"columnar_format", "columnar.format", v("arrow"), true},
		{"columnar_format_bad", "columnar.format", v("csv"), false},
		{"columnar_compression_bad", "columnar.compression", v("brotli"), false},
		{"columnar_partitioning", "columnar.partitioning", v("hourly"), true},
		{"columnar_unknown", "columnar.anything", v("x"), false},
		{"search_enabled", "search.enabled", v("false"), true},
		{"search_analyzer_bad", "search.analyzer", v("x"), false},
		{"search_analyzer", "search.analyzer", v("english"), true},
		{"search_unknown", "search.anything", v("x"), false},
		{"search_fields", "search.fields", v("message, user.name"), true},
		{"search_fields_pattern", "search.fields", v("user.*"), false},
		{"search_fields_dots", "search.fields", v("user..name"), false},
		{"search_mapping", "search.mapping", v(`{"level": {"type": "keyword"}, "body": {"type": "text", "analyzer": "english"}, "n": {"type": "integer"}}`), true},
		{"search_mapping_type_bad", "search.mapping", v(`{"level": {"type": "geo_point"}}`), false},
		{"search_mapping_option_bad", "search.mapping", v(`{"level": {"type": "keyword", "doc_values": false}}`), false},
		{"search_mapping_analyzer_on_keyword", "search.mapping", v(`{"level": {"type": "keyword", "analyzer": "simple"}}`), false},
		{"search_mapping_not_json", "search.mapping", v(`level=keyword`), false},
		{"search_mapping_huge", "search.mapping", v(`{"a": {"type": "keyword"}` + strings.Repeat(" ", 17<<10) + `}`), false},
		{"vector_enabled", "vector.enabled", v("true"), true},
		{"vector_unknown", "vector.model", v("x"), false},
		{"vector_provider_bad", "vector.embedding.provider", v("magic"), false},
		{"vector_model", "vector.embedding.model", v("text-embedding-3-large"), true},
		{"vector_model_spaces", "vector.embedding.model", v("a b"), false},
		{"vector_model_huge", "vector.embedding.model", v(strings.Repeat("m", 257)), false},
		{"vector_field_path", "vector.field", v("$.body.text"), true},
		{"vector_field_bad", "vector.field", v("body"), false},
		{"vector_metric_bad", "vector.index.metric", v("manhattan"), false},
		{"extension_prefix_case", "Columnar.Enabled", v("true"), false},
		{"extension_reset_unknown", "columnar.anything", nil, true},
		{"reset", RetentionMs, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateConfig(c.key, c.value)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
				t.Fatalf("ValidateConfig(%s) = %v", c.key, err)
			}
		})
	}
}

func TestEffectiveValues(t *testing.T) {
	tp := Topic{Configs: map[string]string{RetentionMs: "10"}}
	if tp.Int64(RetentionMs) != 10 || tp.Int64(SegmentBytes) != 1<<30 {
		t.Fatalf("values %d %d", tp.Int64(RetentionMs), tp.Int64(SegmentBytes))
	}
	if _, explicit := tp.Value(SegmentBytes); explicit {
		t.Fatal("default reported as explicit")
	}
	if tp.LogAppendTime() {
		t.Fatal("CreateTime is the default")
	}
	c := tp.Clone()
	c.Configs[RetentionMs] = "20"
	if tp.Configs[RetentionMs] != "10" {
		t.Fatal("Clone shares configs")
	}
}

// Every known key, Kafka's and Chronik's own, has documentation for
// DescribeConfigs and a value type.
func TestEveryConfigIsDocumented(t *testing.T) {
	keys := Keys()
	for k := range extensions {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if Doc(k) == "" {
			t.Errorf("%s has no documentation", k)
		}
		if d, _ := Default(k); ValidateConfig(k, &d) != nil {
			t.Errorf("%s: its default %q does not validate", k, d)
		}
	}
}

func TestPartition(t *testing.T) {
	orders := Topic{Name: "orders", Partitions: 3}
	cases := []struct {
		name  string
		index int32
		ok    bool
	}{
		{"first", 0, true}, {"last", 2, true},
		{"negative", -1, false}, {"one_past_the_end", 3, false}, {"far_past_the_end", 7, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := orders.Partition(c.index)
			if c.ok {
				if err != nil || p != (Partition{Topic: "orders", Index: c.index}) {
					t.Fatalf("Partition(%d) = %v, %v", c.index, p, err)
				}
				return
			}
			if !errors.Is(err, ErrUnknownPartition) {
				t.Fatalf("Partition(%d) error = %v, want ErrUnknownPartition", c.index, err)
			}
		})
	}
	_, err := orders.Partition(7)
	if want := `topic "orders": partition 7 does not exist (topic has 3 partitions)`; err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
}
