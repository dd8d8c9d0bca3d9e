package bootstrap

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestObjectStoreSelection(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		env     func(string) string
		backend string
		problem string
	}{
		{env(), "local", ""},
		{env("S3_BUCKET", "b"), "s3", ""},
		{env("GCS_BUCKET", "b"), "gcs", ""},
		{env("AZURE_CONTAINER", "c", "AZURE_USE_EMULATOR", "true"), "azure", ""},
		{env("S3_BUCKET", "b", "GCS_BUCKET", "c"), "", "more than one object store"},
		{env("AZURE_ACCOUNT_NAME", "acct"), "", "AZURE_CONTAINER is not set"},
		{env("S3_BUCKET", "b", "S3_ACCESS_KEY", "k"), "", "set both S3_ACCESS_KEY and S3_SECRET_KEY"},
		{env("CHRONIK_TIER_OBJECT_SIZE", "1KB"), "", "CHRONIK_TIER_OBJECT_SIZE"},
	} {
		cfg, err := LoadConfig(nil, tc.env)
		if tc.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("want a problem %q, got %v", tc.problem, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := cfg.ObjectStore.backend(); b != tc.backend {
			t.Errorf("backend %q, want %q", b, tc.backend)
		}
	}
}

// TestCredentialsStayOutOfLogsAndErrors starts a node whose S3 endpoint
// fails every request: the start fails (it cannot tell whether to restore)
// and neither the error nor the log shows the secret key.
func TestCredentialsStayOutOfLogsAndErrors(t *testing.T) {
	const secret = "s3cr3t-9f8e7d-never-print"
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
	}))
	defer broken.Close()
	vars := map[string]string{
		"CHRONIK_KAFKA_PORT": "0", "CHRONIK_BIND_ADDR": "127.0.0.1", "CHRONIK_OBJECT_STORE_TIMEOUT_MS": "2000",
		"S3_BUCKET": "b", "S3_ENDPOINT": broken.URL, "S3_ACCESS_KEY": "AKIDEXAMPLE", "S3_SECRET_KEY": secret,
	}
	cfg, err := LoadConfig([]string{"--data-dir", t.TempDir()}, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	node, cleanup, err := Open(ctx, cfg, logger)
	if err == nil {
		cleanup()
		_ = node
		t.Fatal("a node with an empty data directory started although its object store fails")
	}
	t.Logf("start failed as it should: %v", err)
	if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
		t.Fatalf("the secret key leaked:\nerror: %v\nlog: %s", err, logs.String())
	}
	if !strings.Contains(err.Error(), "object store") {
		t.Fatalf("the error does not say what failed: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(cfg.DataDir, "objects")); statErr == nil {
		t.Fatal("an S3 node created a local object folder")
	}
}

func TestObjectStoreFromTOML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chronik.toml")
	if err := os.WriteFile(path, []byte("gcs_bucket = \"from-file\"\ngcs_prefix = \"p/\"\ntier_object_size = \"1MB\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"--config", path}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GCSBucket != "from-file" || cfg.GCSPrefix != "p/" || cfg.tierObjectBytes != 1<<20 {
		t.Fatalf("from TOML: bucket %q, prefix %q, object size %d", cfg.GCSBucket, cfg.GCSPrefix, cfg.tierObjectBytes)
	}
}
