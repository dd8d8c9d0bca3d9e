package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/chronik-stream/chronik/adapters/objstore/azurestore"
	"github.com/chronik-stream/chronik/adapters/objstore/filestore"
	"github.com/chronik-stream/chronik/adapters/objstore/gcsstore"
	"github.com/chronik-stream/chronik/adapters/objstore/s3store"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// ObjectStore is where sealed segments and metadata snapshots go. At most
// one backend is configured; with none, a local folder is used. The field
// names follow the environment variables (S3_BUCKET, ...), and so do the
// TOML keys (s3_bucket, ...).
type ObjectStore struct {
	S3Bucket    string `toml:"s3_bucket"`
	S3Region    string `toml:"s3_region"`
	S3Endpoint  string `toml:"s3_endpoint"`
	S3AccessKey string `toml:"s3_access_key"`
	S3SecretKey string `toml:"s3_secret_key"`
	S3Prefix    string `toml:"s3_prefix"`
	// S3PathStyle: "" means path style exactly when S3Endpoint is set
	// (MinIO and most S3-compatible services need it).
	S3PathStyle string `toml:"s3_path_style"`

	GCSBucket          string `toml:"gcs_bucket"`
	GCSProjectID       string `toml:"gcs_project_id"`
	GCSPrefix          string `toml:"gcs_prefix"`
	GCSEndpoint        string `toml:"gcs_endpoint"`
	GCSCredentialsFile string `toml:"gcs_credentials_file"`
	GCSUseEmulator     bool   `toml:"gcs_use_emulator"`

	AzureAccountName string `toml:"azure_account_name"`
	AzureAccountKey  string `toml:"azure_account_key"`
	AzureContainer   string `toml:"azure_container"`
	AzureEndpoint    string `toml:"azure_endpoint"`
	AzurePrefix      string `toml:"azure_prefix"`
	AzureUseEmulator bool   `toml:"azure_use_emulator"`
	// AzureCreateContainer creates the container if it does not exist.
	AzureCreateContainer bool `toml:"azure_create_container"`

	// LocalStoragePath is the folder of the local backend; "" means
	// <data dir>/objects.
	LocalStoragePath string `toml:"local_storage_path"`
}

// objectStoreVars are the original, unprefixed variable names.
var objectStoreVars = []envVar{
	{"S3_BUCKET", str(func(c *Config) *string { return &c.ObjectStore.S3Bucket })},
	{"S3_REGION", str(func(c *Config) *string { return &c.ObjectStore.S3Region })},
	{"S3_ENDPOINT", str(func(c *Config) *string { return &c.ObjectStore.S3Endpoint })},
	{"S3_ACCESS_KEY", str(func(c *Config) *string { return &c.ObjectStore.S3AccessKey })},
	{"S3_SECRET_KEY", str(func(c *Config) *string { return &c.ObjectStore.S3SecretKey })},
	{"S3_PREFIX", str(func(c *Config) *string { return &c.ObjectStore.S3Prefix })},
	{"S3_PATH_STYLE", str(func(c *Config) *string { return &c.ObjectStore.S3PathStyle })},
	{"GCS_BUCKET", str(func(c *Config) *string { return &c.ObjectStore.GCSBucket })},
	{"GCS_PROJECT_ID", str(func(c *Config) *string { return &c.ObjectStore.GCSProjectID })},
	{"GCS_PREFIX", str(func(c *Config) *string { return &c.ObjectStore.GCSPrefix })},
	{"GCS_ENDPOINT", str(func(c *Config) *string { return &c.ObjectStore.GCSEndpoint })},
	{"GCS_CREDENTIALS_FILE", str(func(c *Config) *string { return &c.ObjectStore.GCSCredentialsFile })},
	{"GCS_USE_EMULATOR", boolVar(func(c *Config) *bool { return &c.ObjectStore.GCSUseEmulator })},
	{"AZURE_ACCOUNT_NAME", str(func(c *Config) *string { return &c.ObjectStore.AzureAccountName })},
	{"AZURE_ACCOUNT_KEY", str(func(c *Config) *string { return &c.ObjectStore.AzureAccountKey })},
	{"AZURE_CONTAINER", str(func(c *Config) *string { return &c.ObjectStore.AzureContainer })},
	{"AZURE_ENDPOINT", str(func(c *Config) *string { return &c.ObjectStore.AzureEndpoint })},
	{"AZURE_PREFIX", str(func(c *Config) *string { return &c.ObjectStore.AzurePrefix })},
	{"AZURE_USE_EMULATOR", boolVar(func(c *Config) *bool { return &c.ObjectStore.AzureUseEmulator })},
	{"AZURE_CREATE_CONTAINER", boolVar(func(c *Config) *bool { return &c.ObjectStore.AzureCreateContainer })},
	{"LOCAL_STORAGE_PATH", str(func(c *Config) *string { return &c.ObjectStore.LocalStoragePath })},
}

// backend names the configured backend: s3, gcs, azure or local.
func (o ObjectStore) backend() (string, error) {
	var set []string
	if o.S3Bucket != "" {
		set = append(set, "s3")
	}
	if o.GCSBucket != "" {
		set = append(set, "gcs")
	}
	if o.AzureContainer != "" || o.AzureAccountName != "" {
		set = append(set, "azure")
	}
	switch len(set) {
	case 0:
		return "local", nil
	case 1:
		return set[0], nil
	}
	return "", fmt.Errorf("more than one object store is configured (%v); set only one of S3_BUCKET, GCS_BUCKET, AZURE_CONTAINER", set)
}

func (o ObjectStore) validate() []string {
	b, err := o.backend()
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if b == "azure" && o.AzureContainer == "" {
		problems = append(problems, "AZURE_CONTAINER is not set (AZURE_ACCOUNT_NAME is)")
	}
	if b == "s3" && (o.S3AccessKey == "") != (o.S3SecretKey == "") {
		problems = append(problems, "set both S3_ACCESS_KEY and S3_SECRET_KEY, or neither to use the AWS default credential chain")
	}
	switch o.S3PathStyle {
	case "", "true", "false":
	default:
		problems = append(problems, fmt.Sprintf("S3_PATH_STYLE %q is not true or false", o.S3PathStyle))
	}
	return problems
}

// provideBucket opens the configured object store. Secrets never reach the
// log: only the backend and bucket are logged.
func provideBucket(ctx context.Context, c Config, logger *slog.Logger) (objstore.Bucket, func(), error) {
	o := c.ObjectStore
	backend, err := o.backend()
	if err != nil {
		return nil, nil, err
	}
	var (
		b     objstore.Bucket
		where string
	)
	switch backend {
	case "s3":
		pathStyle := o.S3PathStyle == "true" || (o.S3PathStyle == "" && o.S3Endpoint != "")
		b, err = s3store.New(ctx, s3store.Config{
			Bucket: o.S3Bucket, Region: o.S3Region, Endpoint: o.S3Endpoint,
			AccessKey: o.S3AccessKey, SecretKey: o.S3SecretKey, Prefix: o.S3Prefix, PathStyle: pathStyle,
		})
		where = "s3://" + o.S3Bucket + "/" + o.S3Prefix
	case "gcs":
		b, err = gcsstore.New(ctx, gcsstore.Config{
			Bucket: o.GCSBucket, ProjectID: o.GCSProjectID, Prefix: o.GCSPrefix,
			Endpoint: o.GCSEndpoint, CredentialsFile: o.GCSCredentialsFile, Emulator: o.GCSUseEmulator,
		})
		where = "gs://" + o.GCSBucket + "/" + o.GCSPrefix
	case "azure":
		b, err = azurestore.New(ctx, azurestore.Config{
			AccountName: o.AzureAccountName, AccountKey: o.AzureAccountKey, Container: o.AzureContainer,
			Endpoint: o.AzureEndpoint, UseEmulator: o.AzureUseEmulator, Prefix: o.AzurePrefix,
			CreateContainer: o.AzureCreateContainer,
		})
		where = "azure container " + o.AzureContainer + "/" + o.AzurePrefix
	default:
		path := o.LocalStoragePath
		if path == "" {
			path = filepath.Join(c.DataDir, "objects")
		}
		files, dirs := c.modes()
		b, err = filestore.NewWithModes(path, files, dirs)
		where = path
	}
	if err != nil {
		return nil, nil, fmt.Errorf("opening the %s object store: %w", backend, err)
	}
	logger.Info("object store", "backend", backend, "location", where)
	return b, func() { _ = b.Close() }, nil
}

func tieringConfig(c Config) tiering.Config {
	return tiering.Config{
		Interval:         time.Duration(c.TierIntervalMs) * time.Millisecond,
		ObjectBytes:      c.tierObjectBytes,
		CacheBytes:       c.tierCacheBytes,
		CallTimeout:      time.Duration(c.ObjectStoreTimeoutMs) * time.Millisecond,
		SnapshotInterval: time.Duration(c.MetadataSnapshotIntervalMs) * time.Millisecond,
	}
}
