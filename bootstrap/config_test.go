package bootstrap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// loadRefused loads a configuration from the environment vars, which must
// be refused with an error that mentions each of wants; it returns the error.
func loadRefused(t *testing.T, vars map[string]string, wants ...string) error {
	t.Helper()
	_, err := LoadConfig(nil, env(vars))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	return err
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "chronik.toml")
	if err := os.WriteFile(file, []byte("data_dir = \"/from/file\"\nkafka_port = 9300\nwal_profile = \"high\"\nlog_level = \"debug\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"--config", file, "--data-dir", "/from/flag"}, env(map[string]string{
		"CHRONIK_DATA_DIR":   "/from/env",
		"CHRONIK_KAFKA_PORT": "9400",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" {
		t.Errorf("data dir %q: the flag must win", cfg.DataDir)
	}
	if cfg.KafkaPort != 9400 {
		t.Errorf("kafka port %d: the environment must beat the file", cfg.KafkaPort)
	}
	if cfg.WALDelay() != 50*time.Millisecond || cfg.LogLevel != "debug" {
		t.Errorf("file values not applied: wal delay %v, log level %q", cfg.WALDelay(), cfg.LogLevel)
	}
	if cfg.BindAddr != "0.0.0.0" || cfg.walRotationBytes != 250<<20 {
		t.Errorf("defaults not applied: bind %q, rotation %d", cfg.BindAddr, cfg.walRotationBytes)
	}
}

func TestInvalidConfigListsEveryProblem(t *testing.T) {
	loadRefused(t, map[string]string{
		"CHRONIK_KAFKA_PORT":                "ninety",
		"CHRONIK_WAL_PROFILE":               "turbo",
		"CHRONIK_WAL_ROTATION_SIZE":         "lots",
		"CHRONIK_LOG_LEVEL":                 "chatty",
		"CHRONIK_ADVERTISED_ADDR":           "0.0.0.0",
		"CHRONIK_GROUP_MAX_SIZE":            "0",
		"CHRONIK_OFFSET_METADATA_MAX_BYTES": "-1",
	}, "CHRONIK_KAFKA_PORT", "CHRONIK_WAL_PROFILE", "CHRONIK_WAL_ROTATION_SIZE", "CHRONIK_LOG_LEVEL", "0.0.0.0", "CHRONIK_GROUP_MAX_SIZE", "CHRONIK_OFFSET_METADATA_MAX_BYTES")
}

func TestUnknownFileKeysAreReported(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(file, []byte("kafka_prot = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig([]string{"--config", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "kafka_prot") {
		t.Fatalf("typo in the file not reported: %v", err)
	}
}

func TestAdvertisedAddress(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantHost string
		wantPort int
	}{
		{"bound_to_one_address", nil, map[string]string{"CHRONIK_BIND_ADDR": "127.0.0.1"}, "127.0.0.1", 9092},
		{"explicit", nil, map[string]string{"CHRONIK_ADVERTISED_ADDR": "kafka.example", "CHRONIK_ADVERTISED_PORT": "19092"}, "kafka.example", 19092},
		{"flag_with_port", []string{"--advertise", "broker:29092"}, nil, "broker", 29092},
		{"flag_host_only", []string{"--advertise", "broker"}, nil, "broker", 9092},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := LoadConfig(c.args, env(c.vars))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AdvertisedAddr != c.wantHost || cfg.AdvertisedPort != c.wantPort {
				t.Fatalf("advertised %s:%d, want %s:%d", cfg.AdvertisedAddr, cfg.AdvertisedPort, c.wantHost, c.wantPort)
			}
		})
	}
	cfg, err := LoadConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AdvertisedAddr == "" || cfg.AdvertisedAddr == "0.0.0.0" || cfg.advertisedNote == "" {
		t.Fatalf("bound to 0.0.0.0: advertised %q with note %q", cfg.AdvertisedAddr, cfg.advertisedNote)
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"100KB", 100 << 10, true}, {"250MB", 250 << 20, true}, {"1GB", 1 << 30, true},
		{"268435456", 268435456, true}, {"2gb", 2 << 30, true}, {" 5 MB ", 5 << 20, true},
		{"", 0, false}, {"MB", 0, false}, {"-1", 0, false}, {"1TB", 0, false}, {"9999999999GB", 0, false},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v", c.in, got, err)
		}
	}
}

// The connection and fetch limits reach the Kafka listener's
// configuration, from the environment or the file, and bad values are
// refused.
func TestConnectionLimitSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "chronik.toml")
	if err := os.WriteFile(file, []byte("max_connections_per_ip = 7\nfetch_max_bytes = \"8MB\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"--config", file}, env(map[string]string{
		"CHRONIK_MAX_CONNECTIONS":         "50",
		"CHRONIK_CONNECTIONS_MAX_IDLE_MS": "60000",
		"CHRONIK_REQUEST_READ_TIMEOUT_MS": "5000",
		"CHRONIK_FETCH_MAX_WAIT_MS":       "2000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	k := kafkaConfig(cfg, nil)
	if k.MaxConnections != 50 || k.MaxConnectionsPerIP != 7 || k.IdleTimeout != time.Minute ||
		k.RequestReadTimeout != 5*time.Second || k.FetchMaxBytes != 8<<20 || k.FetchMaxWait != 2*time.Second {
		t.Fatalf("listener limits %+v", k)
	}
	d, err := LoadConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if k := kafkaConfig(d, nil); k.MaxConnections != 10000 || k.MaxConnectionsPerIP != 1000 || k.IdleTimeout != 10*time.Minute ||
		k.RequestReadTimeout != 30*time.Second || k.FetchMaxBytes != 55<<20 || k.FetchMaxWait != 30*time.Second || k.FetchResponseBytes != 256<<20 {
		t.Fatalf("default listener limits %+v", k)
	}

	loadRefused(t, map[string]string{
		"CHRONIK_MAX_CONNECTIONS":         "0",
		"CHRONIK_MAX_CONNECTIONS_PER_IP":  "-1",
		"CHRONIK_CONNECTIONS_MAX_IDLE_MS": "5",
		"CHRONIK_REQUEST_READ_TIMEOUT_MS": "1",
		"CHRONIK_FETCH_MAX_BYTES":         "lots",
		"CHRONIK_FETCH_RESPONSE_BUDGET":   "1KB",
		"CHRONIK_FETCH_MAX_WAIT_MS":       "0",
	}, "CHRONIK_MAX_CONNECTIONS ", "CHRONIK_MAX_CONNECTIONS_PER_IP", "CHRONIK_CONNECTIONS_MAX_IDLE_MS", "CHRONIK_REQUEST_READ_TIMEOUT_MS", "CHRONIK_FETCH_MAX_BYTES", "CHRONIK_FETCH_MAX_WAIT_MS", "CHRONIK_FETCH_RESPONSE_BUDGET")
}

func TestCompactionSettings(t *testing.T) {
	d, err := LoadConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := sqlConfig(d)
	if s.CompactTargetBytes != 128<<20 || s.CompactMinFiles != 16 || s.CompactInterval != 10*time.Second ||
		s.CompactQuiet != 30*time.Second || s.CompactDeleteDelay != 5*time.Minute {
		t.Fatalf("default compaction %+v", s)
	}
	if d.compactMemoryBytes != 256<<20 {
		t.Fatalf("default merge memory %d", d.compactMemoryBytes)
	}
	c, err := LoadConfig(nil, env(map[string]string{
		"CHRONIK_COLUMNAR_COMPACT_TARGET_SIZE":     "0",
		"CHRONIK_COLUMNAR_COMPACT_MIN_FILES":       "3",
		"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS":     "500",
		"CHRONIK_COLUMNAR_COMPACT_QUIET_MS":        "2000",
		"CHRONIK_COLUMNAR_COMPACT_DELETE_DELAY_MS": "1000",
		"CHRONIK_METADATA_SNAPSHOT_INTERVAL_MS":    "60000",
		"CHRONIK_COLUMNAR_COMPACT_MEMORY":          "64MB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s = sqlConfig(c)
	// 0 turns compaction off; the delete delay covers 3 snapshot intervals.
	if s.CompactTargetBytes >= 0 || s.CompactMinFiles != 3 || s.CompactInterval != 500*time.Millisecond ||
		s.CompactQuiet != 2*time.Second || s.CompactDeleteDelay != 3*time.Minute {
		t.Fatalf("compaction %+v", s)
	}
	if c.compactMemoryBytes != 64<<20 {
		t.Fatalf("merge memory %d", c.compactMemoryBytes)
	}
	loadRefused(t, map[string]string{
		"CHRONIK_COLUMNAR_COMPACT_TARGET_SIZE":     "512KB",
		"CHRONIK_COLUMNAR_COMPACT_MIN_FILES":       "1",
		"CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS":     "0",
		"CHRONIK_COLUMNAR_COMPACT_QUIET_MS":        "1",
		"CHRONIK_COLUMNAR_COMPACT_DELETE_DELAY_MS": "10",
		"CHRONIK_COLUMNAR_COMPACT_MEMORY":          "1MB",
	}, "CHRONIK_COLUMNAR_COMPACT_MEMORY", "CHRONIK_COLUMNAR_COMPACT_TARGET_SIZE", "CHRONIK_COLUMNAR_COMPACT_MIN_FILES", "CHRONIK_COLUMNAR_COMPACT_INTERVAL_MS", "CHRONIK_COLUMNAR_COMPACT_QUIET_MS", "CHRONIK_COLUMNAR_COMPACT_DELETE_DELAY_MS")
}
