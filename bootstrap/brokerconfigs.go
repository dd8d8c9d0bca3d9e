package bootstrap

import (
	"net"
	"strconv"

	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/domain/topic"
)

// brokerConfigs lists the broker settings DescribeConfigs reports, under
// Kafka's names, with the values this node runs with: a setting the
// operator changed from Chronik's default is STATIC_BROKER_CONFIG, any other
// DEFAULT_CONFIG. None can be changed at run time (all are read-only).
// Kafka's log.* defaults for topics are the topic defaults of domain/topic.
// The listener entries are completed by kafkawire with the address it
// actually listens on.
func brokerConfigs(c Config) []kafkawire.BrokerConfig {
	d := Defaults()
	itoa := strconv.Itoa
	var out []kafkawire.BrokerConfig
	add := func(name, typ, value, def, doc string) {
		out = append(out, kafkawire.BrokerConfig{Name: name, Type: typ, Value: value, Default: def, Set: value != def, Doc: doc})
	}
	// fixed adds a setting whose value is always its default.
	fixed := func(name, typ, value, doc string) { add(name, typ, value, value, doc) }
	topicDefault := func(name, typ, key, doc string) {
		v, _ := topic.Default(key)
		fixed(name, typ, v, doc)
	}
	retentionMs, segmentMs := topic.Topic{}.Int64(topic.RetentionMs), topic.Topic{}.Int64(topic.SegmentMs)
	node := itoa(c.NodeID)
	add("broker.id", "int", node, itoa(d.NodeID), "This broker's id (CHRONIK_NODE_ID).")
	add("node.id", "int", node, itoa(d.NodeID), "This node's id; the same as broker.id.")
	listener := "PLAINTEXT://" + net.JoinHostPort(c.BindAddr, itoa(c.KafkaPort))
	add("listeners", "string", listener, "PLAINTEXT://"+net.JoinHostPort(d.BindAddr, itoa(d.KafkaPort)),
		"The address the Kafka listener binds (CHRONIK_BIND_ADDR, CHRONIK_KAFKA_PORT).")
	adv := "PLAINTEXT://" + net.JoinHostPort(c.AdvertisedAddr, itoa(c.AdvertisedPort))
	advDefault := adv
	if c.advertisedSet {
		advDefault = ""
	}
	add("advertised.listeners", "string", adv, advDefault,
		"The address clients are told to connect to (CHRONIK_ADVERTISED_ADDR, CHRONIK_ADVERTISED_PORT, --advertise).")
	fixed("listener.security.protocol.map", "string", "PLAINTEXT:PLAINTEXT", "Security protocol of each listener; the Kafka listener speaks plaintext.")
	add("log.dirs", "string", c.DataDir, d.DataDir, "The data directory (CHRONIK_DATA_DIR, --data-dir).")
	add("auto.create.topics.enable", "boolean", strconv.FormatBool(c.AutoCreateTopics), strconv.FormatBool(d.AutoCreateTopics),
		"Whether a Metadata request for an unknown topic creates it (CHRONIK_AUTO_CREATE_TOPICS).")
	fixed("delete.topic.enable", "boolean", "true", "Whether topics can be deleted; always true.")
	add("num.partitions", "int", itoa(c.DefaultPartitions), itoa(d.DefaultPartitions),
		"Partitions of a topic created without a count (CHRONIK_DEFAULT_PARTITIONS).")
	fixed("default.replication.factor", "int", "1", "Replication factor of new topics; 1 on a single node.")
	fixed("min.insync.replicas", "int", "1", "Replicas that must acknowledge an acks=all write; 1 on a single node.")
	fixed("unclean.leader.election.enable", "boolean", "false", "Whether an out-of-sync replica may become leader; never.")
	add("socket.request.max.bytes", "int", strconv.FormatInt(c.maxRequestBytes, 10), strconv.FormatInt(mustSize(d.MaxRequestBytes), 10),
		"Largest request frame accepted (CHRONIK_MAX_REQUEST_SIZE).")
	add("max.connections", "int", itoa(c.MaxConnections), itoa(d.MaxConnections),
		"Kafka connections open at once; more are closed unread (CHRONIK_MAX_CONNECTIONS).")
	add("max.connections.per.ip", "int", itoa(c.MaxConnectionsPerIP), itoa(d.MaxConnectionsPerIP),
		"Kafka connections open at once from one address (CHRONIK_MAX_CONNECTIONS_PER_IP).")
	add("connections.max.idle.ms", "long", itoa(c.ConnectionsMaxIdleMs), itoa(d.ConnectionsMaxIdleMs),
		"A connection idle this long is closed (CHRONIK_CONNECTIONS_MAX_IDLE_MS).")
	add("fetch.max.bytes", "int", strconv.FormatInt(c.fetchMaxBytes, 10), strconv.FormatInt(mustSize(d.FetchMaxBytes), 10),
		"Largest fetch response, whatever the client asks; the first batch is always returned whole (CHRONIK_FETCH_MAX_BYTES).")
	topicDefault("message.max.bytes", "int", topic.MaxMessageBytes, "Largest record batch a topic accepts unless its max.message.bytes says otherwise.")
	topicDefault("log.retention.ms", "long", topic.RetentionMs, "How long records are kept unless a topic's retention.ms says otherwise; -1 keeps them forever.")
	fixed("log.retention.minutes", "int", itoa(int(retentionMs/60000)), "log.retention.ms in minutes.")
	fixed("log.retention.hours", "int", itoa(int(retentionMs/3600000)), "log.retention.ms in hours.")
	topicDefault("log.retention.bytes", "long", topic.RetentionBytes, "Bytes kept per partition unless a topic's retention.bytes says otherwise; -1 is no limit.")
	topicDefault("log.segment.bytes", "int", topic.SegmentBytes, "Size at which a partition's active segment is rolled unless a topic's segment.bytes says otherwise.")
	topicDefault("log.roll.ms", "long", topic.SegmentMs, "Age at which a partition's active segment is rolled unless a topic's segment.ms says otherwise.")
	fixed("log.roll.hours", "int", itoa(int(segmentMs/3600000)), "log.roll.ms in hours.")
	topicDefault("log.cleanup.policy", "list", topic.CleanupPolicy, "Cleanup policy of topics that do not set cleanup.policy.")
	topicDefault("log.message.timestamp.type", "string", topic.MessageTimestampType, "Timestamp type of topics that do not set message.timestamp.type.")
	topicDefault("log.local.retention.ms", "long", topic.LocalRetentionMs, "How long tiered records stay on local disk unless a topic's local.retention.ms says otherwise; -2 follows log.retention.ms.")
	topicDefault("log.local.retention.bytes", "long", topic.LocalRetentionBytes, "Bytes of tiered records kept on local disk per partition unless a topic's local.retention.bytes says otherwise; -2 follows log.retention.bytes.")
	topicDefault("compression.type", "string", "compression.type", "Compression of topics that do not set compression.type; producer keeps what the producer sent.")
	add("group.initial.rebalance.delay.ms", "int", itoa(c.GroupInitialRebalanceDelayMs), itoa(d.GroupInitialRebalanceDelayMs),
		"How long the first rebalance of an empty classic group waits for more members (CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS).")
	add("group.min.session.timeout.ms", "int", itoa(c.GroupMinSessionTimeoutMs), itoa(d.GroupMinSessionTimeoutMs),
		"Shortest session timeout a classic group member may ask for (CHRONIK_GROUP_MIN_SESSION_TIMEOUT_MS).")
	add("group.max.session.timeout.ms", "int", itoa(c.GroupMaxSessionTimeoutMs), itoa(d.GroupMaxSessionTimeoutMs),
		"Longest session timeout a classic group member may ask for (CHRONIK_GROUP_MAX_SESSION_TIMEOUT_MS).")
	add("group.max.size", "int", itoa(c.GroupMaxSize), itoa(d.GroupMaxSize),
		"Most members of one classic group, counting member ids handed out and not yet used (CHRONIK_GROUP_MAX_SIZE).")
	add("group.member.metadata.max.bytes", "int", itoa(c.GroupMemberMaxBytes), itoa(d.GroupMemberMaxBytes),
		"Largest protocol metadata and assignment of one classic group member, and largest subscription of one consumer group member (CHRONIK_GROUP_MEMBER_METADATA_MAX_BYTES); Chronik's own setting.")
	add("group.consumer.session.timeout.ms", "int", itoa(c.GroupConsumerSessionTimeoutMs), itoa(d.GroupConsumerSessionTimeoutMs),
		"Session timeout of consumer group (KIP-848) members (CHRONIK_GROUP_CONSUMER_SESSION_TIMEOUT_MS).")
	add("group.consumer.heartbeat.interval.ms", "int", itoa(c.GroupConsumerHeartbeatIntervalMs), itoa(d.GroupConsumerHeartbeatIntervalMs),
		"Heartbeat interval of consumer group (KIP-848) members (CHRONIK_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS).")
	add("group.consumer.max.size", "int", itoa(c.GroupConsumerMaxSize), itoa(d.GroupConsumerMaxSize),
		"Most members of one consumer group (KIP-848) (CHRONIK_GROUP_CONSUMER_MAX_SIZE).")
	add("offsets.retention.minutes", "int", itoa(c.OffsetsRetentionMinutes), itoa(d.OffsetsRetentionMinutes),
		"How long an empty group's committed offsets are kept (CHRONIK_OFFSETS_RETENTION_MINUTES).")
	add("offset.metadata.max.bytes", "int", itoa(c.OffsetMetadataMaxBytes), itoa(d.OffsetMetadataMaxBytes),
		"Longest metadata a committed offset may carry (CHRONIK_OFFSET_METADATA_MAX_BYTES).")
	return out
}

// mustSize reads a size known to be valid (a default).
func mustSize(s string) int64 {
	n, _ := ParseSize(s)
	return n
}
