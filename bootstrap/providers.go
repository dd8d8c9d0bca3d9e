package bootstrap

import (
	"github.com/prometheus/client_golang/prometheus"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/adapters/metastore/pebblemeta"
	"github.com/chronik-stream/chronik/adapters/pgwire"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/ports/clock"
	"github.com/chronik-stream/chronik/ports/compression"
	"github.com/chronik-stream/chronik/ports/objstore"
)

// Node is one running broker: what Run starts and stops.
type Node struct {
	Kafka   *kafkawire.Server
	Produce *produce.Service
	Topics  *topics.Service
	Groups  *groups.Service
	Tiering *tiering.Store
	// HTTP is the unified and admin APIs; Registry the schema registry
	// they serve.
	HTTP     *httpapi.Server
	Registry *registry.Service
	// Indexing feeds SQL (the columnar sink); PG is the Postgres listener
	// (nil when off).
	Indexing *indexing.Pipeline
	SQL      *sql.Service
	PG       *pgwire.Server
	// Search is full-text search over topics, fed by Indexing too.
	Search *textsearch.Service
	Config Config
	Logger *slog.Logger

	stopBackground context.CancelFunc `wire:"-"`
	backgroundDone chan struct{}      `wire:"-"`
	indexingDone   chan struct{}      `wire:"-"`
}

// Start opens the Kafka listener, then the HTTP APIs, and the background
// work; /health turns ready last. Stores are already recovered when a Node
// exists.
func (n *Node) Start() error {
	if n.Config.advertisedNote != "" {
		n.Logger.Warn(n.Config.advertisedNote)
	}
	if err := n.Kafka.Start(); err != nil {
		return err
	}
	if err := n.HTTP.Start(); err != nil {
		_ = n.Kafka.Close()
		return fmt.Errorf("%w (ports: CHRONIK_UNIFIED_API_PORT, CHRONIK_ADMIN_API_PORT)", err)
	}
	if n.PG != nil {
		if err := n.PG.Start(); err != nil {
			_ = n.HTTP.Close()
			_ = n.Kafka.Close()
			return fmt.Errorf("postgres listener: %w (port: CHRONIK_PG_PORT; 0 turns it off)", err)
		}
	}
	// The indexing pipeline stops first: its last seals and watermarks
	// are metastore writes that the final metadata snapshot must hold.
	ctx, cancel := context.WithCancel(context.Background())
	indexCtx, stopIndexing := context.WithCancel(context.Background())
	n.stopBackground = func() { stopIndexing(); <-n.indexingDone; cancel() }
	n.indexingDone = make(chan struct{})
	n.backgroundDone = make(chan struct{})
	go func() {
		defer close(n.indexingDone)
		n.Indexing.Run(indexCtx)
	}()
	go func() {
		defer close(n.backgroundDone)
		var wg sync.WaitGroup
		wg.Add(5)
		go func() { defer wg.Done(); n.Produce.Run(ctx) }()
		go func() { defer wg.Done(); n.SQL.RunCompaction(ctx) }()
		go func() { defer wg.Done(); n.Groups.Run(ctx) }()
		go func() { defer wg.Done(); n.Tiering.Run(ctx) }()
		go func() { defer wg.Done(); n.Tiering.RunSnapshots(ctx) }()
		wg.Wait()
	}()
	n.HTTP.SetReady(true)
	n.Logger.Info("chronik is ready", "kafka", n.Kafka.Addr().String(), "http", n.HTTP.UnifiedAddr().String(),
		"admin", n.HTTP.AdminAddr().String(), "data_dir", n.Config.DataDir)
	return nil
}

// Stop closes the HTTP APIs (health turns 503 first; requests in flight
// get a bounded wait), then the Kafka listener after it answered what it
// had read, and saves producer state. The stores are closed by Open's
// cleanup, after Stop.
func (n *Node) Stop() error {
	httpErr := n.HTTP.Close()
	var pgErr error
	if n.PG != nil {
		pgErr = n.PG.Close()
	}
	n.Groups.Close() // answers parked JoinGroup/SyncGroup requests
	err := errors.Join(n.Kafka.Close(), httpErr, pgErr)
	if n.stopBackground != nil {
		n.stopBackground()
		<-n.backgroundDone
		n.stopBackground = nil
	}
	return err
}

// Run serves until ctx ends, then stops.
func (n *Node) Run(ctx context.Context) error {
	if err := n.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	n.Logger.Info("shutting down")
	return n.Stop()
}

func metaConfig(c Config) pebblemeta.Config {
	_, dirs := c.modes()
	return pebblemeta.Config{Dir: filepath.Join(c.DataDir, "meta"), DirMode: dirs}
}

func logConfig(c Config) segmentlog.Config {
	files, dirs := c.modes()
	return segmentlog.Config{
		Dir:              filepath.Join(c.DataDir, "logs"),
		MaxBatchDelay:    c.WALDelay(),
		WALRotationBytes: c.walRotationBytes,
		MaxBatchBytes:    int(c.maxRequestBytes),
		MaxOpenSegments:  c.MaxOpenSegments,
		FileMode:         files,
		DirMode:          dirs,
	}
}

func provideTrackedMeta(s *pebblemeta.Store) *tiering.TrackedMeta { return tiering.Track(s) }

// provideRestore restores an empty node from the object store before
// anything reads the stores.
func provideRestore(ctx context.Context, c Config, bucket objstore.Bucket, meta *pebblemeta.Store, logs *segmentlog.Store, logger *slog.Logger) (tiering.Restored, error) {
	timeout := time.Duration(c.ObjectStoreTimeoutMs) * time.Millisecond
	return tiering.Restore(ctx, bucket, meta, logs, timeout, logger.With("component", "restore"))
}

// provideTiering wraps the local log store; it needs the restore done.
func provideTiering(ctx context.Context, cfg tiering.Config, _ tiering.Restored, logs *segmentlog.Store, meta *tiering.TrackedMeta, bucket objstore.Bucket, clk clock.Clock, logger *slog.Logger) (*tiering.Store, error) {
	return tiering.New(ctx, cfg, logs, meta, bucket, clk, logger.With("component", "tiering"))
}

func topicsConfig(c Config) topics.Config {
	return topics.Config{AutoCreate: c.AutoCreateTopics, DefaultPartitions: int32(c.DefaultPartitions),
		MaxPartitions: c.MaxPartitions, MaxPartitionsPerRequest: c.MaxPartitionsPerRequest}
}

func provideTopics(ctx context.Context, cfg topics.Config, meta metastoreStore, logs logStore, logger *slog.Logger) (*topics.Service, error) {
	return topics.New(ctx, cfg, meta, logs, logger.With("component", "topics"))
}

func kafkaConfig(c Config, metrics *prometheus.Registry) kafkawire.Config {
	return kafkawire.Config{
		Addr:            net.JoinHostPort(c.BindAddr, strconv.Itoa(c.KafkaPort)),
		AdvertisedHost:  c.AdvertisedAddr,
		AdvertisedPort:  int32(c.AdvertisedPort),
		NodeID:          int32(c.NodeID),
		MaxRequestBytes: int32(c.maxRequestBytes),
		DataDir:         c.DataDir,
		Metrics:         metrics,
		BrokerConfigs:   brokerConfigs(c),

		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		IdleTimeout:         time.Duration(c.ConnectionsMaxIdleMs) * time.Millisecond,
		RequestReadTimeout:  time.Duration(c.RequestReadTimeoutMs) * time.Millisecond,
		FetchMaxBytes:       int32(c.fetchMaxBytes),
		FetchMaxWait:        time.Duration(c.FetchMaxWaitMs) * time.Millisecond,
		FetchResponseBytes:  c.fetchBudget,

		MaxUncompressedBatchBytes: c.maxUncompressed,
	}
}

func provideKafka(cfg kafkawire.Config, svc kafkawire.Services, inflate compression.Decompressor, logger *slog.Logger) *kafkawire.Server {
	return kafkawire.New(cfg, svc, inflate, logger.With("component", "kafka"))
}

func provideProduce(logs logStore, meta metastoreStore, clk clock.Clock, logger *slog.Logger) *produce.Service {
	return produce.New(logs, meta, clk, logger.With("component", "produce"))
}

func provideFetch(logs logStore, tiers fetch.Tiers) *fetch.Service { return fetch.New(logs, tiers) }

func groupsConfig(c Config) groups.Config {
	return groups.Config{
		Group: group.Config{
			MinSessionTimeout:     time.Duration(c.GroupMinSessionTimeoutMs) * time.Millisecond,
			MaxSessionTimeout:     time.Duration(c.GroupMaxSessionTimeoutMs) * time.Millisecond,
			InitialRebalanceDelay: time.Duration(c.GroupInitialRebalanceDelayMs) * time.Millisecond,
			MaxSize:               c.GroupMaxSize,
			MaxMemberBytes:        c.GroupMemberMaxBytes,
		},
		OffsetsRetention: time.Duration(c.OffsetsRetentionMinutes) * time.Minute,
		Consumer: group.ConsumerConfig{
			SessionTimeout:    time.Duration(c.GroupConsumerSessionTimeoutMs) * time.Millisecond,
			HeartbeatInterval: time.Duration(c.GroupConsumerHeartbeatIntervalMs) * time.Millisecond,
			MaxSize:           c.GroupConsumerMaxSize,
			MaxMemberBytes:    c.GroupMemberMaxBytes,
		},
		OffsetMetadataMaxBytes: c.OffsetMetadataMaxBytes,
	}
}

func provideGroups(ctx context.Context, cfg groups.Config, t groups.Topics, meta metastoreStore, logs logStore, clk clock.Clock, logger *slog.Logger) (*groups.Service, error) {
	return groups.New(ctx, cfg, t, meta, logs, clk, logger.With("component", "groups"))
}

func systemClock() clock.Clock { return clock.System{} }
