package topic

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ErrInvalidConfig is wrapped by every config validation failure.
var ErrInvalidConfig = errors.New("invalid topic config")

// Config keys this broker acts on.
const (
	RetentionMs          = "retention.ms"
	RetentionBytes       = "retention.bytes"
	SegmentBytes         = "segment.bytes"
	SegmentMs            = "segment.ms"
	MaxMessageBytes      = "max.message.bytes"
	CleanupPolicy        = "cleanup.policy"
	MessageTimestampType = "message.timestamp.type"
	MinInsyncReplicas    = "min.insync.replicas"
	LocalRetentionMs     = "local.retention.ms"
	LocalRetentionBytes  = "local.retention.bytes"
)

type kind int

const (
	kindLong kind = iota
	kindInt
	kindString
	kindBool
	kindList
)

type spec struct {
	def   string
	kind  kind
	min   int64
	valid func(string) error // extra check for strings
	doc   string             // one sentence for DescribeConfigs' documentation
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

func cleanupPolicies(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "delete" && p != "compact" {
			return fmt.Errorf("%q is not a cleanup policy (delete, compact)", p)
		}
	}
	return nil
}

// specs lists every topic config key accepted, with Kafka's defaults. Keys that
// this broker does not act on yet are still accepted and stored so that tools
// which set them keep working.
var specs = map[string]spec{
	RetentionMs:          {def: "604800000", kind: kindLong, min: -1, doc: "How long records are kept before their segment may be deleted; -1 keeps them forever."},
	RetentionBytes:       {def: "-1", kind: kindLong, min: -1, doc: "Bytes kept per partition before the oldest segments may be deleted; -1 is no limit."},
	SegmentBytes:         {def: "1073741824", kind: kindInt, min: 14, doc: "Size at which the active segment is closed and a new one started."},
	SegmentMs:            {def: "604800000", kind: kindLong, min: 1, doc: "Age at which the active segment is closed and a new one started."},
	MaxMessageBytes:      {def: "1048588", kind: kindInt, min: 0, doc: "Largest record batch accepted, after compression."},
	CleanupPolicy:        {def: "delete", kind: kindList, valid: cleanupPolicies, doc: "delete drops old segments by retention; compact keeps the last record per key."},
	MessageTimestampType: {def: "CreateTime", kind: kindString, valid: oneOf("CreateTime", "LogAppendTime"), doc: "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the broker's clock."},
	MinInsyncReplicas:    {def: "1", kind: kindInt, min: 1, doc: "Replicas that must acknowledge an acks=all write; 1 on a single node."},
	LocalRetentionMs:     {def: "-2", kind: kindLong, min: -2, doc: "How long tiered records stay on local disk; -2 follows retention.ms."},
	LocalRetentionBytes:  {def: "-2", kind: kindLong, min: -2, doc: "Bytes of tiered records kept on local disk per partition; -2 follows retention.bytes."},

	"compression.type":                        {def: "producer", kind: kindString, valid: oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), doc: "Compression of stored batches; producer keeps what the producer sent."},
	"delete.retention.ms":                     {def: "86400000", kind: kindLong, min: 0, doc: "How long delete markers of a compacted topic are kept."},
	"file.delete.delay.ms":                    {def: "60000", kind: kindLong, min: 0, doc: "Delay before a deleted segment's file is removed."},
	"flush.messages":                          {def: "9223372036854775807", kind: kindLong, min: 1, doc: "Records between forced flushes; accepted for compatibility (the WAL decides durability)."},
	"flush.ms":                                {def: "9223372036854775807", kind: kindLong, min: 0, doc: "Time between forced flushes; accepted for compatibility (the WAL decides durability)."},
	"index.interval.bytes":                    {def: "4096", kind: kindInt, min: 0, doc: "Bytes between offset index entries."},
	"max.compaction.lag.ms":                   {def: "9223372036854775807", kind: kindLong, min: 1, doc: "Longest time a record may stay uncompacted."},
	"min.cleanable.dirty.ratio":               {def: "0.5", kind: kindString, doc: "Share of uncompacted log that makes a partition eligible for compaction."},
	"min.compaction.lag.ms":                   {def: "0", kind: kindLong, min: 0, doc: "Shortest time a record stays uncompacted."},
	"message.downconversion.enable":           {def: "true", kind: kindBool, doc: "Whether fetches by old clients are converted to their message format."},
	"message.timestamp.difference.max.ms":     {def: "9223372036854775807", kind: kindLong, min: 0, doc: "Largest allowed difference between a record's timestamp and the broker's clock."},
	"message.timestamp.before.max.ms":         {def: "9223372036854775807", kind: kindLong, min: 0, doc: "How far in the past a record's timestamp may be."},
	"message.timestamp.after.max.ms":          {def: "9223372036854775807", kind: kindLong, min: 0, doc: "How far in the future a record's timestamp may be."},
	"preallocate":                             {def: "false", kind: kindBool, doc: "Whether segment files are preallocated; accepted for compatibility."},
	"segment.index.bytes":                     {def: "10485760", kind: kindInt, min: 4, doc: "Size of a segment's offset index."},
	"segment.jitter.ms":                       {def: "0", kind: kindLong, min: 0, doc: "Random jitter subtracted from segment.ms."},
	"unclean.leader.election.enable":          {def: "false", kind: kindBool, doc: "Whether an out-of-sync replica may become leader; never on a single node."},
	"remote.storage.enable":                   {def: "false", kind: kindBool, doc: "Whether the topic is tiered; every topic is tiered to the object store."},
	"confluent.value.schema.validation":       {def: "false", kind: kindBool, doc: "Whether produced values must carry the id of a registered schema."},
	"confluent.key.schema.validation":         {def: "false", kind: kindBool, doc: "Whether produced keys must carry the id of a registered schema."},
	"message.format.version":                  {def: "3.0-IV1", kind: kindString, doc: "Message format version; accepted for compatibility."},
	"follower.replication.throttled.replicas": {def: "", kind: kindString, doc: "Replicas throttled when followers replicate; accepted for compatibility."},
	"leader.replication.throttled.replicas":   {def: "", kind: kindString, doc: "Replicas throttled when leaders serve replication; accepted for compatibility."},
}

// extensions are Chronik's own topic configs, for the query sinks
// (columnar storage and SQL, full-text search, vector search). Only these
// keys and values are accepted under the extension prefixes; they are
// reported by DescribeConfigs when set on a topic, not among Kafka's keys.
var extensions = map[string]spec{
	"columnar.enabled":      {def: "false", kind: kindBool, doc: "Whether records are also stored as columns for SQL queries."},
	"columnar.format":       {def: "parquet", kind: kindString, valid: oneOf("parquet", "arrow"), doc: "Columnar file format: parquet or arrow."},
	"columnar.compression":  {def: "zstd", kind: kindString, valid: oneOf("zstd", "snappy", "lz4", "none"), doc: "Compression of columnar files: zstd, snappy, lz4 or none."},
	"columnar.partitioning": {def: "daily", kind: kindString, valid: oneOf("none", "hourly", "daily"), doc: "Time partitioning of columnar files: none, hourly or daily."},

	"search.enabled":  {def: "false", kind: kindBool, doc: "Whether records are indexed for full-text search."},
	"search.fields":   {def: "", kind: kindString, valid: searchFields, doc: "Comma-separated fields of the value to index (dotted paths; a path indexes what is under it); empty for all."},
	"search.mapping":  {def: "", kind: kindString, valid: searchMapping, doc: `Field types overriding the dynamic mapping, as JSON: {"field": {"type": "keyword"}, "body": {"type": "text", "analyzer": "english"}}.`},
	"search.analyzer": {def: "standard", kind: kindString, valid: oneOf(SearchAnalyzers...), doc: "Analyzer of text fields without one in search.mapping."},

	"vector.enabled":            {def: "false", kind: kindBool, doc: "Whether records are embedded and indexed for vector search."},
	"vector.embedding.provider": {def: "openai", kind: kindString, valid: oneOf("openai", "external", "local"), doc: "Where embeddings come from: openai, external or local."},
	"vector.embedding.model":    {def: "text-embedding-3-small", kind: kindString, valid: modelName, doc: "Name of the embedding model."},
	"vector.field":              {def: "value", kind: kindString, valid: vectorField, doc: "What is embedded: value, key, or a JSON path into the value such as $.text."},
	"vector.index.metric":       {def: "cosine", kind: kindString, valid: oneOf("cosine", "euclidean", "dot"), doc: "Distance of the vector index: cosine, euclidean or dot."},
}

// extensionPrefixes are the namespaces of extensions: an unknown key under
// one is refused with the list of known keys there.
var extensionPrefixes = []string{"columnar.", "vector.", "search."}

// maxExtensionValue bounds free-form extension values (model names, JSON
// paths): they are stored with the topic and read on every lookup.
const maxExtensionValue = 256

func modelName(v string) error {
	if v == "" || len(v) > maxExtensionValue {
		return fmt.Errorf("must be 1 to %d characters", maxExtensionValue)
	}
	for _, c := range v {
		if c <= ' ' || c > '~' {
			return fmt.Errorf("must be printable ASCII without spaces")
		}
	}
	return nil
}

// vectorField is value, key, or a JSON path into the value ($.a.b).
func vectorField(v string) error {
	if v == "value" || v == "key" {
		return nil
	}
	if !strings.HasPrefix(v, "$.") || len(v) < 3 {
		return fmt.Errorf("must be value, key or a JSON path such as $.text")
	}
	return modelName(v)
}

// lookup returns the spec of a Kafka or extension key.
func lookup(key string) (spec, bool) {
	if s, ok := specs[key]; ok {
		return s, true
	}
	s, ok := extensions[key]
	return s, ok
}

// extensionKeys lists the known keys under prefix, sorted.
func extensionKeys(prefix string) []string {
	var keys []string
	for k := range extensions {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Keys lists every known key, sorted.
func Keys() []string { return slices.Sorted(maps.Keys(specs)) }

// Default returns the default value of a known key.
func Default(key string) (string, bool) {
	s, ok := lookup(key)
	return s.def, ok
}

// Doc is a known key's one-sentence documentation.
func Doc(key string) string {
	s, _ := lookup(key)
	return s.doc
}

// IsSensitive reports whether a config value must not be shown. None are today.
func IsSensitive(string) bool { return false }

// ValidateConfig checks one key and value. A nil value means "reset to default".
func ValidateConfig(key string, value *string) error {
	s, ok := lookup(key)
	if !ok {
		for _, p := range extensionPrefixes {
			if hasPrefixFold(key, p) {
				if value == nil {
					return nil // deleting a key stored before keys were checked
				}
				return fmt.Errorf("%w: unknown config %q (known %s* keys: %s)", ErrInvalidConfig, key, p, strings.Join(extensionKeys(p), ", "))
			}
		}
		return fmt.Errorf("%w: unknown config %q", ErrInvalidConfig, key)
	}
	if value == nil {
		return nil
	}
	v := *value
	switch s.kind {
	case kindLong, kindInt:
		bits := 64
		if s.kind == kindInt {
			bits = 32
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
		if err != nil {
			return fmt.Errorf("%w: %s=%q is not a %d-bit integer", ErrInvalidConfig, key, v, bits)
		}
		if n < s.min {
			return fmt.Errorf("%w: %s=%d is below the minimum %d", ErrInvalidConfig, key, n, s.min)
		}
	case kindBool:
		if v != "true" && v != "false" {
			return fmt.Errorf("%w: %s=%q must be true or false", ErrInvalidConfig, key, v)
		}
	}
	if s.valid != nil {
		if err := s.valid(v); err != nil {
			return fmt.Errorf("%w: %s=%q: %v", ErrInvalidConfig, key, v, err)
		}
	}
	return nil
}

// ValidateConfigs checks a whole set of explicitly set configs.
func ValidateConfigs(configs map[string]string) error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		v := configs[k]
		if err := ValidateConfig(k, &v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Value returns the effective value of key for t: set explicitly, else the default.
func (t Topic) Value(key string) (value string, explicit bool) {
	if v, ok := t.Configs[key]; ok {
		return v, true
	}
	d, _ := Default(key)
	return d, false
}

// Int64 returns the effective numeric value of key, or def when it is not numeric.
func (t Topic) Int64(key string) int64 {
	v, _ := t.Value(key)
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		d, _ := Default(key)
		n, _ = strconv.ParseInt(d, 10, 64)
	}
	return n
}

// LogAppendTime reports whether the broker stamps batches with its own clock.
func (t Topic) LogAppendTime() bool {
	v, _ := t.Value(MessageTimestampType)
	return v == "LogAppendTime"
}

// Clone returns a deep copy.
func (t Topic) Clone() Topic {
	c := t
	c.Configs = make(map[string]string, len(t.Configs))
	for k, v := range t.Configs {
		c.Configs[k] = v
	}
	return c
}

// Type names a config's value type as Kafka's DescribeConfigs reports it:
// "boolean", "string", "int", "long" or "list".
func Type(key string) string {
	s, ok := lookup(key)
	if !ok {
		return "string"
	}
	return [...]string{kindLong: "long", kindInt: "int", kindString: "string", kindBool: "boolean", kindList: "list"}[s.kind]
}

// ConfigKeys lists every key t has a value for: all of Kafka's keys plus
// the extension keys set on it, sorted.
func (t Topic) ConfigKeys() []string {
	keys := Keys()
	for k := range t.Configs {
		if _, known := specs[k]; !known {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
