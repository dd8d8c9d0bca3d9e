package bootstrap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStorageSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := LoadConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPartitions != 10000 || cfg.MaxPartitionsPerRequest != 1000 || cfg.MaxOpenSegments != 0 || cfg.DataGroupReadable {
		t.Fatalf("defaults %+v", cfg.Storage)
	}
	if f, d := cfg.modes(); f != 0o600 || d != 0o700 {
		t.Fatalf("default modes %v %v", f, d)
	}
	cfg, err = LoadConfig(nil, env(map[string]string{
		"CHRONIK_MAX_PARTITIONS": "50", "CHRONIK_MAX_PARTITIONS_PER_REQUEST": "5",
		"CHRONIK_MAX_OPEN_SEGMENTS": "64", "CHRONIK_DATA_GROUP_READABLE": "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPartitions != 50 || cfg.MaxPartitionsPerRequest != 5 || cfg.MaxOpenSegments != 64 || !cfg.DataGroupReadable {
		t.Fatalf("from the environment %+v", cfg.Storage)
	}
	if f, d := cfg.modes(); f != 0o640 || d != 0o750 {
		t.Fatalf("group-readable modes %v %v", f, d)
	}
	if lc := logConfig(cfg); lc.MaxOpenSegments != 64 || lc.FileMode != 0o640 || lc.DirMode != 0o750 {
		t.Fatalf("log store config %+v", lc)
	}
	if tc := topicsConfig(cfg); tc.MaxPartitions != 50 || tc.MaxPartitionsPerRequest != 5 {
		t.Fatalf("topics config %+v", tc)
	}
	file := filepath.Join(t.TempDir(), "chronik.toml")
	toml := "max_partitions = 7\nmax_partitions_per_request = 3\nmax_open_segments = 32\ndata_group_readable = true\n"
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = LoadConfig([]string{"--config", file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPartitions != 7 || cfg.MaxPartitionsPerRequest != 3 || cfg.MaxOpenSegments != 32 || !cfg.DataGroupReadable {
		t.Fatalf("from TOML %+v", cfg.Storage)
	}
	for name, v := range map[string]string{
		"CHRONIK_MAX_PARTITIONS": "0", "CHRONIK_MAX_PARTITIONS_PER_REQUEST": "-1", "CHRONIK_MAX_OPEN_SEGMENTS": "3",
	} {
		if _, err := LoadConfig(nil, env(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want an error naming it", name, v, err)
		}
	}
}
