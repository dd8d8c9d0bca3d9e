// Package pebblemeta is the node's durable metastore.Store, kept in a pebble
// (github.com/cockroachdb/pebble/v2) database.
//
// # On-disk layout
//
// The store owns one directory, Config.Dir (bootstrap picks it, typically a
// subdirectory of the node's data directory), and nothing else lives in it.
// Its contents are pebble's own files:
//
//	<dir>/
//	├── LOCK                      held while the store is open; a second Open fails
//	├── marker.format-version.*   pebble format major version (see formatVersion)
//	├── marker.manifest.*         names the current MANIFEST
//	├── MANIFEST-NNNNNN           the LSM's version edits (which tables exist)
//	├── OPTIONS-NNNNNN            the options the store was last opened with
//	├── NNNNNN.log                write-ahead log; every Apply is one batch record, fsynced
//	└── NNNNNN.sst                sorted tables flushed and compacted from memtables
//
// Only one process may have the directory open (LOCK). Copy the directory
// only while the store is closed; a copy of an open store's files can be
// inconsistent.
//
// Each Apply is one pebble batch committed with pebble.Sync, so it is in the
// WAL and fsynced before Apply returns, and a crash keeps all of its ops or
// none. Keys and values are stored verbatim, ordered bytewise
// (pebble.DefaultComparer); this package adds no prefix, version byte or
// checksum of its own (pebble checksums its WAL records and table blocks).
//
// # Key namespace
//
// The application owns the key space. This package never interprets keys;
// the layout of key prefixes (for example "topic/<name>", "offset/<group>/…")
// and the encoding of values are defined and documented by the application
// packages that write them. Scan with an empty prefix sees every key,
// including any that other packages wrote.
//
// # Resources
//
// The store is sized for small nodes: an 8 MiB block cache, 4 MiB memtables
// (at most two queued before writes stall) and at most 256 open table files.
// pebble's log lines go to the slog.Logger given to Open: informational
// lines at debug level, errors at error level. Corruption that pebble finds
// while reading is logged at error level and returned by the failing call;
// it does not stop the process.
package pebblemeta
