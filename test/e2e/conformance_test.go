package e2e

// Where Chronik must answer as Kafka does, checked with franz-go: the
// answers Kafka clients' own test suites rely on.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A transactional producer fails at once with a clear error instead of
// retrying FindCoordinator until its own timeout; idempotent producers on
// the same node keep working.
func TestTransactionalProducerFailsFast(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "txn", 1, nil)
	cl := n.client(kgo.TransactionalID("tx-1"), kgo.DefaultProduceTopic("txn"), kgo.RecordRetries(3))
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := cl.BeginTransaction()
	if err == nil {
		err = cl.ProduceSync(c, &kgo.Record{Value: []byte("x")}).FirstErr()
	}
	took := time.Since(start)
	if !errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
		t.Fatalf("transactional produce: %v after %v, want TRANSACTIONAL_ID_AUTHORIZATION_FAILED", err, took)
	}
	if took > 5*time.Second {
		t.Fatalf("transactional produce failed only after %v", took)
	}

	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorType = 1
	req.CoordinatorKeys = []string{"tx-1"}
	resp, err := req.RequestWith(ctx(t), n.client())
	if err != nil {
		t.Fatal(err)
	}
	co := resp.Coordinators[0]
	if co.ErrorCode != kerr.TransactionalIDAuthorizationFailed.Code || co.ErrorMessage == nil || !strings.Contains(*co.ErrorMessage, "transactions are not supported") {
		t.Fatalf("FindCoordinator(transaction): code %d, message %v", co.ErrorCode, co.ErrorMessage)
	}

	p := n.client(kgo.DefaultProduceTopic("txn"))
	if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("y")}).FirstErr(); err != nil {
		t.Fatalf("idempotent produce after the refusal: %v", err)
	}
}

// CreateTopics answers as Kafka: INVALID_REQUEST for every entry of a topic
// named twice, INVALID_REPLICA_ASSIGNMENT for an assignment naming unknown
// brokers, INVALID_REQUEST for Kafka's internal topics.
func TestCreateTopicsAnswersAsKafka(t *testing.T) {
	n := startNode(t, "", nil)
	cl := n.client()
	create := func(topics ...kmsg.CreateTopicsRequestTopic) []kmsg.CreateTopicsResponseTopic {
		t.Helper()
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 5000
		req.Topics = topics
		resp, err := req.RequestWith(ctx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Topics
	}
	plain := func(name string) kmsg.CreateTopicsRequestTopic {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, 1, 1
		return rt
	}
	assigned := func(name string, replicas ...[]int32) kmsg.CreateTopicsRequestTopic {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, -1, -1
		for i, r := range replicas {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = int32(i), r
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
		return rt
	}
	want := func(got kmsg.CreateTopicsResponseTopic, code *kerr.Error) {
		t.Helper()
		if got.ErrorCode != code.Code {
			t.Errorf("%s: %v (%v), want %s", got.Topic, kerr.ErrorForCode(got.ErrorCode), deref(got.ErrorMessage), code.Message)
		}
		if code != nil && code.Code != 0 && (got.ErrorMessage == nil || *got.ErrorMessage == "") {
			t.Errorf("%s: no error message", got.Topic)
		}
	}

	out := create(plain("twice"), plain("once"), plain("twice"))
	want(out[0], kerr.InvalidRequest)
	want(out[2], kerr.InvalidRequest)
	if out[1].ErrorCode != 0 {
		t.Errorf("once: %v", kerr.ErrorForCode(out[1].ErrorCode))
	}

	out = create(assigned("elsewhere", []int32{1}, []int32{2}), assigned("empty", []int32{}), assigned("mine", []int32{1}, []int32{1}))
	want(out[0], kerr.InvalidReplicaAssignment)
	want(out[1], kerr.InvalidReplicaAssignment)
	if out[2].ErrorCode != 0 || out[2].NumPartitions != 2 {
		t.Errorf("mine: %v, %d partitions", kerr.ErrorForCode(out[2].ErrorCode), out[2].NumPartitions)
	}

	out = create(plain("__consumer_offsets"), plain("__transaction_state"))
	want(out[0], kerr.InvalidRequest)
	want(out[1], kerr.InvalidRequest)
	details, err := n.admin().ListTopics(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"__consumer_offsets", "__transaction_state", "twice", "elsewhere"} {
		if _, ok := details[name]; ok {
			t.Errorf("%s was created", name)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// OffsetCommit refuses metadata above offset.metadata.max.bytes (4096 by
// default) with OFFSET_METADATA_TOO_LARGE for that partition alone.
func TestOffsetCommitMetadataLimit(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "meta", 2, nil)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation = "g-meta", -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = "meta"
	for i, size := range []int{4096, 4097} {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		md := string(make([]byte, size))
		rp.Partition, rp.Offset, rp.Metadata = int32(i), 1, &md
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx(t), n.client())
	if err != nil {
		t.Fatal(err)
	}
	ps := resp.Topics[0].Partitions
	if ps[0].ErrorCode != 0 || ps[1].ErrorCode != kerr.OffsetMetadataTooLarge.Code {
		t.Fatalf("codes %v, %v; want none, OFFSET_METADATA_TOO_LARGE", kerr.ErrorForCode(ps[0].ErrorCode), kerr.ErrorForCode(ps[1].ErrorCode))
	}
	offs, err := n.admin().FetchOffsets(ctx(t), "g-meta")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := offs.Lookup("meta", 1); ok {
		t.Fatal("the refused offset was stored")
	}
	if o, ok := offs.Lookup("meta", 0); !ok || o.At != 1 {
		t.Fatalf("the accepted offset: %+v %v", o, ok)
	}
}

// A classic group takes at most group.max.size members (1000 by default),
// counting the member ids it handed out with MEMBER_ID_REQUIRED: joins
// without a member id past that answer GROUP_MAX_SIZE_REACHED, so they
// cannot make the coordinator hold ever more ids.
func TestClassicGroupMaxSize(t *testing.T) {
	n := startNode(t, "", nil)
	cl := n.client()
	join := func() int16 {
		t.Helper()
		req := kmsg.NewPtrJoinGroupRequest()
		req.Version = 5
		req.Group, req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = "big", 30000, 30000
		req.ProtocolType = "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 1}
		req.Protocols = append(req.Protocols, p)
		resp, err := req.RequestWith(ctx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.ErrorCode
	}
	for i := 0; i < 1000; i++ {
		if code := join(); code != kerr.MemberIDRequired.Code {
			t.Fatalf("join %d: %v, want MEMBER_ID_REQUIRED", i, kerr.ErrorForCode(code))
		}
	}
	if code := join(); code != kerr.GroupMaxSizeReached.Code {
		t.Fatalf("join 1001: %v, want GROUP_MAX_SIZE_REACHED", kerr.ErrorForCode(code))
	}
}

// A KIP-848 consumer group takes at most group.consumer.max.size members.
func TestConsumerGroupMaxSize(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_GROUP_CONSUMER_MAX_SIZE": "2"})
	createTopic(t, n, "cg-max", 1, nil)
	cl := n.client()
	join := func(member string) int16 {
		t.Helper()
		req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		req.Version = 1
		req.Group, req.MemberID, req.MemberEpoch = "cg-max", member, 0
		req.RebalanceTimeoutMillis = 30000
		req.SubscribedTopicNames = []string{"cg-max"}
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		resp, err := req.RequestWith(ctx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.ErrorCode
	}
	for _, m := range []string{"m1-aaaaaaaaaaaaaaaaaaaa", "m2-aaaaaaaaaaaaaaaaaaaa"} {
		if code := join(m); code != 0 {
			t.Fatalf("%s: %v", m, kerr.ErrorForCode(code))
		}
	}
	if code := join("m3-aaaaaaaaaaaaaaaaaaaa"); code != kerr.GroupMaxSizeReached.Code {
		t.Fatalf("third member: %v, want GROUP_MAX_SIZE_REACHED", kerr.ErrorForCode(code))
	}
}

// A Metadata request that auto-creates a topic answers it with
// LEADER_NOT_AVAILABLE and no partitions, as Kafka does; the next request
// sees it whole. kgo and sarama still produce to auto-created topics.
func TestMetadataAutoCreateAnswersLeaderNotAvailable(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_DEFAULT_PARTITIONS": "2"})
	cl := n.client()
	meta := func(name string) kmsg.MetadataResponseTopic {
		t.Helper()
		req := kmsg.NewPtrMetadataRequest()
		req.AllowAutoTopicCreation = true
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Topics[0]
	}
	first := meta("fresh")
	if first.ErrorCode != kerr.LeaderNotAvailable.Code || len(first.Partitions) != 0 {
		t.Fatalf("first lookup: %v with %d partitions, want LEADER_NOT_AVAILABLE and none", kerr.ErrorForCode(first.ErrorCode), len(first.Partitions))
	}
	second := meta("fresh")
	if second.ErrorCode != 0 || len(second.Partitions) != 2 {
		t.Fatalf("second lookup: %v with %d partitions", kerr.ErrorForCode(second.ErrorCode), len(second.Partitions))
	}
	// Deleted, then looked up again: created anew, and answered as new.
	if _, err := n.admin().DeleteTopics(ctx(t), "fresh"); err != nil {
		t.Fatal(err)
	}
	if again := meta("fresh"); again.ErrorCode != kerr.LeaderNotAvailable.Code {
		t.Fatalf("after delete: %v, want LEADER_NOT_AVAILABLE", kerr.ErrorForCode(again.ErrorCode))
	}

	p := n.client(kgo.DefaultProduceTopic("auto-kgo"), kgo.AllowAutoTopicCreation())
	if err := p.ProduceSync(ctx(t), &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatalf("kgo to an auto-created topic: %v", err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	sp, err := sarama.NewSyncProducer([]string{n.addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if _, _, err := sp.SendMessage(&sarama.ProducerMessage{Topic: "auto-sarama", Value: sarama.StringEncoder("x")}); err != nil {
		t.Fatalf("sarama to an auto-created topic: %v", err)
	}
}

// Only known columnar.*, search.* and vector.* keys with valid values are
// accepted; the others get INVALID_CONFIG with a message that names the
// known keys.
func TestExtensionConfigsAnswerInvalidConfig(t *testing.T) {
	n := startNode(t, "", nil)
	adm := n.admin()
	s := func(v string) *string { return &v }
	resp, err := adm.CreateTopics(ctx(t), 1, 1, map[string]*string{"columnar.enabled": s("true"), "vector.index.metric": s("euclidean")}, "ext-ok")
	if err != nil || resp["ext-ok"].Err != nil {
		t.Fatalf("known keys: %v / %v", err, resp["ext-ok"].Err)
	}
	for key, value := range map[string]string{"columnar.enabled": "sometimes", "columnar.colour": "blue", "vector.index.metric": "manhattan", "search.analyzer": "x"} {
		resp, err := adm.CreateTopics(ctx(t), 1, 1, map[string]*string{key: s(value)}, "ext-bad")
		if err != nil {
			t.Fatal(err)
		}
		r := resp["ext-bad"]
		if !errors.Is(r.Err, kerr.InvalidConfig) || r.ErrMessage == "" {
			t.Errorf("%s=%s: %v (%q), want INVALID_CONFIG with a message", key, value, r.Err, r.ErrMessage)
		}
	}
	cfgs, err := adm.DescribeTopicConfigs(ctx(t), "ext-ok")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cfgs.On("ext-ok", nil)
	found := false
	for _, c := range rc.Configs {
		if c.Key == "columnar.enabled" {
			found = c.MaybeValue() == "true" && c.Source == kmsg.ConfigSourceDynamicTopicConfig
		}
	}
	if !found {
		t.Fatal("columnar.enabled=true not described as set on the topic")
	}
}

// describeConfigsRequest is a DescribeConfigs request for the named resources of one type.
func describeConfigsRequest(typ kmsg.ConfigResourceType, names ...string) *kmsg.DescribeConfigsRequest {
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, name := range names {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = typ, name
		req.Resources = append(req.Resources, rr)
	}
	return req
}

// DescribeConfigs for this broker lists its settings under Kafka's names,
// with the values it runs with, their sources, read-only flags, types and
// documentation.
func TestDescribeBrokerConfigs(t *testing.T) {
	n := startNode(t, "", map[string]string{"CHRONIK_DEFAULT_PARTITIONS": "3", "CHRONIK_GROUP_MAX_SIZE": "50"})
	req := describeConfigsRequest(kmsg.ConfigResourceTypeBroker, "1")
	req.IncludeSynonyms, req.IncludeDocumentation = true, true
	resp, err := req.RequestWith(ctx(t), n.client())
	if err != nil {
		t.Fatal(err)
	}
	res := resp.Resources[0]
	if res.ErrorCode != 0 {
		t.Fatalf("broker 1: %v", kerr.ErrorForCode(res.ErrorCode))
	}
	got := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, c := range res.Configs {
		got[c.Name] = c
		if !c.ReadOnly || c.ConfigType == kmsg.ConfigTypeUnknown || c.Documentation == nil || *c.Documentation == "" {
			t.Errorf("%s: read-only %v, type %v, documentation %v", c.Name, c.ReadOnly, c.ConfigType, c.Documentation)
		}
	}
	for _, w := range []struct {
		name, value string
		source      kmsg.ConfigSource
		typ         kmsg.ConfigType
	}{
		{"broker.id", "1", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"advertised.listeners", "PLAINTEXT://" + n.addr, kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeString},
		{"listeners", "PLAINTEXT://" + n.addr, kmsg.ConfigSourceStaticBrokerConfig, kmsg.ConfigTypeString},
		{"num.partitions", "3", kmsg.ConfigSourceStaticBrokerConfig, kmsg.ConfigTypeInt},
		{"default.replication.factor", "1", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"auto.create.topics.enable", "true", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeBoolean},
		{"log.retention.ms", "604800000", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeLong},
		{"log.retention.hours", "168", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"log.retention.bytes", "-1", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeLong},
		{"log.segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"log.cleanup.policy", "delete", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeList},
		{"message.max.bytes", "1048588", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"group.max.size", "50", kmsg.ConfigSourceStaticBrokerConfig, kmsg.ConfigTypeInt},
		{"group.consumer.max.size", "1000", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"group.initial.rebalance.delay.ms", "3000", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"offsets.retention.minutes", "10080", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"offset.metadata.max.bytes", "4096", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"fetch.max.bytes", "57671680", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"max.connections.per.ip", "1000", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeInt},
		{"connections.max.idle.ms", "600000", kmsg.ConfigSourceDefaultConfig, kmsg.ConfigTypeLong},
	} {
		c, ok := got[w.name]
		switch {
		case !ok:
			t.Errorf("%s is missing", w.name)
		case deref(c.Value) != w.value || c.Source != w.source || c.ConfigType != w.typ:
			t.Errorf("%s = %q (%v, %v), want %q (%v, %v)", w.name, deref(c.Value), c.Source, c.ConfigType, w.value, w.source, w.typ)
		}
	}
	// A set value has the default as its synonym.
	if s := got["num.partitions"].ConfigSynonyms; len(s) != 2 || deref(s[1].Value) != "1" || s[1].Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("num.partitions synonyms %+v", s)
	}

	// kadm reads the same; the cluster-wide defaults (no broker named) are empty, as in Kafka.
	cfgs, err := n.admin().DescribeBrokerConfigs(ctx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := cfgs.On("1", nil); err != nil || len(rc.Configs) < 30 {
		t.Fatalf("kadm: %d configs, %v", len(rc.Configs), err)
	}
}

// A resource named many times in one DescribeConfigs is described once; the
// repeats answer INVALID_REQUEST, so a small request cannot make a large
// answer.
func TestDescribeConfigsRepeatedResources(t *testing.T) {
	n := startNode(t, "", nil)
	createTopic(t, n, "rep", 1, nil)
	req := describeConfigsRequest(kmsg.ConfigResourceTypeTopic, slices.Repeat([]string{"rep"}, 1000)...)
	req.IncludeSynonyms, req.IncludeDocumentation = true, true
	resp, err := req.RequestWith(ctx(t), n.client())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Resources) != 1000 {
		t.Fatalf("%d resources answered, want 1000", len(resp.Resources))
	}
	if resp.Resources[0].ErrorCode != 0 || len(resp.Resources[0].Configs) == 0 {
		t.Fatalf("first: %v, %d configs", kerr.ErrorForCode(resp.Resources[0].ErrorCode), len(resp.Resources[0].Configs))
	}
	for i, r := range resp.Resources[1:] {
		if r.ErrorCode != kerr.InvalidRequest.Code || len(r.Configs) != 0 {
			t.Fatalf("repeat %d: %v with %d configs, want INVALID_REQUEST and none", i+1, kerr.ErrorForCode(r.ErrorCode), len(r.Configs))
		}
	}
}

// A topic config's default synonym is named after the broker setting that
// supplies it, as Kafka lists it (retention.ms: log.retention.ms).
func TestTopicConfigSynonymsNameBrokerSettings(t *testing.T) {
	n := startNode(t, "", nil)
	v := "3600000"
	createTopic(t, n, "syn", 1, map[string]*string{"retention.ms": &v})
	cfgs, err := n.admin().DescribeTopicConfigs(ctx(t), "syn")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cfgs.On("syn", nil)
	want := map[string][]string{
		"retention.ms":      {"DYNAMIC_TOPIC_CONFIG retention.ms=3600000", "DEFAULT_CONFIG log.retention.ms=604800000"},
		"max.message.bytes": {"DEFAULT_CONFIG message.max.bytes=1048588"},
		"segment.ms":        {"DEFAULT_CONFIG log.roll.ms=604800000"},
	}
	for _, c := range rc.Configs {
		w, ok := want[c.Key]
		if !ok {
			continue
		}
		var got []string
		for _, s := range c.Synonyms {
			got = append(got, fmt.Sprintf("%s %s=%s", s.Source, s.Key, deref(s.Value)))
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s synonyms %v, want %v", c.Key, got, w)
		}
		delete(want, c.Key)
	}
	if len(want) > 0 {
		t.Errorf("not described: %v", want)
	}

	// Every topic config carries its documentation when asked (v3+).
	req := describeConfigsRequest(kmsg.ConfigResourceTypeTopic, "syn")
	req.IncludeDocumentation = true
	resp, err := req.RequestWith(ctx(t), n.client())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Resources[0].Configs {
		if c.Documentation == nil || *c.Documentation == "" {
			t.Errorf("%s: no documentation", c.Name)
		}
	}
}

// Refusals the protocol describes in words carry those words, not the
// generic text that stands in for the server's own failures.
func TestRefusalsCarryTheirMessage(t *testing.T) {
	n := startNode(t, "", nil)
	cl := n.client()

	alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
	ar := kmsg.NewIncrementalAlterConfigsRequestResource()
	ar.ResourceType, ar.ResourceName = kmsg.ConfigResourceTypeBroker, "1"
	alter.Resources = append(alter.Resources, ar)
	aresp, err := alter.RequestWith(ctx(t), cl)
	if err != nil {
		t.Fatal(err)
	}
	if r := aresp.Resources[0]; r.ErrorCode != kerr.InvalidRequest.Code || r.ErrorMessage == nil || !strings.Contains(*r.ErrorMessage, "broker settings are static") {
		t.Errorf("altering the broker: %v %q", kerr.ErrorForCode(r.ErrorCode), deref(r.ErrorMessage))
	}

	describe := describeConfigsRequest(kmsg.ConfigResourceTypeBroker, "7", "1")
	dr := kmsg.NewDescribeConfigsRequestResource()
	dr.ResourceType, dr.ResourceName = 99, "x"
	describe.Resources = append(describe.Resources, dr)
	raw, err := cl.Broker(1).Request(ctx(t), describe) // not sharded by the client
	if err != nil {
		t.Fatal(err)
	}
	dresp := raw.(*kmsg.DescribeConfigsResponse)
	for i, want := range map[int]string{0: "does not exist", 2: "not supported"} {
		if r := dresp.Resources[i]; r.ErrorCode != kerr.InvalidRequest.Code || !strings.Contains(deref(r.ErrorMessage), want) {
			t.Errorf("describing resource %d: %v %q, want INVALID_REQUEST saying %q", i, kerr.ErrorForCode(r.ErrorCode), deref(r.ErrorMessage), want)
		}
	}
}
