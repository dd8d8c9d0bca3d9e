package bootstrap

import (
	"github.com/google/wire"

	"github.com/chronik-stream/chronik/adapters/kafkawire"
	"github.com/chronik-stream/chronik/adapters/logstore/segmentlog"
	"github.com/chronik-stream/chronik/adapters/metastore/pebblemeta"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/metastore"
)

// Short names for the ports in provider signatures.
type (
	logStore       = logstore.Store
	metastoreStore = metastore.Store
)

// storageSet is the single-node storage: segment files with a WAL, and pebble.
var storageSet = wire.NewSet(
	metaConfig, pebblemeta.Set,
	logConfig, segmentlog.Set,
)

// applicationSet is the use cases.
var applicationSet = wire.NewSet(systemClock, topicsConfig, provideTopics, provideProduce, provideFetch, groupsConfig, provideGroups)

// kafkaSet is the Kafka listener.
var kafkaSet = wire.NewSet(kafkaConfig, wire.Struct(new(kafkawire.Services), "*"), provideKafka)

// nodeSet is a whole node.
var nodeSet = wire.NewSet(storageSet, applicationSet, kafkaSet, wire.Struct(new(Node), "*"))
