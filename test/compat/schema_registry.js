// @kafkajs/confluent-schema-registry (with kafkajs) against a Chronik node and
// the schema registry of its unified HTTP API.
//
// usage: node schema_registry.js <host:port>   (run from test/compat so node_modules resolves)
// The registry is http://127.0.0.1:$CHRONIK_COMPAT_HTTP_PORT (exported by run.sh).
//
// For each schema type the library supports (Avro, JSON Schema, Protobuf):
// SchemaRegistry.register puts version 1 under "<topic>-value" (the library
// asks GET /config/<subject>, registers, then PUTs BACKWARD as the subject's
// level); registering it again gives the same id; getRegistryIdBySchema,
// getLatestSchemaId and getRegistryId(subject, 1) agree. Records encoded with
// registry.encode (magic byte 0, the id) are produced with kafkajs, consumed
// by a consumer group and decoded by a second SchemaRegistry instance with an
// empty cache (so the schema comes from GET /schemas/ids/<id>), and must equal
// what was sent. Then the schema evolves:
//   - compatibly: Avro adds a field with a default, JSON Schema an optional
//     property (the content model is closed), Protobuf a field: a new id and
//     version 2, records of both versions produced and read back; the old
//     records decode with the new schema id (Avro: version 2, fetched by id,
//     as the reader schema; JSON and Protobuf: the old payload framed with
//     the new id), the new field at its default;
//   - incompatibly: Avro adds a field without a default, JSON Schema a
//     required property without a default, Protobuf changes a double field
//     to string: register must fail with HTTP 409 under the default BACKWARD
//     level, and the latest version stays 2.
// The library's own check of the subject's level (register with
// compatibility FULL while the subject is BACKWARD) must refuse too.
//
// Broker-side validation: a topic created through kafkajs admin.createTopics
// with configEntries confluent.value.schema.validation=true (describeConfigs
// shows it). A record encoded by the library and a tombstone are accepted; a
// plain value, a value naming an unregistered schema id, and a batch mixing a
// good and a plain record are refused with the Kafka error INVALID_RECORD
// (kafkajs's error type); afterwards the topic holds exactly the accepted
// records (high watermark and a consumer both say so).
//
// Every client call is bounded (CALL_MS); exits non-zero with a message naming
// what was expected and what came back.
'use strict'

const { Kafka, logLevel } = require('kafkajs')
const { SchemaRegistry, SchemaType, COMPATIBILITY } = require('@kafkajs/confluent-schema-registry')
// mappersmith is the library's HTTP client; its timeout middleware bounds each request.
const { TimeoutMiddleware } = require(require.resolve('mappersmith/middleware/timeout', {
  paths: [require.resolve('@kafkajs/confluent-schema-registry')],
}))

const CALL_MS = 15000 // any one client call
const CONSUME_MS = 40000 // a consumer group reading a topic (joining takes a few seconds)
const N = 20 // records per schema version

const bootstrap = process.argv[2]
const httpPort = process.env.CHRONIK_COMPAT_HTTP_PORT
const adminKey = process.env.CHRONIK_COMPAT_ADMIN_KEY
if (!bootstrap || !httpPort || !adminKey) {
  console.error('usage: CHRONIK_COMPAT_HTTP_PORT=<port> CHRONIK_COMPAT_ADMIN_KEY=<key> node schema_registry.js <host:port>')
  process.exit(2)
}
const registryURL = `http://127.0.0.1:${httpPort}`

class Failure extends Error {}
const check = (cond, msg) => {
  if (!cond) throw new Failure(msg)
}
const log = msg => console.log(`schema-registry-kafkajs: ${msg}`)
const sleep = ms => new Promise(r => setTimeout(r, ms))

// JSON with object keys sorted, to compare values whatever their key order.
const canon = v =>
  JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x) && !Buffer.isBuffer(x)
      ? Object.fromEntries(Object.keys(x).sort().map(k => [k, x[k]]))
      : x
  )

const describeError = e => {
  if (!e) return String(e)
  const parts = [e.name || 'Error']
  if (e.status !== undefined) parts.push(`HTTP ${e.status}`)
  if (e.type) parts.push(`type ${e.type}`)
  if (e.url) parts.push(`(${e.url})`)
  const cause = e.cause ? ` (${e.cause.code || e.cause.name}: ${e.cause.message})` : ''
  return `${parts.join(' ')}: ${e.message}${cause}`
}

// bounded: the call's promise, or a Failure naming it when it takes longer than ms.
async function bounded(what, promise, ms = CALL_MS) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what}: no answer within ${ms / 1000}s`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// call: a client call that must succeed; its error becomes a Failure naming the call.
async function call(what, fn, ms = CALL_MS) {
  try {
    return await bounded(what, Promise.resolve().then(fn), ms)
  } catch (e) {
    if (e instanceof Failure) throw e
    throw new Failure(`${what}: failed with ${describeError(e)}`)
  }
}

// refused: a client call that must fail with an error ok(e) accepts; want says what was expected.
async function refused(what, fn, ok, want) {
  let res
  try {
    res = await bounded(what, Promise.resolve().then(fn))
  } catch (e) {
    if (e instanceof Failure) throw e
    check(ok(e), `${what}: failed with ${describeError(e)}, want ${want}`)
    return e
  }
  throw new Failure(`${what}: succeeded (${JSON.stringify(res)}), want ${want}`)
}

// kafkajs logs broker errors (INVALID_RECORD here, on purpose) at ERROR level;
// they are kept while an error is expected, printed otherwise.
let quiet = false
const logCreator = () => ({ namespace, label, log: entry }) => {
  if (!quiet) console.error(`kafkajs log ${label} [${namespace}] ${entry.message}${entry.error ? ` (${entry.error})` : ''}`)
}
const kafka = new Kafka({
  clientId: 'compat-sr-kafkajs',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  logCreator,
  connectionTimeout: 5000,
  requestTimeout: CALL_MS,
  retry: { retries: 3 },
})
const admin = kafka.admin()
const producer = kafka.producer({ allowAutoTopicCreation: false })

// Registry writes on the unified port need the admin key: the library sends
// it as the password of HTTP Basic auth. anonymous: no credentials.
const newRegistry = (anonymous = false) =>
  new SchemaRegistry({
    host: registryURL,
    ...(anonymous ? {} : { auth: { username: 'compat', password: adminKey } }),
    clientId: 'compat-sr-kafkajs',
    retry: { retries: 1, maxRetryTimeInSecs: 2 },
    middlewares: [TimeoutMiddleware(CALL_MS / 3)],
  })
// registry registers and encodes (its cache holds what it registered); each
// decode uses a fresh instance, as a consumer in another process would.
const registry = newRegistry()

const isHTTP = status => e => e && e.name === 'ResponseError' && e.status === status
const wireId = buf => {
  check(Buffer.isBuffer(buf) && buf.length >= 5 && buf[0] === 0, `encoded value does not start with magic byte 0 and an id: ${buf && buf.toString('hex')}`)
  return buf.readInt32BE(1)
}
const reframe = (buf, id) => {
  const out = Buffer.from(buf)
  out.writeInt32BE(id, 1)
  return out
}

async function waitReady() {
  const deadline = Date.now() + 20000
  let last
  for (;;) {
    try {
      const res = await fetch(`${registryURL}/health`, { signal: AbortSignal.timeout(3000) })
      last = `HTTP ${res.status} ${await res.text()}`
      if (res.status === 200) return
    } catch (e) {
      last = describeError(e)
    }
    check(Date.now() < deadline, `GET ${registryURL}/health: not 200 within 20s (last: ${last})`)
    await sleep(200)
  }
}

async function createTopic(topic, partitions, configEntries) {
  const ok = await call(`createTopics ${topic}`, () =>
    admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true, timeout: CALL_MS })
  )
  check(ok === true, `createTopics ${topic}: returned ${ok}, want true (created)`)
}

// newSubject creates the topic compat-sr-<kind> (2 partitions) and registers
// schema as version 1 of its value subject.
async function newSubject(kind, schema) {
  const topic = `compat-sr-${kind}`
  const subject = `${topic}-value`
  await createTopic(topic, 2)
  return { topic, subject, id1: await registerFirst(kind, subject, schema) }
}

// encodeAll encodes each value with schema id (kind and what name it in errors)
// under the key `<tag>-<key(value)>`, and records in want what that key must
// decode to; returns the messages to produce.
async function encodeAll(kind, what, id, tag, values, key, want) {
  const msgs = []
  for (const v of values) {
    const k = `${tag}-${key(v)}`
    const value = await call(`${kind}: encode ${what} ${key(v)} with id ${id}`, () => registry.encode(id, v))
    want.set(k, { id, value: v })
    msgs.push({ key: k, value })
  }
  return msgs
}

async function produce(topic, messages) {
  const res = await call(`produce ${messages.length} records to ${topic}`, () => producer.send({ topic, acks: -1, messages }))
  for (const r of res) check(r.errorCode === 0, `produce to ${topic}: partition ${r.partition} errorCode ${r.errorCode}`)
  return res
}

// consume: a consumer group reads topic from the beginning until it has want
// records (then a little longer, to catch extras); returns them in offset order per partition.
async function consume(topic, want) {
  const consumer = kafka.consumer({ groupId: `compat-sr-kjs-${topic}-${process.pid}`, maxWaitTimeInMs: 200, sessionTimeout: 10000, heartbeatInterval: 500 })
  const got = []
  let crash = null
  consumer.on(consumer.events.CRASH, e => {
    crash = e.payload.error
  })
  try {
    await call(`consumer connect (${topic})`, () => consumer.connect())
    await call(`consumer subscribe ${topic}`, () => consumer.subscribe({ topics: [topic], fromBeginning: true }))
    await call(`consumer run ${topic}`, () =>
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({ partition, offset: Number(message.offset), key: message.key && message.key.toString(), value: message.value })
        },
      })
    )
    const deadline = Date.now() + CONSUME_MS
    while (got.length < want) {
      check(!crash, `consume ${topic}: the consumer crashed: ${describeError(crash)}`)
      check(Date.now() < deadline, `consume ${topic}: ${got.length} of ${want} records within ${CONSUME_MS / 1000}s`)
      await sleep(100)
    }
    await sleep(1000)
  } finally {
    await bounded(`consumer disconnect (${topic})`, consumer.disconnect()).catch(e => console.error(`schema-registry-kafkajs: ${e.message}`))
  }
  check(got.length === want, `consume ${topic}: ${got.length} records, want ${want}: ${JSON.stringify(got.map(g => `${g.partition}@${g.offset}`))}`)
  return got.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

// Register version 1 of a subject and check the library's lookups agree.
async function registerFirst(kind, subject, schema) {
  const { id } = await call(`${kind}: register version 1 under ${subject}`, () => registry.register(schema, { subject }))
  check(Number.isInteger(id) && id > 0, `${kind}: register version 1 returned id ${JSON.stringify(id)}, want a positive integer`)
  const again = await call(`${kind}: register version 1 again`, () => newRegistry().register(schema, { subject }))
  check(again.id === id, `${kind}: registering version 1 again returned id ${again.id}, want ${id} (the same schema)`)
  const byId = await call(`${kind}: getRegistryIdBySchema(${subject})`, () => registry.getRegistryIdBySchema(subject, schema))
  check(byId === id, `${kind}: getRegistryIdBySchema returned ${byId}, want ${id}`)
  // Without the admin key a client reads but does not write.
  const anon = newRegistry(true)
  await call(`${kind}: getSchema(${id}) without credentials`, () => anon.getSchema(id))
  await refused(`${kind}: register under ${subject}-anonymous without credentials`, () => anon.register(schema, { subject: `${subject}-anonymous` }),
    isHTTP(401), 'ResponseError with status 401')
  const latest = await call(`${kind}: getLatestSchemaId(${subject})`, () => registry.getLatestSchemaId(subject))
  check(latest === id, `${kind}: getLatestSchemaId returned ${latest}, want ${id}`)
  const v1 = await call(`${kind}: getRegistryId(${subject}, 1)`, () => registry.getRegistryId(subject, 1))
  check(v1 === id, `${kind}: getRegistryId(${subject}, 1) returned ${v1}, want ${id}`)
  return id
}

// Register a compatible version 2; then an incompatible schema must be refused with 409.
async function evolve(kind, subject, id1, v2, v3, v3What) {
  const { id: id2 } = await call(`${kind}: register version 2 (compatible) under ${subject}`, () => registry.register(v2, { subject }))
  check(Number.isInteger(id2) && id2 !== id1, `${kind}: version 2 got id ${id2}, want a new id (version 1 is ${id1})`)
  check((await call(`${kind}: getLatestSchemaId`, () => registry.getLatestSchemaId(subject))) === id2, `${kind}: getLatestSchemaId is not version 2's id ${id2}`)
  check((await call(`${kind}: getRegistryId(${subject}, 2)`, () => registry.getRegistryId(subject, 2))) === id2, `${kind}: getRegistryId(${subject}, 2) is not ${id2}`)
  check((await call(`${kind}: getRegistryId(${subject}, 1)`, () => registry.getRegistryId(subject, 1))) === id1, `${kind}: getRegistryId(${subject}, 1) is no longer ${id1}`)
  const e = await refused(`${kind}: register an incompatible schema (${v3What}) under BACKWARD`, () => registry.register(v3, { subject }), isHTTP(409),
    'ResponseError with HTTP 409 (incompatible)')
  const latest = await call(`${kind}: getLatestSchemaId after the refused schema`, () => registry.getLatestSchemaId(subject))
  check(latest === id2, `${kind}: after the refused schema getLatestSchemaId is ${latest}, want ${id2}`)
  log(`${kind}: version 2 (compatible) got id ${id2}; ${v3What} refused: ${e.message}`)
  return id2
}

async function decodeAll(kind, got, want) {
  const reader = newRegistry()
  const out = []
  for (const g of got) {
    const w = want.get(g.key)
    check(w, `${kind}: consumed unexpected key ${g.key} at ${g.partition}@${g.offset}`)
    check(wireId(g.value) === w.id, `${kind}: ${g.key} carries schema id ${wireId(g.value)}, want ${w.id}`)
    const v = await call(`${kind}: decode ${g.key} (schema id ${w.id})`, () => reader.decode(g.value))
    out.push({ g, w, v })
  }
  return out
}

// ---------------------------------------------------------------- Avro

const AVRO_V1 = {
  type: 'record',
  name: 'Order',
  namespace: 'io.chronik.compat',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'coupon', type: ['null', 'string'], default: null },
  ],
}
const AVRO_V2 = { ...AVRO_V1, fields: [...AVRO_V1.fields, { name: 'channel', type: 'string', default: 'web' }] }
const AVRO_V3 = { ...AVRO_V2, fields: [...AVRO_V2.fields, { name: 'priority', type: 'int' }] }
const avro = s => ({ type: SchemaType.AVRO, schema: JSON.stringify(s) })

async function avroRoundTrip() {
  const { topic, subject, id1 } = await newSubject('avro', avro(AVRO_V1))
  const orders = Array.from({ length: N }, (_, i) => ({
    id: 1000 + i,
    customer: `customer-${i}`,
    amount: 10.25 * (i + 1),
    tags: i % 3 ? ['a', `t${i}`] : [],
    status: AVRO_V1.fields[4].type.symbols[i % 3],
    coupon: i % 2 ? `C${i}` : null,
  }))
  const want = new Map()
  const v1msgs = await encodeAll('avro', 'order', id1, 'v1', orders, o => o.id, want)
  for (const { value } of v1msgs) check(wireId(value) === id1, `avro: encode with id ${id1} wrote id ${wireId(value)}`)
  await produce(topic, v1msgs)
  log(`avro: version 1 registered with id ${id1}; ${N} records encoded and produced`)

  const id2 = await evolve('avro', subject, id1, avro(AVRO_V2), avro(AVRO_V3), 'a field "priority" without a default')
  await refused('avro: register with compatibility FULL while the subject is BACKWARD', () =>
    newRegistry().register(avro(AVRO_V2), { subject, compatibility: COMPATIBILITY.FULL }),
  e => e && e.name === 'ConfluentSchemaRegistryCompatibilityError' && /FULL != BACKWARD/.test(e.message),
  'ConfluentSchemaRegistryCompatibilityError "(FULL != BACKWARD)" (the library reads the level from GET /config/<subject>)')

  const orders2 = orders.slice(0, N / 2).map(o => ({ ...o, id: o.id + 5000, channel: 'mobile' }))
  await produce(topic, await encodeAll('avro', 'order', id2, 'v2', orders2, o => o.id, want))

  const got = await consume(topic, want.size)
  for (const { g, w, v } of await decodeAll('avro', got, want)) {
    check(canon(v) === canon(w.value), `avro: ${g.key} decoded as ${canon(v)}, want ${canon(w.value)}`)
  }
  // The old records, read with version 2 (fetched by its id) as the reader schema.
  const reader = newRegistry()
  const v2type = await call(`avro: getSchema(${id2})`, () => reader.getSchema(id2))
  let old = 0
  for (const g of got.filter(x => x.key.startsWith('v1-'))) {
    const v = await call(`avro: decode ${g.key} with reader schema id ${id2}`, () => reader.decode(g.value, { [SchemaType.AVRO]: { readerSchema: v2type } }))
    const expect = { ...want.get(g.key).value, channel: 'web' }
    check(canon(v) === canon(expect), `avro: ${g.key} read with version 2 as ${canon(v)}, want ${canon(expect)} (channel at its default)`)
    old++
  }
  log(`avro: ${got.length} records consumed and decoded (${N} of version 1, ${N / 2} of version 2); ${old} version-1 records read with version 2 (id ${id2}) get channel "web"`)
  return { id1, sample: orders[0] }
}

// ---------------------------------------------------------------- JSON Schema

const JSON_V1 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Payment',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    payer: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
    currency: { type: 'string', enum: ['EUR', 'USD'] },
    lines: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'payer', 'amount', 'currency'],
  additionalProperties: false,
}
const JSON_V2 = { ...JSON_V1, properties: { ...JSON_V1.properties, note: { type: 'string', default: '' } } }
const JSON_V3 = { ...JSON_V2, properties: { ...JSON_V2.properties, priority: { type: 'integer' } }, required: [...JSON_V2.required, 'priority'] }
const jsonSchema = s => ({ type: SchemaType.JSON, schema: JSON.stringify(s) })

async function jsonRoundTrip() {
  const { topic, subject, id1 } = await newSubject('json', jsonSchema(JSON_V1))
  // The schema a fresh client fetches by id must be the one registered: it refuses what version 1 forbids.
  await refused(`json: encode an invalid payment with id ${id1} (schema fetched from the registry)`, () => newRegistry().encode(id1, { id: 'x', payer: '' }),
    e => e && e.name === 'ConfluentSchemaRegistryValidationError', 'ConfluentSchemaRegistryValidationError')
  const payments = Array.from({ length: N }, (_, i) => ({
    id: i + 1,
    payer: `payer-${i}`,
    amount: 3.5 * i,
    currency: i % 2 ? 'EUR' : 'USD',
    ...(i % 4 ? { lines: [`line ${i}`, 'x'] } : {}),
  }))
  const want = new Map()
  await produce(topic, await encodeAll('json', 'payment', id1, 'v1', payments, p => p.id, want))
  log(`json: version 1 registered with id ${id1}; ${N} records encoded and produced`)

  const id2 = await evolve('json', subject, id1, jsonSchema(JSON_V2), jsonSchema(JSON_V3), 'a required property "priority" without a default')
  const payments2 = payments.slice(0, N / 2).map(p => ({ ...p, id: p.id + 5000, note: `note ${p.id}` }))
  await produce(topic, await encodeAll('json', 'payment', id2, 'v2', payments2, p => p.id, want))

  const got = await consume(topic, want.size)
  for (const { g, w, v } of await decodeAll('json', got, want)) {
    check(canon(v) === canon(w.value), `json: ${g.key} decoded as ${canon(v)}, want ${canon(w.value)}`)
  }
  // The old records framed with version 2's id: version 2 (fetched by id) validates them.
  const reader = newRegistry()
  let old = 0
  for (const g of got.filter(x => x.key.startsWith('v1-'))) {
    const v = await call(`json: decode ${g.key} framed with id ${id2}`, () => reader.decode(reframe(g.value, id2)))
    check(canon(v) === canon(want.get(g.key).value), `json: ${g.key} read with id ${id2} as ${canon(v)}, want ${canon(want.get(g.key).value)}`)
    old++
  }
  log(`json: ${got.length} records consumed and decoded (${N} of version 1, ${N / 2} of version 2); ${old} version-1 records valid under id ${id2}`)
}

// ---------------------------------------------------------------- Protobuf

const PROTO_V1 = `syntax = "proto3";
package io.chronik.compat;

// A sensor reading.
message Reading {
  string sensor = 1;
  double value = 2;
  int32 seq = 3;
  repeated string tags = 4;
  bool ok = 5;
}
`
const PROTO_V2 = PROTO_V1.replace('  bool ok = 5;\n', '  bool ok = 5;\n  string unit = 6;\n')
const PROTO_V3 = PROTO_V2.replace('double value = 2;', 'string value = 2;')
const proto = s => ({ type: SchemaType.PROTOBUF, schema: s })
const protoObject = m => (m && typeof m.toJSON === 'function' ? m.toJSON() : m)

async function protobufRoundTrip() {
  const { topic, subject, id1 } = await newSubject('protobuf', proto(PROTO_V1))
  // Every field non-default, so proto3 writes them all and toJSON shows them all.
  const readings = Array.from({ length: N }, (_, i) => ({ sensor: `s-${i}`, value: 20.5 + i / 4, seq: i + 1, tags: [`t${i}`, 'room'], ok: true }))
  const want = new Map()
  await produce(topic, await encodeAll('protobuf', 'reading', id1, 'v1', readings, r => r.seq, want))
  log(`protobuf: version 1 registered with id ${id1}; ${N} records encoded and produced`)

  const id2 = await evolve('protobuf', subject, id1, proto(PROTO_V2), proto(PROTO_V3), 'field 2 "value" changed from double to string')
  const readings2 = readings.slice(0, N / 2).map(r => ({ ...r, seq: r.seq + 5000, unit: 'celsius' }))
  await produce(topic, await encodeAll('protobuf', 'reading', id2, 'v2', readings2, r => r.seq, want))

  const got = await consume(topic, want.size)
  for (const { g, w, v } of await decodeAll('protobuf', got, want)) {
    check(canon(protoObject(v)) === canon(w.value), `protobuf: ${g.key} decoded as ${canon(protoObject(v))}, want ${canon(w.value)}`)
  }
  // The old records framed with version 2's id: "unit" reads as its default, "".
  const reader = newRegistry()
  let old = 0
  for (const g of got.filter(x => x.key.startsWith('v1-'))) {
    const v = await call(`protobuf: decode ${g.key} framed with id ${id2}`, () => reader.decode(reframe(g.value, id2)))
    check(canon(protoObject(v)) === canon(want.get(g.key).value) && v.unit === '',
      `protobuf: ${g.key} read with id ${id2} as ${canon(protoObject(v))} (unit ${JSON.stringify(v.unit)}), want ${canon(want.get(g.key).value)} and unit ""`)
    old++
  }
  log(`protobuf: ${got.length} records consumed and decoded (${N} of version 1, ${N / 2} of version 2); ${old} version-1 records read with id ${id2} have unit ""`)
}

// ---------------------------------------------------------------- broker-side validation

async function brokerValidation(avroId, sample) {
  const topic = 'compat-sr-validated'
  const cfg = 'confluent.value.schema.validation'
  await createTopic(topic, 1, [{ name: cfg, value: 'true' }])
  const described = await call(`describeConfigs ${topic}`, () => admin.describeConfigs({ resources: [{ type: 2 /* TOPIC */, name: topic, configNames: [cfg] }], includeSynonyms: false }))
  const entry = described.resources[0] && described.resources[0].configEntries.find(c => c.configName === cfg)
  check(entry && entry.configValue === 'true', `describeConfigs ${topic}: ${cfg} is ${JSON.stringify(entry)}, want "true"`)

  const good = await call(`validation: encode with id ${avroId}`, () => registry.encode(avroId, sample))
  const r1 = await produce(topic, [{ key: 'good', value: good }])
  check(r1[0].baseOffset === '0', `validation: the encoded record went to offset ${r1[0].baseOffset}, want 0`)

  const invalid = e => e && e.name === 'KafkaJSProtocolError' && e.type === 'INVALID_RECORD'
  const want = 'KafkaJSProtocolError of type INVALID_RECORD'
  const plain = Buffer.from('a plain value, no magic byte')
  const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xfe]), Buffer.from('unknown id')])
  const bad = [
    ['a plain value', [{ key: 'plain', value: plain }]],
    ['a value naming the unregistered schema id 2147483646', [{ key: 'unknown-id', value: unknownId }]],
    ['a batch of an encoded record and a plain value', [{ key: 'good-in-bad-batch', value: good }, { key: 'plain-in-batch', value: plain }]],
  ]
  quiet = true
  try {
    for (const [what, messages] of bad) {
      const e = await refused(`validation: produce ${what} to ${topic}`, () => producer.send({ topic, acks: -1, messages }), invalid, want)
      log(`validation: ${what}: refused, ${e.type} (code ${e.code})`)
    }
  } finally {
    quiet = false
  }
  const r2 = await produce(topic, [{ key: 'tombstone', value: null }])
  check(r2[0].baseOffset === '1', `validation: the tombstone went to offset ${r2[0].baseOffset}, want 1`)

  const offs = await call(`fetchTopicOffsets ${topic}`, () => admin.fetchTopicOffsets(topic))
  check(offs.length === 1 && offs[0].high === '2', `validation: ${topic} high watermark ${JSON.stringify(offs)}, want 2 (the encoded record and the tombstone)`)
  const got = await consume(topic, 2)
  const seen = got.map(g => `${g.offset}:${g.key}`).join(' ')
  check(seen === '0:good 1:tombstone', `validation: ${topic} holds ${seen}, want 0:good 1:tombstone (nothing refused is readable)`)
  check(got[1].value === null, `validation: the tombstone came back as ${got[1].value && got[1].value.toString('hex')}, want null`)
  const v = await call('validation: decode the accepted record', () => newRegistry().decode(got[0].value))
  check(canon(v) === canon(sample), `validation: the accepted record decoded as ${canon(v)}, want ${canon(sample)}`)
  log(`validation: ${topic} (${cfg}=true) holds only the encoded record and the tombstone`)
}

async function main() {
  await waitReady()
  await call('admin connect', () => admin.connect())
  await call('producer connect', () => producer.connect())
  const types = await call(`GET ${registryURL}/schemas/types`, async () => (await fetch(`${registryURL}/schemas/types`, { signal: AbortSignal.timeout(CALL_MS) })).json())
  check(['AVRO', 'JSON', 'PROTOBUF'].every(t => types.includes(t)), `GET /schemas/types: ${JSON.stringify(types)}, want AVRO, JSON and PROTOBUF`)
  const { id1, sample } = await avroRoundTrip()
  await jsonRoundTrip()
  await protobufRoundTrip()
  await brokerValidation(id1, sample)
  await bounded('producer disconnect', producer.disconnect())
  await bounded('admin disconnect', admin.disconnect())
  log('all passed')
}

main().then(
  () => process.exit(0),
  async e => {
    console.error(`schema-registry-kafkajs: FAIL: ${e instanceof Failure ? '' : `${e.name}: `}${e.message}`)
    if (!(e instanceof Failure) && e.stack) console.error(e.stack)
    await Promise.race([Promise.all([producer.disconnect(), admin.disconnect()]).catch(() => {}), sleep(5000)])
    process.exit(1)
  }
)
