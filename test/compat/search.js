// @elastic/elasticsearch (8.x, npm) searching a topic that kafkajs produced to.
//
// usage: node search.js <host:port>   (run from test/compat so node_modules resolves)
// The search API is http://127.0.0.1:$CHRONIK_COMPAT_HTTP_PORT (exported by run.sh).
//
// A 2-partition topic with search.enabled=true gets 400 JSON records from
// kafkajs. The client (which checks the X-Elastic-Product header) must take
// the node for Elasticsearch; count reaches 400 within 30 s; then a match
// query with a range filter, a terms aggregation with an avg inside, a
// _count with a query, search_after paging (sort by status, then _doc)
// through every hit once, _cat/indices, and an unknown query refused with a
// 400 parsing_exception are checked against what the test produced.
'use strict'

const { Kafka, logLevel } = require('kafkajs')
const { Client } = require('@elastic/elasticsearch')

const bootstrap = process.argv[2]
const port = process.env.CHRONIK_COMPAT_HTTP_PORT
if (!bootstrap || !port) {
  console.error('usage: CHRONIK_COMPAT_HTTP_PORT=<port> node search.js <host:port>')
  process.exit(2)
}
const log = msg => console.log(`search.js: ${msg}`)
const TOPIC = 'compat-search-js'
const COUNT = 400
const line = i => ({ msg: `user${i % 9} bought item${i % 13}`, status: [200, 404, 500][i % 3], cost: i, kind: ['a', 'b'][i % 2] })

function check (cond, msg) {
  if (!cond) throw new Error(msg)
}

async function main () {
  const kafka = new Kafka({ clientId: 'compat-search', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, configEntries: [{ name: 'search.enabled', value: 'true' }] }] })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < COUNT; i++) messages.push({ key: String(i), value: JSON.stringify(line(i)) })
  await producer.send({ topic: TOPIC, messages })
  await producer.disconnect()
  log(`produced ${COUNT} records`)

  const es = new Client({ node: `http://127.0.0.1:${port}`, requestTimeout: 30000 })
  const info = await es.info()
  check(info.version.number.startsWith('8.'), `info: ${JSON.stringify(info)}`)
  const deadline = Date.now() + 30000
  for (;;) {
    const { count } = await es.count({ index: TOPIC })
    if (count === COUNT) break
    check(Date.now() < deadline, `count is ${count} after 30 s, want ${COUNT}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const lines = Array.from({ length: COUNT }, (_, i) => line(i))

  let want = lines.filter(d => d.msg.includes('user4') && d.cost >= 50 && d.cost < 300).length
  let r = await es.search({ index: TOPIC, query: { bool: { must: { match: { msg: 'user4' } }, filter: { range: { cost: { gte: 50, lt: 300 } } } } } })
  check(r.hits.total.value === want, `match + range: ${JSON.stringify(r.hits.total)}, want ${want}`)

  r = await es.search({ index: TOPIC, size: 0, aggs: { kinds: { terms: { field: 'kind.keyword' }, aggs: { avg_cost: { avg: { field: 'cost' } } } } } })
  for (const b of r.aggregations.kinds.buckets) {
    const docs = lines.filter(d => d.kind === b.key)
    const avg = docs.reduce((s, d) => s + d.cost, 0) / docs.length
    check(b.doc_count === docs.length && Math.abs(b.avg_cost.value - avg) < 1e-9, `bucket ${JSON.stringify(b)}, want ${docs.length} docs, avg ${avg}`)
  }
  check(r.aggregations.kinds.buckets.length === 2, `kinds: ${JSON.stringify(r.aggregations.kinds)}`)

  want = lines.filter(d => d.status === 404).length
  const c = await es.count({ index: TOPIC, query: { term: { status: 404 } } })
  check(c.count === want, `count 404: ${c.count}, want ${want}`)

  const seen = new Set()
  let after
  for (let page = 0; page < 100; page++) {
    r = await es.search({ index: TOPIC, size: 55, sort: [{ status: 'asc' }, { _doc: 'asc' }], ...(after ? { search_after: after } : {}) })
    if (r.hits.hits.length === 0) break
    for (const h of r.hits.hits) {
      check(!seen.has(h._id), `${h._id} on two pages`)
      seen.add(h._id)
    }
    after = r.hits.hits[r.hits.hits.length - 1].sort
  }
  check(seen.size === COUNT, `search_after paged ${seen.size} hits, want ${COUNT}`)

  const cat = await es.cat.indices({ format: 'json' })
  const row = cat.filter(x => x.index === TOPIC)
  check(row.length === 1 && row[0]['docs.count'] === String(COUNT), `cat.indices: ${JSON.stringify(cat)}`)
  try {
    await es.search({ index: TOPIC, query: { no_such_query: {} } })
    throw new Error('an unknown query type was accepted')
  } catch (e) {
    check(e.meta && e.meta.statusCode === 400 && e.meta.body.error.type === 'parsing_exception', `unknown query: ${e}`)
  }
  log(`ok: queries, aggregations, count, ${seen.size} hits paged once, cat`)
}

main().then(() => process.exit(0), e => { console.error(`search.js: FAIL: ${e.message}`); process.exit(1) })
