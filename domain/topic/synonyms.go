package topic

// brokerKeys names, for each topic config that has one, the broker setting
// that supplies its default in Kafka (its DescribeConfigs synonym).
var brokerKeys = map[string]string{
	RetentionMs:          "log.retention.ms",
	RetentionBytes:       "log.retention.bytes",
	SegmentBytes:         "log.segment.bytes",
	SegmentMs:            "log.roll.ms",
	MaxMessageBytes:      "message.max.bytes",
	CleanupPolicy:        "log.cleanup.policy",
	MessageTimestampType: "log.message.timestamp.type",
	MinInsyncReplicas:    "min.insync.replicas",
	LocalRetentionMs:     "log.local.retention.ms",
	LocalRetentionBytes:  "log.local.retention.bytes",

	"compression.type":                    "compression.type",
	"delete.retention.ms":                 "log.cleaner.delete.retention.ms",
	"file.delete.delay.ms":                "log.segment.delete.delay.ms",
	"flush.messages":                      "log.flush.interval.messages",
	"flush.ms":                            "log.flush.interval.ms",
	"index.interval.bytes":                "log.index.interval.bytes",
	"max.compaction.lag.ms":               "log.cleaner.max.compaction.lag.ms",
	"min.cleanable.dirty.ratio":           "log.cleaner.min.cleanable.ratio",
	"min.compaction.lag.ms":               "log.cleaner.min.compaction.lag.ms",
	"message.downconversion.enable":       "log.message.downconversion.enable",
	"message.timestamp.difference.max.ms": "log.message.timestamp.difference.max.ms",
	"message.timestamp.before.max.ms":     "log.message.timestamp.before.max.ms",
	"message.timestamp.after.max.ms":      "log.message.timestamp.after.max.ms",
	"preallocate":                         "log.preallocate",
	"segment.index.bytes":                 "log.index.size.max.bytes",
	"segment.jitter.ms":                   "log.roll.jitter.ms",
	"unclean.leader.election.enable":      "unclean.leader.election.enable",
	"message.format.version":              "log.message.format.version",
}

// BrokerKey returns the name of the broker setting that gives key its
// default, as Kafka names it among a topic config's synonyms; the key itself
// when there is none (Chronik's own configs).
func BrokerKey(key string) string {
	if b, ok := brokerKeys[key]; ok {
		return b
	}
	return key
}
