// Package bootstrap composes Chronik: it reads the configuration, wires the
// adapters to the application with google/wire, and owns start-up and
// shutdown order.
package bootstrap

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/group"
)

// Config is everything a node is started with.
type Config struct {
	DataDir           string `toml:"data_dir"`
	BindAddr          string `toml:"bind_addr"`
	KafkaPort         int    `toml:"kafka_port"`
	AdvertisedAddr    string `toml:"advertised_addr"`
	AdvertisedPort    int    `toml:"advertised_port"`
	NodeID            int    `toml:"node_id"`
	WALProfile        string `toml:"wal_profile"`
	WALRotationSize   string `toml:"wal_rotation_size"`
	ProduceProfile    string `toml:"produce_profile"`
	LogLevel          string `toml:"log_level"`
	AutoCreateTopics  bool   `toml:"auto_create_topics"`
	DefaultPartitions int    `toml:"default_partitions"`
	MaxRequestBytes   string `toml:"max_request_bytes"`
	// MaxUncompressedBatchBytes bounds what one produced or stored
	// compressed batch may decompress to, and one Fetch response's
	// down-conversion for clients before Kafka 0.11.
	MaxUncompressedBatchBytes string `toml:"max_uncompressed_batch_bytes"`

	// Kafka connections and fetches (Kafka's names in brackets).
	MaxConnections       int    `toml:"max_connections"`         // [max.connections]
	MaxConnectionsPerIP  int    `toml:"max_connections_per_ip"`  // [max.connections.per.ip]
	ConnectionsMaxIdleMs int    `toml:"connections_max_idle_ms"` // [connections.max.idle.ms]
	RequestReadTimeoutMs int    `toml:"request_read_timeout_ms"`
	FetchMaxBytes        string `toml:"fetch_max_bytes"` // [fetch.max.bytes]
	FetchMaxWaitMs       int    `toml:"fetch_max_wait_ms"`
	// FetchResponseBudget bounds the record bytes of fetch responses held
	// in memory across connections; a fetch that finds it spent is
	// throttled (KIP-219) rather than made to wait.
	FetchResponseBudget string `toml:"fetch_response_budget"`

	GroupInitialRebalanceDelayMs int `toml:"group_initial_rebalance_delay_ms"`
	GroupMinSessionTimeoutMs     int `toml:"group_min_session_timeout_ms"`
	GroupMaxSessionTimeoutMs     int `toml:"group_max_session_timeout_ms"`
	OffsetsRetentionMinutes      int `toml:"offsets_retention_minutes"`

	GroupConsumerSessionTimeoutMs    int `toml:"group_consumer_session_timeout_ms"`
	GroupConsumerHeartbeatIntervalMs int `toml:"group_consumer_heartbeat_interval_ms"`

	// Bounds on what clients can make the group coordinator hold.
	GroupMaxSize           int `toml:"group_max_size"`
	GroupConsumerMaxSize   int `toml:"group_consumer_max_size"`
	OffsetMetadataMaxBytes int `toml:"offset_metadata_max_bytes"`
	GroupMemberMaxBytes    int `toml:"group_member_metadata_max_bytes"`

	// Tiering and the object store.
	ObjectStore
	TierIntervalMs             int    `toml:"tier_interval_ms"`
	TierObjectSize             string `toml:"tier_object_size"`
	TierCacheSize              string `toml:"tier_cache_size"`
	ObjectStoreTimeoutMs       int    `toml:"object_store_timeout_ms"`
	MetadataSnapshotIntervalMs int    `toml:"metadata_snapshot_interval_ms"`

	// The unified API, the admin API and the schema registry's auth.
	HTTPAPI

	// Storage bounds and file modes; see storage.go.
	Storage

	// The indexing pipeline, SQL and the Postgres listener; see query.go.
	Query
	Search

	walRotationBytes int64
	maxRequestBytes  int64
	maxUncompressed  int64
	fetchMaxBytes    int64
	fetchBudget      int64
	tierObjectBytes  int64
	tierCacheBytes   int64
	advertisedNote   string // how the advertised host was chosen, for the log
	advertisedSet    bool   // the operator gave the advertised host
}

// Defaults returns the embedded defaults: one node on local disk.
func Defaults() Config {
	return Config{
		DataDir:           "./data",
		BindAddr:          "0.0.0.0",
		KafkaPort:         9092,
		NodeID:            1,
		WALRotationSize:   sizeString(segmentlog.DefaultWALRotationBytes),
		ProduceProfile:    "balanced",
		LogLevel:          "info",
		AutoCreateTopics:  true,
		DefaultPartitions: topics.DefaultPartitions,
		MaxRequestBytes:   sizeString(kafkawire.DefaultMaxRequestBytes),

		MaxUncompressedBatchBytes: sizeString(kafkawire.DefaultMaxUncompressedBatchBytes),
		MaxConnections:            kafkawire.DefaultMaxConnections,
		MaxConnectionsPerIP:       kafkawire.DefaultMaxConnectionsPerIP,
		ConnectionsMaxIdleMs:      ms(kafkawire.DefaultIdleTimeout),
		RequestReadTimeoutMs:      ms(kafkawire.DefaultRequestReadTimeout),
		FetchMaxBytes:             sizeString(kafkawire.DefaultFetchMaxBytes),
		FetchMaxWaitMs:            ms(kafkawire.DefaultFetchMaxWait),
		FetchResponseBudget:       sizeString(kafkawire.DefaultFetchResponseBytes),

		GroupInitialRebalanceDelayMs: ms(groupDefaults.InitialRebalanceDelay),
		GroupMinSessionTimeoutMs:     ms(groupDefaults.MinSessionTimeout),
		GroupMaxSessionTimeoutMs:     ms(groupDefaults.MaxSessionTimeout),
		OffsetsRetentionMinutes:      int(groups.DefaultOffsetsRetention / time.Minute),

		GroupConsumerSessionTimeoutMs:    ms(consumerDefaults.SessionTimeout),
		GroupConsumerHeartbeatIntervalMs: ms(consumerDefaults.HeartbeatInterval),

		GroupMaxSize:           group.DefaultMaxSize,
		GroupConsumerMaxSize:   group.DefaultMaxSize,
		OffsetMetadataMaxBytes: group.DefaultOffsetMetadataMaxBytes,
		GroupMemberMaxBytes:    group.DefaultMaxMemberBytes,

		TierIntervalMs:             ms(tiering.DefaultInterval),
		TierObjectSize:             sizeString(tiering.DefaultObjectBytes),
		TierCacheSize:              sizeString(tiering.DefaultCacheBytes),
		ObjectStoreTimeoutMs:       ms(tiering.DefaultCallTimeout),
		MetadataSnapshotIntervalMs: ms(tiering.DefaultSnapshotInterval),

		HTTPAPI: HTTPAPI{
			UnifiedAPIPort:            6092,
			SchemaRegistryMaxBodySize: sizeString(httpapi.DefaultRegistryMaxBodyBytes),
			SchemaRegistryBodyBudget:  sizeString(httpapi.DefaultRegistryBodyBudget),
		},
		Storage: defaultStorage(),
		Query:   defaultQuery(),
		Search:  defaultSearch(),
	}
}

// The defaults the group packages own.
var (
	groupDefaults    = group.DefaultConfig()
	consumerDefaults = group.DefaultConsumerConfig()
)

// ms is d in whole milliseconds, as the *_MS settings take it.
func ms(d time.Duration) int { return int(d / time.Millisecond) }

// sizeString writes n as ParseSize reads it, in the largest unit that
// divides it: 100MB, not 104857600.
func sizeString(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// walProfiles are the longest waits for a group commit, by profile.
var walProfiles = map[string]time.Duration{
	"low": 2 * time.Millisecond, "medium": 10 * time.Millisecond,
	"high": 50 * time.Millisecond, "ultra": 100 * time.Millisecond,
}

// produceProfiles choose the WAL profile when none is set.
var produceProfiles = map[string]string{
	"low-latency": "low", "balanced": "medium", "high-throughput": "high",
}

// envVar is an environment variable and how it sets the configuration.
type envVar struct {
	name string
	set  func(c *Config, v string) error
}

// envVars maps CHRONIK_* variables to the config fields they set.
var envVars = []envVar{
	{"CHRONIK_DATA_DIR", str(func(c *Config) *string { return &c.DataDir })},
	{"CHRONIK_BIND_ADDR", str(func(c *Config) *string { return &c.BindAddr })},
	{"CHRONIK_KAFKA_PORT", intVar(func(c *Config) *int { return &c.KafkaPort })},
	{"CHRONIK_ADVERTISED_ADDR", str(func(c *Config) *string { return &c.AdvertisedAddr })},
	{"CHRONIK_ADVERTISED_PORT", intVar(func(c *Config) *int { return &c.AdvertisedPort })},
	{"CHRONIK_NODE_ID", intVar(func(c *Config) *int { return &c.NodeID })},
	{"CHRONIK_WAL_PROFILE", str(func(c *Config) *string { return &c.WALProfile })},
	{"CHRONIK_WAL_ROTATION_SIZE", str(func(c *Config) *string { return &c.WALRotationSize })},
	{"CHRONIK_PRODUCE_PROFILE", str(func(c *Config) *string { return &c.ProduceProfile })},
	{"CHRONIK_LOG_LEVEL", str(func(c *Config) *string { return &c.LogLevel })},
	{"CHRONIK_AUTO_CREATE_TOPICS", boolVar(func(c *Config) *bool { return &c.AutoCreateTopics })},
	{"CHRONIK_DEFAULT_PARTITIONS", intVar(func(c *Config) *int { return &c.DefaultPartitions })},
	{"CHRONIK_MAX_REQUEST_SIZE", str(func(c *Config) *string { return &c.MaxRequestBytes })},
	{"CHRONIK_MAX_UNCOMPRESSED_BATCH_SIZE", str(func(c *Config) *string { return &c.MaxUncompressedBatchBytes })},
	{"CHRONIK_MAX_CONNECTIONS", intVar(func(c *Config) *int { return &c.MaxConnections })},
	{"CHRONIK_MAX_CONNECTIONS_PER_IP", intVar(func(c *Config) *int { return &c.MaxConnectionsPerIP })},
	{"CHRONIK_CONNECTIONS_MAX_IDLE_MS", intVar(func(c *Config) *int { return &c.ConnectionsMaxIdleMs })},
	{"CHRONIK_REQUEST_READ_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.RequestReadTimeoutMs })},
	{"CHRONIK_FETCH_MAX_BYTES", str(func(c *Config) *string { return &c.FetchMaxBytes })},
	{"CHRONIK_FETCH_MAX_WAIT_MS", intVar(func(c *Config) *int { return &c.FetchMaxWaitMs })},
	{"CHRONIK_FETCH_RESPONSE_BUDGET", str(func(c *Config) *string { return &c.FetchResponseBudget })},
	{"CHRONIK_GROUP_INITIAL_REBALANCE_DELAY_MS", intVar(func(c *Config) *int { return &c.GroupInitialRebalanceDelayMs })},
	{"CHRONIK_GROUP_MIN_SESSION_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.GroupMinSessionTimeoutMs })},
	{"CHRONIK_GROUP_MAX_SESSION_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.GroupMaxSessionTimeoutMs })},
	{"CHRONIK_OFFSETS_RETENTION_MINUTES", intVar(func(c *Config) *int { return &c.OffsetsRetentionMinutes })},
	{"CHRONIK_GROUP_CONSUMER_SESSION_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.GroupConsumerSessionTimeoutMs })},
	{"CHRONIK_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS", intVar(func(c *Config) *int { return &c.GroupConsumerHeartbeatIntervalMs })},
	{"CHRONIK_GROUP_MAX_SIZE", intVar(func(c *Config) *int { return &c.GroupMaxSize })},
	{"CHRONIK_GROUP_CONSUMER_MAX_SIZE", intVar(func(c *Config) *int { return &c.GroupConsumerMaxSize })},
	{"CHRONIK_OFFSET_METADATA_MAX_BYTES", intVar(func(c *Config) *int { return &c.OffsetMetadataMaxBytes })},
	{"CHRONIK_GROUP_MEMBER_METADATA_MAX_BYTES", intVar(func(c *Config) *int { return &c.GroupMemberMaxBytes })},
	{"CHRONIK_TIER_INTERVAL_MS", intVar(func(c *Config) *int { return &c.TierIntervalMs })},
	{"CHRONIK_TIER_OBJECT_SIZE", str(func(c *Config) *string { return &c.TierObjectSize })},
	{"CHRONIK_TIER_CACHE_SIZE", str(func(c *Config) *string { return &c.TierCacheSize })},
	{"CHRONIK_OBJECT_STORE_TIMEOUT_MS", intVar(func(c *Config) *int { return &c.ObjectStoreTimeoutMs })},
	{"CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS", intVar(func(c *Config) *int { return &c.MetadataSnapshotIntervalMs })},
}

// str, intVar and boolVar set a field of the configuration from an
// environment variable's value; the numbers and booleans may carry spaces.
func str(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

func intVar(field func(*Config) *int) func(*Config, string) error {
	return parsedVar(field, strconv.Atoi, "a whole number")
}

func boolVar(field func(*Config) *bool) func(*Config, string) error {
	return parsedVar(field, strconv.ParseBool, "true or false")
}

func parsedVar[T any](field func(*Config) *T, parse func(string) (T, error), what string) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not %s", v, what)
		}
		*field(c) = x
		return nil
	}
}

// LoadConfig builds the configuration for `chronik-server start` from, in
// order of precedence: flags, CHRONIK_* environment variables, the TOML file
// (--config or CHRONIK_CONFIG), and the defaults. Every problem found is
// reported in one error.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dataDir := fs.String("data-dir", "", "data directory (default ./data)")
	advertise := fs.String("advertise", "", "host[:port] clients are told to connect to")
	configFile := fs.String("config", "", "TOML configuration file")
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("invalid flags: %w (usage: chronik-server start [--data-dir DIR] [--advertise HOST[:PORT]] [--config FILE])", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q (usage: chronik-server start [--data-dir DIR] [--advertise HOST[:PORT]] [--config FILE])", fs.Args())
	}

	cfg := Defaults()
	var problems []string
	path := *configFile
	if path == "" {
		path = getenv("CHRONIK_CONFIG")
	}
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			problems = append(problems, fmt.Sprintf("config file %s: %v", path, err))
		} else if extra := md.Undecoded(); len(extra) > 0 {
			problems = append(problems, fmt.Sprintf("config file %s: unknown keys %v", path, extra))
		}
	}
	for _, ev := range slices.Concat(envVars, objectStoreVars, httpVars, storageVars, queryVars, searchVars) {
		if v, ok := lookup(getenv, ev.name); ok {
			if err := ev.set(&cfg, v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", ev.name, err))
			}
		}
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if *advertise != "" {
		host, port, err := splitHostPort(*advertise)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--advertise: %v", err))
		}
		cfg.AdvertisedAddr = host
		if port != 0 {
			cfg.AdvertisedPort = port
		}
	}
	problems = append(problems, cfg.validate()...)
	if len(problems) > 0 {
		return cfg, fmt.Errorf("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	cfg.advertisedSet = cfg.AdvertisedAddr != ""
	cfg.chooseAdvertised()
	return cfg, nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func splitHostPort(s string) (string, int, error) {
	if !strings.Contains(s, ":") || strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return strings.Trim(s, "[]"), 0, nil
	}
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not HOST or HOST:PORT", s)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: port must be 1-65535", s)
	}
	return host, port, nil
}

// validate lists every problem with the configuration.
func (c *Config) validate() []string {
	var problems []string
	if c.DataDir == "" {
		problems = append(problems, "data directory is empty (set --data-dir or CHRONIK_DATA_DIR)")
	}
	if c.KafkaPort < 0 || c.KafkaPort > 65535 {
		problems = append(problems, fmt.Sprintf("CHRONIK_KAFKA_PORT %d is not a port (0-65535)", c.KafkaPort))
	}
	if c.AdvertisedPort < 0 || c.AdvertisedPort > 65535 {
		problems = append(problems, fmt.Sprintf("CHRONIK_ADVERTISED_PORT %d is not a port (0-65535)", c.AdvertisedPort))
	}
	if net.ParseIP(c.BindAddr) == nil && c.BindAddr != "localhost" {
		problems = append(problems, fmt.Sprintf("CHRONIK_BIND_ADDR %q is not an IP address", c.BindAddr))
	}
	if ip := net.ParseIP(c.AdvertisedAddr); ip != nil && ip.IsUnspecified() {
		problems = append(problems, fmt.Sprintf("advertised address %q is unspecified; clients cannot connect to it (give a host name or IP)", c.AdvertisedAddr))
	}
	if c.NodeID < 0 || c.NodeID > 1<<31-1 {
		problems = append(problems, fmt.Sprintf("node id %d is out of range", c.NodeID))
	}
	if _, ok := produceProfiles[c.ProduceProfile]; !ok {
		problems = append(problems, fmt.Sprintf("CHRONIK_PRODUCE_PROFILE %q is not one of low-latency, balanced, high-throughput", c.ProduceProfile))
	}
	if c.WALProfile != "" {
		if _, ok := walProfiles[c.WALProfile]; !ok {
			problems = append(problems, fmt.Sprintf("CHRONIK_WAL_PROFILE %q is not one of low, medium, high, ultra", c.WALProfile))
		}
	}
	var err error
	if c.walRotationBytes, err = ParseSize(c.WALRotationSize); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_WAL_ROTATION_SIZE: %v", err))
	} else if c.walRotationBytes < 64<<10 {
		problems = append(problems, fmt.Sprintf("CHRONIK_WAL_ROTATION_SIZE %s is below the minimum 64KB", c.WALRotationSize))
	}
	if c.maxRequestBytes, err = ParseSize(c.MaxRequestBytes); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_REQUEST_SIZE: %v", err))
	} else if c.maxRequestBytes < 1<<10 || c.maxRequestBytes > 1<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_REQUEST_SIZE %s must be between 1KB and 1GB", c.MaxRequestBytes))
	}
	if c.maxUncompressed, err = ParseSize(c.MaxUncompressedBatchBytes); err != nil || c.maxUncompressed < 1<<20 || c.maxUncompressed > 1<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_UNCOMPRESSED_BATCH_SIZE %q must be a size between 1MB and 1GB", c.MaxUncompressedBatchBytes))
	}
	problems = append(problems, c.validateConnections()...)
	if _, err := parseLevel(c.LogLevel); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_LOG_LEVEL: %v", err))
	}
	if c.GroupInitialRebalanceDelayMs < 0 {
		problems = append(problems, fmt.Sprintf("group initial rebalance delay %d ms is negative", c.GroupInitialRebalanceDelayMs))
	}
	if c.GroupMinSessionTimeoutMs < 1 || c.GroupMaxSessionTimeoutMs < c.GroupMinSessionTimeoutMs {
		problems = append(problems, fmt.Sprintf("group session timeouts: min %d ms must be positive and at most max %d ms", c.GroupMinSessionTimeoutMs, c.GroupMaxSessionTimeoutMs))
	}
	if c.GroupConsumerHeartbeatIntervalMs < 1 || c.GroupConsumerSessionTimeoutMs <= c.GroupConsumerHeartbeatIntervalMs {
		problems = append(problems, fmt.Sprintf("consumer group heartbeat interval %d ms must be positive and below the session timeout %d ms", c.GroupConsumerHeartbeatIntervalMs, c.GroupConsumerSessionTimeoutMs))
	}
	for _, b := range []struct {
		name string
		v    int
	}{{"CHRONIK_GROUP_MAX_SIZE", c.GroupMaxSize}, {"CHRONIK_GROUP_CONSUMER_MAX_SIZE", c.GroupConsumerMaxSize}, {"CHRONIK_OFFSET_METADATA_MAX_BYTES", c.OffsetMetadataMaxBytes}} {
		if b.v < 1 || b.v > 1<<20 {
			problems = append(problems, fmt.Sprintf("%s %d must be between 1 and 1048576", b.name, b.v))
		}
	}
	if c.GroupMemberMaxBytes < 1<<10 || c.GroupMemberMaxBytes > 1<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_GROUP_MEMBER_METADATA_MAX_BYTES %d must be between 1024 and 1073741824", c.GroupMemberMaxBytes))
	}
	if c.OffsetsRetentionMinutes < 1 {
		problems = append(problems, fmt.Sprintf("offsets retention %d minutes must be at least 1", c.OffsetsRetentionMinutes))
	}
	problems = append(problems, c.ObjectStore.validate()...)
	problems = append(problems, c.validateHTTP()...)
	problems = append(problems, c.Storage.validate()...)
	problems = append(problems, c.Query.validate()...)
	problems = append(problems, c.Search.validate()...)
	if c.tierObjectBytes, err = ParseSize(c.TierObjectSize); err != nil || c.tierObjectBytes < 64<<10 || c.tierObjectBytes > 1<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_TIER_OBJECT_SIZE %q must be a size between 64KB and 1GB", c.TierObjectSize))
	}
	if c.tierCacheBytes, err = ParseSize(c.TierCacheSize); err != nil || c.tierCacheBytes < 1<<20 {
		problems = append(problems, fmt.Sprintf("CHRONIK_TIER_CACHE_SIZE %q must be a size of at least 1MB", c.TierCacheSize))
	}
	for _, d := range []struct {
		name string
		ms   int
	}{{"CHRONIK_TIER_INTERVAL_MS", c.TierIntervalMs}, {"CHRONIK_OBJECT_STORE_TIMEOUT_MS", c.ObjectStoreTimeoutMs}, {"CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS", c.MetadataSnapshotIntervalMs}} {
		if d.ms < 10 {
			problems = append(problems, fmt.Sprintf("%s %d must be at least 10 ms", d.name, d.ms))
		}
	}
	if c.DefaultPartitions < 1 {
		problems = append(problems, fmt.Sprintf("default partitions %d must be at least 1", c.DefaultPartitions))
	}
	return problems
}

// validateConnections checks the connection and fetch limits.
func (c *Config) validateConnections() []string {
	var problems []string
	if c.MaxConnections < 1 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_CONNECTIONS %d must be at least 1", c.MaxConnections))
	}
	if c.MaxConnectionsPerIP < 1 {
		problems = append(problems, fmt.Sprintf("CHRONIK_MAX_CONNECTIONS_PER_IP %d must be at least 1", c.MaxConnectionsPerIP))
	}
	for _, d := range []struct {
		name    string
		ms, min int
	}{
		{"CHRONIK_CONNECTIONS_MAX_IDLE_MS", c.ConnectionsMaxIdleMs, 1000},
		{"CHRONIK_REQUEST_READ_TIMEOUT_MS", c.RequestReadTimeoutMs, 100},
		{"CHRONIK_FETCH_MAX_WAIT_MS", c.FetchMaxWaitMs, 10},
	} {
		if d.ms < d.min {
			problems = append(problems, fmt.Sprintf("%s %d must be at least %d ms", d.name, d.ms, d.min))
		}
	}
	var err error
	if c.fetchMaxBytes, err = ParseSize(c.FetchMaxBytes); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_FETCH_MAX_BYTES: %v", err))
	} else if c.fetchMaxBytes < 1<<10 || c.fetchMaxBytes > 1<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_FETCH_MAX_BYTES %s must be between 1KB and 1GB", c.FetchMaxBytes))
	}
	if c.fetchBudget, err = ParseSize(c.FetchResponseBudget); err != nil {
		problems = append(problems, fmt.Sprintf("CHRONIK_FETCH_RESPONSE_BUDGET: %v", err))
	} else if c.fetchBudget < 1<<20 || c.fetchBudget > 64<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_FETCH_RESPONSE_BUDGET %s must be between 1MB and 64GB", c.FetchResponseBudget))
	}
	return problems
}

// chooseAdvertised fills in the address clients are told to use. Binding to
// all interfaces without an advertised address advertises this machine's
// host name (if it resolves) or localhost, never 0.0.0.0.
func (c *Config) chooseAdvertised() {
	if c.AdvertisedPort == 0 {
		c.AdvertisedPort = c.KafkaPort
	}
	if c.AdvertisedAddr != "" {
		return
	}
	if ip := net.ParseIP(c.BindAddr); ip == nil || !ip.IsUnspecified() {
		c.AdvertisedAddr = c.BindAddr
		return
	}
	host, err := os.Hostname()
	if err == nil && host != "" {
		if _, err := net.LookupHost(host); err == nil {
			c.AdvertisedAddr = host
			c.advertisedNote = fmt.Sprintf("bound to %s without CHRONIK_ADVERTISED_ADDR: advertising host name %q (set CHRONIK_ADVERTISED_ADDR or --advertise if clients cannot resolve it)", c.BindAddr, host)
			return
		}
	}
	c.AdvertisedAddr = "localhost"
	c.advertisedNote = fmt.Sprintf("bound to %s without CHRONIK_ADVERTISED_ADDR and the host name does not resolve: advertising localhost (set CHRONIK_ADVERTISED_ADDR or --advertise for remote clients)", c.BindAddr)
}

// WALDelay is the group-commit window of the configured profile.
func (c Config) WALDelay() time.Duration {
	p := c.WALProfile
	if p == "" {
		p = produceProfiles[c.ProduceProfile]
	}
	return walProfiles[p]
}

// ParseSize reads sizes such as 100KB, 250MB, 1GB or a plain byte count.
// Units are powers of 1024.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 100KB, 250MB, 1GB, 268435456)", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, errors.New("must be debug, info, warn or error")
	}
	return l, nil
}

// NewLogger returns the process logger at the configured level.
func NewLogger(c Config, w io.Writer) *slog.Logger {
	l, _ := parseLevel(c.LogLevel)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
