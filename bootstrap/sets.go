package bootstrap

import (
	"github.com/google/wire"

	"github.com/chronik-stream/chronik/adapters/columnar/duckcolumnar"
	"github.com/chronik-stream/chronik/adapters/compression/kafkacodec"
	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/adapters/metastore/pebblemeta"
	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/ports/columnar"
	"github.com/chronik-stream/chronik/ports/compression"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// Short names for the ports in provider signatures.
type (
	logStore       = logstore.Store
	metastoreStore = metastore.Store
)

// storageSet is the single-node storage: segment files with a WAL and
// pebble, tiered to the configured object store (restored from it first
// when the data directory is empty).
var storageSet = wire.NewSet(
	metaConfig, pebblemeta.Provide, provideTrackedMeta, wire.Bind(new(metastore.Store), new(*tiering.TrackedMeta)),
	logConfig, segmentlog.Provide,
	provideBucket, provideRestore, tieringConfig, provideTiering, wire.Bind(new(logstore.Store), new(*tiering.Store)),
	wire.Bind(new(fetch.Tiers), new(*tiering.Store)),
)

// applicationSet is the use cases, with what each needs of another.
var applicationSet = wire.NewSet(systemClock, topicsConfig, provideTopics, provideProduce, provideFetch, groupsConfig, provideGroups,
	wire.Bind(new(groups.Topics), new(*topics.Service)))

// compressionSet is the node's one bounded decompressor of record
// batches, shared by everything that decompresses records.
var compressionSet = wire.NewSet(kafkacodec.New, wire.Bind(new(compression.Decompressor), new(*kafkacodec.Codec)),
	wire.Bind(new(indexing.Inflater), new(*kafkacodec.Codec)))

// querySet is the indexing pipeline, SQL over topics (DuckDB) and the
// Postgres listener.
var querySet = wire.NewSet(sqlConfig, provideEngine, wire.Bind(new(columnar.Engine), new(*duckcolumnar.Engine)), provideSQL,
	indexingConfig, provideIndexing, providePG)

// searchSet is full-text search over topics (bleve).
var searchSet = wire.NewSet(searchConfig, bleveindex.New, wire.Bind(new(textindex.Store), new(*bleveindex.Store)), provideSearch)

// kafkaSet is the Kafka listener.
var kafkaSet = wire.NewSet(kafkaConfig, wire.Struct(new(kafkawire.Services), "*"), provideKafka)

// httpSet is the schema registry, the metrics and the HTTP APIs.
var httpSet = wire.NewSet(provideSchemaFormats, provideRegistry, provideMetricsRegistry, provideNodeMetrics, provideMetricsHandler,
	provideAdminKey, httpConfig, provideHTTP)

// nodeSet is a whole node.
var nodeSet = wire.NewSet(storageSet, applicationSet, compressionSet, querySet, searchSet, kafkaSet, httpSet, wire.Struct(new(Node), "*"),
	// The registry decodes values framed with a schema id for the
	// indexing pipeline.
	wire.Bind(new(indexing.Schemas), new(*registry.Service)))
