package bootstrap

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPSettings(t *testing.T) {
	cfg, err := LoadConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UnifiedAPIPort != 6092 || cfg.AdminPort() != 10001 || cfg.SchemaRegistryAuthEnabled {
		t.Fatalf("defaults: unified %d, admin %d, auth %v", cfg.UnifiedAPIPort, cfg.AdminPort(), cfg.SchemaRegistryAuthEnabled)
	}
	if cfg.registryMaxBody != 2<<20 || cfg.registryBodyBudget != 2<<20 {
		t.Fatalf("registry body defaults: %d, %d", cfg.registryMaxBody, cfg.registryBodyBudget)
	}
	cfg, err = LoadConfig(nil, env(map[string]string{"CHRONIK_NODE_ID": "3"}))
	if err != nil || cfg.AdminPort() != 10003 {
		t.Fatalf("admin port of node 3: %d %v", cfg.AdminPort(), err)
	}
	cfg, err = LoadConfig(nil, env(map[string]string{
		"CHRONIK_UNIFIED_API_PORT": "0", "CHRONIK_ADMIN_API_PORT": "0",
		"CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED": "true", "CHRONIK_SCHEMA_REGISTRY_USERS": "alice:pa:ss, bob:x",
		"CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE": "1MB", "CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET": "3MB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UnifiedAPIPort != 0 || cfg.AdminPort() != 0 || cfg.registryUsers["alice"] != "pa:ss" || cfg.registryUsers["bob"] != "x" ||
		cfg.registryMaxBody != 1<<20 || cfg.registryBodyBudget != 3<<20 {
		t.Fatalf("from the environment: %+v", cfg.HTTPAPI)
	}

	file := filepath.Join(t.TempDir(), "chronik.toml")
	if err := os.WriteFile(file, []byte("unified_api_port = 7000\nadmin_api_port = 7001\nadmin_api_key = \"0123456789abcdef-from-file\"\nschema_registry_max_body_size = \"512KB\"\nschema_registry_body_budget = \"1MB\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err = LoadConfig([]string{"--config", file}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UnifiedAPIPort != 7000 || cfg.AdminPort() != 7001 || cfg.AdminAPIKey != "0123456789abcdef-from-file" ||
		cfg.registryMaxBody != 512<<10 || cfg.registryBodyBudget != 1<<20 {
		t.Fatalf("from TOML: %+v", cfg.HTTPAPI)
	}
}

func TestInvalidHTTPSettings(t *testing.T) {
	const password = "do-not-print-me"
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unified_port", map[string]string{"CHRONIK_UNIFIED_API_PORT": "70000"}, "CHRONIK_UNIFIED_API_PORT"},
		{"admin_port", map[string]string{"CHRONIK_ADMIN_API_PORT": "-2"}, "CHRONIK_ADMIN_API_PORT"},
		{"admin_port_from_node_id", map[string]string{"CHRONIK_NODE_ID": "60000"}, "10000 + node id"},
		{"same_ports", map[string]string{"CHRONIK_UNIFIED_API_PORT": "9092"}, "CHRONIK_KAFKA_PORT"},
		{"admin_on_kafka", map[string]string{"CHRONIK_ADMIN_API_PORT": "9092"}, "CHRONIK_KAFKA_PORT"},
		{"short_key", map[string]string{"CHRONIK_ADMIN_API_KEY": "short"}, "16 characters"},
		{"cert_without_key", map[string]string{"CHRONIK_ADMIN_TLS_CERT": "/etc/cert.pem"}, "set together"},
		{"unreadable_cert", map[string]string{"CHRONIK_ADMIN_TLS_CERT": "/nonexistent/cert.pem", "CHRONIK_ADMIN_TLS_KEY": "/nonexistent/key.pem"}, "CHRONIK_ADMIN_TLS_CERT"},
		{"auth_without_users", map[string]string{"CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED": "true"}, "no user"},
		{"bad_user_entry", map[string]string{"CHRONIK_SCHEMA_REGISTRY_USERS": "alice:" + password + ",bob"}, "entry 2"},
		{"empty_password", map[string]string{"CHRONIK_SCHEMA_REGISTRY_USERS": "alice:"}, "entry 1"},
		{"auth_flag", map[string]string{"CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED": "yes please"}, "CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED"},
		{"registry_body_not_a_size", map[string]string{"CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE": "big"}, "CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE"},
		{"registry_body_too_small", map[string]string{"CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE": "10"}, "between 1KB and 256MB"},
		{"registry_budget_below_one_body", map[string]string{"CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE": "8MB", "CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET": "4MB"}, "CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadRefused(t, tc.vars, tc.want)
			if strings.Contains(err.Error(), password) {
				t.Fatalf("a password is in the error: %v", err)
			}
		})
	}
}

// Without CHRONIK_ADMIN_API_KEY a key is generated into the data directory,
// private to the owner, reused on the next start, and never logged.
func TestAdminKeyFile(t *testing.T) {
	dir := t.TempDir()
	cfg := Defaults()
	cfg.DataDir = dir
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	key, err := provideAdminKey(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, adminKeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if len(key) < 32 {
		t.Fatalf("generated key %d characters long", len(key))
	}
	again, err := provideAdminKey(cfg, logger)
	if err != nil || again != key {
		t.Fatalf("second start: a different key (%v)", err)
	}
	if strings.Contains(logs.String(), string(key)) {
		t.Fatalf("the key is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), path) {
		t.Fatalf("the log does not say where the key is:\n%s", logs.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}

	// A file others can read is made private.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := provideAdminKey(cfg, logger); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after start, want 0600", fi.Mode().Perm())
	}
	// The variable wins over the file.
	cfg.AdminAPIKey = "from-the-environment-0123456789"
	if k, err := provideAdminKey(cfg, logger); err != nil || k != "from-the-environment-0123456789" {
		t.Fatalf("key %v", err)
	}
	// An emptied file is an error that says what to do.
	cfg.AdminAPIKey = ""
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := provideAdminKey(cfg, logger); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("empty key file: %v", err)
	}
}
