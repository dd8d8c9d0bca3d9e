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
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	return newNode(ctx, cfg, logger)
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
