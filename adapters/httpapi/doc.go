// Package httpapi is Chronik's HTTP inbound adapter, on echo: the unified
// API (health, Prometheus metrics, read-only broker state, the schema
// registry) and the admin API (the same state and registry behind an API
// key, optionally over TLS). echo's types never leave this package.
//
// # Listeners
//
// Server.Start opens two listeners and Close stops both (requests in
// flight get Config.ShutdownTimeout, then connections are cut). bootstrap
// starts them after the Kafka listener and stops them before it. /health
// answers 503 until SetReady(true), which bootstrap calls when the node
// has recovered and started; Close turns it back to 503 first.
//
//	unified API  CHRONIK_UNIFIED_API_PORT (6092)          no auth, but Basic auth on the registry routes if enabled
//	admin API    CHRONIK_ADMIN_API_PORT (10000 + node id) X-API-Key on every route but /admin/health; optional TLS
//
// # Routes
//
//	route                                               unified  admin  answers
//	GET  /health                                        yes      -      {"status":"ok"}, or 503 before ready
//	GET  /admin/health                                  yes      yes    the same; never needs the key
//	GET  /metrics                                       yes      -      Prometheus text (the node's registry)
//	GET  /admin/status                                  yes      yes    node id, version, uptime, Kafka address, data dir, counts, tiering stats
//	GET  /admin/topics                                  yes      yes    {"topics":[{name, id, partitions, internal, config_overrides}]}
//	GET  /admin/topics/{topic}                          yes      yes    the same plus partition_info (log start, high watermark, log end, size) and every config
//	GET  /admin/groups                                  yes      yes    {"groups":[{group_id, state, type, lag, partitions:[{topic, partition, committed_offset, high_watermark, lag}]}]}
//	GET  /debug/pprof/...                               -        yes    Go's profiler (net/http/pprof), behind the key
//	POST /subjects/{s}/versions ?normalize              yes      yes    register: {"id":n}
//	POST /subjects/{s} ?normalize ?deleted              yes      yes    look up: {subject, id, version, schema, schemaType?, references?}
//	GET  /subjects ?subjectPrefix ?deleted              yes      yes    ["s", ...]
//	GET  /subjects/{s}/versions ?deleted                yes      yes    [1, 2, ...]
//	GET  /subjects/{s}/versions/{v} ?deleted            yes      yes    {subject, id, version, schema, schemaType?, references?}; v is n, latest or -1
//	GET  /subjects/{s}/versions/{v}/schema ?deleted     yes      yes    the schema text itself
//	GET  /subjects/{s}/versions/{v}/referencedby        yes      yes    [ids of schemas referring to it]
//	DELETE /subjects/{s}/versions/{v} ?permanent        yes      yes    the version number
//	DELETE /subjects/{s} ?permanent                     yes      yes    [deleted version numbers]
//	GET  /schemas/ids/{id} ?subject                     yes      yes    {schema, schemaType?, references?}
//	GET  /schemas/ids/{id}/schema                       yes      yes    the schema text itself
//	GET  /schemas/ids/{id}/subjects ?deleted            yes      yes    ["s", ...]
//	GET  /schemas/ids/{id}/versions ?deleted            yes      yes    [{subject, version}]
//	GET  /schemas ?subjectPrefix ?deleted ?latestOnly   yes      yes    [{subject, version, id, schema, ...}]
//	GET  /schemas/types                                 yes      yes    the types with a parser: ["AVRO", "JSON", "PROTOBUF"]
//	GET  /config[/{s}] ?defaultToGlobal                 yes      yes    {"compatibilityLevel":"BACKWARD"}
//	PUT  /config[/{s}]  {"compatibility":"FULL"}        yes      yes    {"compatibility":"FULL"}
//	DELETE /config[/{s}]                                yes      yes    {"compatibilityLevel": the level it had}
//	GET  /mode[/{s}] ?defaultToGlobal                   yes      yes    {"mode":"READWRITE"}
//	PUT  /mode[/{s}] ?force  {"mode":"IMPORT"}          yes      yes    {"mode":"IMPORT"}
//	DELETE /mode[/{s}]                                  yes      yes    {"mode": the mode it had}
//	POST /compatibility/subjects/{s}/versions[/{v}] ?verbose ?normalize
//	                                                    yes      yes    {"is_compatible":bool} (+ "messages" with verbose)
//	GET  /contexts                                      yes      yes    ["."] (only the default context)
//
// The registry routes follow Confluent's API reference: Avro's schemaType
// is left out of answers; request bodies may be sent as
// application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json,
// application/json or application/octet-stream (others get 415), and every
// answer, errors too, is application/vnd.schemaregistry.v1+json. Bodies are
// limited to Config.MaxBodyBytes (413 beyond). A request field Chronik does
// not know is refused with 42201, and so are Confluent fields it does not
// implement (metadata, ruleSet, schema tags; in PUT /config everything but
// compatibility) unless they are empty: nothing a client asks for is
// silently dropped. Path elements are unescaped, so a subject may hold '/'
// sent as %2F.
//
// # Auth
//
// The admin API compares X-API-Key with Config.AdminKey in constant time
// (both hashed first); a missing or wrong key is 401. bootstrap takes the
// key from CHRONIK_ADMIN_API_KEY or, unset, generates one into
// <data dir>/admin-api-key (mode 0600) and logs the file's path, never the
// key. With Config.RegistryAuth the registry routes of both ports need
// HTTP Basic credentials of a configured user (every user compared in
// constant time); otherwise 401 with WWW-Authenticate.
//
// # Errors
//
// Every error is {"error_code": n, "message": "..."}. errors.go holds the
// one table from domain errors to status and code; a test checks that every
// exported error of domain/schema, domain/topic and domain/log is in it.
//
//	error                                         HTTP  error_code
//	schema.ErrSubjectNotFound                     404   40401
//	schema.ErrVersionNotFound                     404   40402
//	schema.ErrSchemaNotFound                      404   40403
//	schema.ErrSubjectSoftDeleted                  404   40404
//	schema.ErrSubjectNotSoftDeleted               404   40405
//	schema.ErrVersionSoftDeleted                  404   40406
//	schema.ErrVersionNotSoftDeleted               404   40407
//	schema.ErrSubjectLevelNotSet                  404   40408
//	schema.ErrSubjectModeNotSet                   404   40409
//	schema.ErrIncompatible (registry.IncompatibleError, with the reasons)
//	                                              409   409
//	schema.ErrInvalidSchema, ErrUnsupportedField  422   42201
//	schema.ErrInvalidVersion                      422   42202
//	schema.ErrInvalidLevel                        422   42203
//	schema.ErrInvalidMode                         422   42204
//	schema.ErrNotPermitted                        422   42205
//	schema.ErrReferenceExists                     422   42206
//	schema.ErrInvalidSubject                      422   42208
//	schema.ErrBusy                                503   50302
//	topic.ErrUnknown                              404   40450
//	topic.ErrUnknownPartition, log.ErrUnknownPartition
//	                                              404   40451
//	topic.ErrExists                               409   40950
//	topic.ErrInvalidName/Partitions/Replicas/Config 422 42250-42253
//	log.ErrOffsetOutOfRange                       422   42254
//	topic.ErrInvalidReplicaAssignment/Request/Internal
//	                                              422   42255-42257
//	log.ErrTooLarge                               413   41350
//	log.ErrCorrupt, log.ErrPoisoned               500   50050, 50051
//	log.ErrClosed, log.ErrRemoteUnavailable       503   50350, 50351
//	context deadline or cancel                    500   50002 (Confluent's "operation timed out")
//	anything else (a metastore failure, ...)      500   50001
//
// HTTP's own failures carry the status as the code: 400 (malformed JSON),
// 401 (auth), 404 and 405 (no such route or method), 413 (body too
// large), 415 (content type), 422 (a field of the wrong JSON type), 503
// (not ready).
package httpapi
