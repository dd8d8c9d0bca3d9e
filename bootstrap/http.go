package bootstrap

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/adapters/schemaformat/avroformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/jsonformat"
	"github.com/chronik-stream/chronik/adapters/schemaformat/protoformat"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

// HTTPAPI is the HTTP side: the unified API, the admin API and the schema
// registry's Basic auth. TOML keys are the variable names without
// CHRONIK_, in lower case.
type HTTPAPI struct {
	// UnifiedAPIPort serves /health, /metrics, /admin/* (read-only) and the
	// schema registry; 0 picks a free port.
	UnifiedAPIPort int `toml:"unified_api_port"`
	// AdminAPIPort serves the admin API; nil means 10000 + node id, 0 a
	// free port.
	AdminAPIPort *int `toml:"admin_api_port"`
	// AdminAPIKey is the admin API's X-API-Key; "" means the key in
	// <data dir>/admin-api-key, generated on first start.
	AdminAPIKey  string `toml:"admin_api_key"`
	AdminTLSCert string `toml:"admin_tls_cert"`
	AdminTLSKey  string `toml:"admin_tls_key"`

	SchemaRegistryAuthEnabled bool `toml:"schema_registry_auth_enabled"`
	// SchemaRegistryUsers is "user:password,user:password"; a password may
	// hold ':' but not ','.
	SchemaRegistryUsers string `toml:"schema_registry_users"`
	// SchemaRegistryMaxBodySize bounds one schema registry request's body;
	// SchemaRegistryBodyBudget the bytes of registry request bodies handled
	// (decoded, parsed, checked) at once, at least one body's size.
	SchemaRegistryMaxBodySize string `toml:"schema_registry_max_body_size"`
	SchemaRegistryBodyBudget  string `toml:"schema_registry_body_budget"`

	registryUsers      map[string]string
	registryMaxBody    int64
	registryBodyBudget int64
}

// httpVars are the HTTP settings' environment variables.
var httpVars = []envVar{
	{"CHRONIK_UNIFIED_API_PORT", intVar(func(c *Config) *int { return &c.UnifiedAPIPort })},
	{"CHRONIK_ADMIN_API_PORT", parsedVar(func(c *Config) **int { return &c.AdminAPIPort }, func(v string) (*int, error) {
		n, err := strconv.Atoi(v)
		return &n, err
	}, "a whole number")},
	{"CHRONIK_ADMIN_API_KEY", str(func(c *Config) *string { return &c.AdminAPIKey })},
	{"CHRONIK_ADMIN_TLS_CERT", str(func(c *Config) *string { return &c.AdminTLSCert })},
	{"CHRONIK_ADMIN_TLS_KEY", str(func(c *Config) *string { return &c.AdminTLSKey })},
	{"CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED", boolVar(func(c *Config) *bool { return &c.SchemaRegistryAuthEnabled })},
	{"CHRONIK_SCHEMA_REGISTRY_USERS", str(func(c *Config) *string { return &c.SchemaRegistryUsers })},
	{"CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE", str(func(c *Config) *string { return &c.SchemaRegistryMaxBodySize })},
	{"CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET", str(func(c *Config) *string { return &c.SchemaRegistryBodyBudget })},
}

// AdminPort is the admin API's port: CHRONIK_ADMIN_API_PORT, or 10000 +
// node id.
func (c Config) AdminPort() int {
	if c.AdminAPIPort != nil {
		return *c.AdminAPIPort
	}
	return 10000 + c.NodeID
}

// validateHTTP lists the problems of the HTTP settings. Messages never
// hold the admin key or a password.
func (c *Config) validateHTTP() []string {
	var problems []string
	if c.UnifiedAPIPort < 0 || c.UnifiedAPIPort > 65535 {
		problems = append(problems, fmt.Sprintf("CHRONIK_UNIFIED_API_PORT %d is not a port (0-65535)", c.UnifiedAPIPort))
	}
	admin := c.AdminPort()
	switch {
	case c.AdminAPIPort == nil && admin > 65535:
		problems = append(problems, fmt.Sprintf("the admin API port 10000 + node id %d = %d is not a port; set CHRONIK_ADMIN_API_PORT", c.NodeID, admin))
	case admin < 0 || admin > 65535:
		problems = append(problems, fmt.Sprintf("CHRONIK_ADMIN_API_PORT %d is not a port (0-65535)", admin))
	}
	for _, p := range []struct {
		name string
		port int
	}{{"CHRONIK_KAFKA_PORT", c.KafkaPort}, {"the admin API port", admin}} {
		if p.port != 0 && p.port == c.UnifiedAPIPort {
			problems = append(problems, fmt.Sprintf("CHRONIK_UNIFIED_API_PORT %d is also %s; give them different ports", c.UnifiedAPIPort, p.name))
		}
	}
	if admin != 0 && admin == c.KafkaPort {
		problems = append(problems, fmt.Sprintf("the admin API port %d is also CHRONIK_KAFKA_PORT; set CHRONIK_ADMIN_API_PORT to another port", admin))
	}
	if c.AdminAPIKey != "" && len(strings.TrimSpace(c.AdminAPIKey)) < 16 {
		problems = append(problems, "CHRONIK_ADMIN_API_KEY is shorter than 16 characters; use a long random key (or unset it to have one generated)")
	}
	switch {
	case (c.AdminTLSCert == "") != (c.AdminTLSKey == ""):
		problems = append(problems, "CHRONIK_ADMIN_TLS_CERT and CHRONIK_ADMIN_TLS_KEY must be set together (one is set, the other is not)")
	case c.AdminTLSCert != "":
		if _, err := tls.LoadX509KeyPair(c.AdminTLSCert, c.AdminTLSKey); err != nil {
			problems = append(problems, fmt.Sprintf("CHRONIK_ADMIN_TLS_CERT %s / CHRONIK_ADMIN_TLS_KEY %s: %v", c.AdminTLSCert, c.AdminTLSKey, err))
		}
	}
	users, err := parseUsers(c.SchemaRegistryUsers)
	if err != nil {
		problems = append(problems, "CHRONIK_SCHEMA_REGISTRY_USERS: "+err.Error())
	} else if c.SchemaRegistryAuthEnabled && len(users) == 0 {
		problems = append(problems, "CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED is true but CHRONIK_SCHEMA_REGISTRY_USERS names no user (give user:password,...)")
	}
	c.registryUsers = users
	if c.registryMaxBody, err = ParseSize(c.SchemaRegistryMaxBodySize); err != nil || c.registryMaxBody < 1<<10 || c.registryMaxBody > 256<<20 {
		problems = append(problems, fmt.Sprintf("CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE %q must be a size between 1KB and 256MB", c.SchemaRegistryMaxBodySize))
	} else if c.registryBodyBudget, err = ParseSize(c.SchemaRegistryBodyBudget); err != nil || c.registryBodyBudget < c.registryMaxBody || c.registryBodyBudget > 4<<30 {
		problems = append(problems, fmt.Sprintf("CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET %q must be a size between CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE (%s) and 4GB", c.SchemaRegistryBodyBudget, c.SchemaRegistryMaxBodySize))
	}
	return problems
}

// parseUsers reads "user:password,...". Errors say which entry is wrong,
// never what it holds.
func parseUsers(s string) (map[string]string, error) {
	users := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return users, nil
	}
	for i, entry := range strings.Split(s, ",") {
		user, pass, ok := strings.Cut(strings.TrimSpace(entry), ":")
		switch {
		case !ok || user == "" || pass == "":
			return nil, fmt.Errorf("entry %d is not user:password", i+1)
		case users[user] != "":
			return nil, fmt.Errorf("entry %d names user %q again", i+1, user)
		}
		users[user] = pass
	}
	return users, nil
}

// adminKey is the admin API's key, resolved at start.
type adminKey string

// adminKeyFile is where a generated admin key is kept, in the data
// directory.
const adminKeyFile = "admin-api-key"

// provideAdminKey returns CHRONIK_ADMIN_API_KEY or, unset, the key in
// <data dir>/admin-api-key, generating it (mode 0600) on first start. It
// logs where the key is, never the key.
func provideAdminKey(c Config, logger *slog.Logger) (adminKey, error) {
	if c.AdminAPIKey != "" {
		return adminKey(strings.TrimSpace(c.AdminAPIKey)), nil
	}
	path := filepath.Join(c.DataDir, adminKeyFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key := strings.TrimSpace(string(b))
		if len(key) < 16 {
			return "", fmt.Errorf("admin API key file %s holds no usable key (under 16 characters): delete it to have a new key generated, or set CHRONIK_ADMIN_API_KEY", path)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return "", fmt.Errorf("admin API key file %s is readable by others and cannot be made private: %w", path, err)
			}
			logger.Warn("the admin API key file was readable by others; made it 0600", "file", path)
		}
		logger.Info("admin API key read from file (send it as X-API-Key)", "file", path)
		return adminKey(key), nil
	case errors.Is(err, fs.ErrNotExist):
		key, err := writeAdminKey(path)
		if err != nil {
			return "", fmt.Errorf("generating the admin API key: %w", err)
		}
		logger.Info("generated an admin API key (send it as X-API-Key; set CHRONIK_ADMIN_API_KEY to choose one)", "file", path)
		return adminKey(key), nil
	default:
		return "", fmt.Errorf("admin API key file %s: %w", path, err)
	}
}

// writeAdminKey writes a new random key to path atomically, readable by
// the owner only.
func writeAdminKey(path string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := hex.EncodeToString(raw)
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+adminKeyFile+"-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name()) // after a successful rename, nothing is there
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}

func httpConfig(c Config, key adminKey, kafka *kafkawire.Server) httpapi.Config {
	return httpapi.Config{
		UnifiedAddr:          net.JoinHostPort(c.BindAddr, strconv.Itoa(c.UnifiedAPIPort)),
		AdminAddr:            net.JoinHostPort(c.BindAddr, strconv.Itoa(c.AdminPort())),
		AdminKey:             string(key),
		AdminTLSCert:         c.AdminTLSCert,
		AdminTLSKey:          c.AdminTLSKey,
		RegistryAuth:         c.SchemaRegistryAuthEnabled,
		RegistryUsers:        c.registryUsers,
		RegistryMaxBodyBytes: c.registryMaxBody,
		RegistryBodyBudget:   c.registryBodyBudget,
		Node: httpapi.NodeInfo{
			ID: int32(c.NodeID), Version: Version, Commit: Commit, DataDir: c.DataDir,
			Advertised: net.JoinHostPort(c.AdvertisedAddr, strconv.Itoa(c.AdvertisedPort)),
			KafkaAddr:  func() string { return kafka.Addr().String() },
		},
	}
}

func provideHTTP(cfg httpapi.Config, t *topics.Service, f *fetch.Service, g *groups.Service, tier *tiering.Store,
	reg *registry.Service, sqlSvc *sql.Service, text *textsearch.Service, index *indexing.Pipeline, metrics MetricsHandler, logger *slog.Logger) (*httpapi.Server, error) {
	if !cfg.RegistryAuth && len(cfg.RegistryUsers) > 0 {
		logger.Warn("CHRONIK_SCHEMA_REGISTRY_USERS is set but CHRONIK_SCHEMA_REGISTRY_AUTH_ENABLED is not true: the schema registry asks for no credentials")
	}
	svc := httpapi.Services{Topics: t, Fetch: f, Groups: g, Tiering: tier, Registry: reg, SQL: sqlSvc, Search: text, Indexing: index, Metrics: metrics}
	return httpapi.New(cfg, svc, logger.With("component", "http"))
}

// provideSchemaFormats lists the schema languages the registry parses.
func provideSchemaFormats() []schemaformat.Parser {
	return []schemaformat.Parser{avroformat.New(), jsonformat.New(), protoformat.New()}
}

// provideRegistry loads the schema registry; it needs the restore done so
// that it sees restored schemas.
func provideRegistry(ctx context.Context, _ tiering.Restored, meta metastoreStore, formats []schemaformat.Parser, logger *slog.Logger) (*registry.Service, error) {
	return registry.New(ctx, meta, formats, logger.With("component", "registry"))
}
