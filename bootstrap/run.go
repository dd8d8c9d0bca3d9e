package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// Open creates the data directory, opens and recovers the stores, and
// composes a node that is ready to Start. cleanup closes the stores; call it
// after the node has stopped.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Node, func(), error) {
	if err := prepareDataDir(cfg); err != nil {
		return nil, nil, err
	}
	return newNode(ctx, cfg, logger)
}

// prepareDataDir sets the process umask, so that libraries creating files
// with mode 0666 (pebble) create them 0600 (0640 when group-readable), and
// creates the data directory 0700 (0750), or gives an existing one, perhaps
// made by an earlier version with 0755, that mode: nothing below it is then
// reachable by other users.
func prepareDataDir(cfg Config) error {
	setUmask(cfg.umask())
	_, dirs := cfg.modes()
	if err := os.MkdirAll(cfg.DataDir, dirs); err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	if err := os.Chmod(cfg.DataDir, dirs); err != nil {
		return fmt.Errorf("data directory %s: setting its mode %v: %w", cfg.DataDir, dirs, err)
	}
	return nil
}

// Serve opens a node, serves until ctx ends, and shuts everything down in
// reverse order.
func Serve(ctx context.Context, cfg Config, logger *slog.Logger) error {
	node, cleanup, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	return node.Run(ctx)
}

// Version facts, set at build time with -ldflags.
var (
	Version = "0.1.0-dev"
	Commit  = "unknown"
)

// Features lists what this build can do.
func Features() []string {
	return []string{"kafka-wire", "wal-group-commit", "segment-storage", "idempotent-producer", "pebble-metadata"}
}

// LogStartup writes the effective configuration at info level.
func LogStartup(logger *slog.Logger, cfg Config) {
	logger.Info("starting chronik", "version", Version, "commit", Commit, "data_dir", cfg.DataDir,
		"bind", cfg.BindAddr, "kafka_port", cfg.KafkaPort, "advertised", fmt.Sprintf("%s:%d", cfg.AdvertisedAddr, cfg.AdvertisedPort),
		"wal_delay", cfg.WALDelay().String(), "wal_rotation_bytes", cfg.walRotationBytes)
}
