// kafkajs against a Chronik node.
//
// usage: node kafkajs.js <host:port>   (run from test/compat so node_modules resolves)
//
// admin: describeCluster, createTopics (2 partitions), fetchTopicMetadata,
// listTopics, describeConfigs, deleteTopics. producer: 200 keyed records with
// headers in two sends with acks -1, with CompressionTypes.None and GZIP (the
// other codecs need plugin packages), plus an idempotent producer; the
// per-partition base offsets the broker returns are checked, and
// admin.fetchTopicOffsets must report low 0 and a high watermark equal to the
// produced count per partition (fetchTopicOffsetsByTimestamp too).
//
// Consuming: a consumer group (see groupConsume): member A reads everything
// with autoCommit, commits are checked with admin.fetchOffsets, describeGroups
// and listGroups; member B joins (partitions split in one generation) and
// leaves (A gets them back); every record is read exactly once.
'use strict'

const { Kafka, logLevel, CompressionTypes, AssignerProtocol } = require('kafkajs')

const N = 200
const PARTITIONS = 2

const bootstrap = process.argv[2]
if (!bootstrap) {
  console.error('usage: node kafkajs.js <host:port>')
  process.exit(2)
}

class Failure extends Error {}
const check = (cond, msg) => {
  if (!cond) throw new Failure(msg)
}
const log = msg => console.log(`kafkajs: ${msg}`)

// Print ERROR logs with a prefix; while capturing (the group consumers) keep them instead.
let captured = null
const logCreator = () => ({ namespace, label, log: entry }) => {
  const line = `kafkajs log ${label} [${namespace}] ${entry.message}${entry.error ? ` (${entry.error})` : ''}`
  if (captured) captured.push(line)
  else console.error(line)
}

const kafka = new Kafka({
  clientId: 'compat-kafkajs',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  logCreator,
  connectionTimeout: 5000,
  requestTimeout: 30000,
  retry: { retries: 3 },
})

const records = label =>
  Array.from({ length: N }, (_, i) => ({
    key: `key-${String(i).padStart(3, '0')}`,
    value: `${label} value ${i} ${'payload '.repeat((i % 17) + 1)}`,
    headers: { idx: String(i), label },
  }))

async function produce(producer, topic, compression, recs) {
  // Two sends so each partition gets several batches; the returned base
  // offsets must follow on from the previous send.
  const next = {}
  for (let p = 0; p < PARTITIONS; p++) next[p] = 0
  const half = recs.length / 2
  for (const chunk of [recs.slice(0, half), recs.slice(half)]) {
    const res = await producer.send({ topic, acks: -1, compression, messages: chunk })
    let total = 0
    for (const r of res) {
      check(r.topicName === topic, `${topic}: send result for topic ${r.topicName}`)
      check(r.errorCode === 0, `${topic}: send partition ${r.partition} errorCode ${r.errorCode}`)
      check(
        String(r.baseOffset) === String(next[r.partition]),
        `${topic}: send partition ${r.partition} baseOffset ${r.baseOffset}, want ${next[r.partition]}`
      )
    }
    // The base offsets only tell where each partition's part starts; count
    // per partition by asking the broker after the send.
    const offs = await admin.fetchTopicOffsets(topic)
    for (const o of offs) {
      total += Number(o.high) - next[o.partition]
      next[o.partition] = Number(o.high)
    }
    check(total === chunk.length, `${topic}: one send of ${chunk.length} records moved the high watermarks by ${total}`)
  }
  return next
}

async function checkOffsets(topic, want) {
  const offs = await admin.fetchTopicOffsets(topic)
  check(offs.length === PARTITIONS, `${topic}: fetchTopicOffsets returned ${offs.length} partitions`)
  let total = 0
  for (const o of offs) {
    check(o.low === '0', `${topic}: partition ${o.partition} low ${o.low}, want 0`)
    check(o.high === o.offset, `${topic}: partition ${o.partition} high ${o.high} != offset ${o.offset}`)
    if (want) check(Number(o.high) === want[o.partition], `${topic}: partition ${o.partition} high ${o.high}, want ${want[o.partition]}`)
    total += Number(o.high)
  }
  check(total === N, `${topic}: high watermarks sum to ${total}, want ${N}`)
  const byTs = await admin.fetchTopicOffsetsByTimestamp(topic, 0)
  for (const o of byTs) {
    check(o.offset === '0', `${topic}: fetchTopicOffsetsByTimestamp(0) partition ${o.partition} = ${o.offset}, want 0`)
  }
  return offs
}

// Consumer group: member A (consumer.run, eachMessage, autoCommit) reads all
// three topics from the beginning; the commits must reach the high watermarks
// (admin.fetchOffsets) and describeGroups/listGroups must show the group Stable
// with A owning every partition. Then member B joins: both must settle in one
// generation with disjoint assignments covering every partition, and each new
// record must be read by the member owning its partition. B leaves
// (disconnect: LeaveGroup): A must get every partition back and read what is
// produced next. Over the whole run every record is read exactly once (each
// hand-over happens after everything read was committed), with the right
// key/value/headers, and per partition offsets are read in order with no gap;
// after A disconnects the group is Empty.
async function groupConsume(cases) {
  const groupId = `compat-kjs-${process.pid}-${Date.now()}`
  const topics = cases.map(c => c.topic)
  const want = new Map(cases.map(c => [c.topic, new Map(c.recs.map(r => [r.key, r]))]))
  const reads = new Map(topics.map(t => [t, new Map()])) // topic -> key -> [{name, partition}]
  const names = who => who.map(w => w.name).join(', ')
  const next = {} // topic/partition -> next offset expected
  const problems = []
  const total = () => [...reads.values()].reduce((s, m) => s + [...m.values()].reduce((x, v) => x + v.length, 0), 0)
  captured = [] // kafkajs logs rebalances at ERROR level: kept, and summarized at the end
  const members = {}

  const startMember = async name => {
    const m = { name, joins: [], crash: null }
    m.consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200, retry: { retries: 5 } })
    m.consumer.on(m.consumer.events.GROUP_JOIN, e => m.joins.push(e.payload))
    m.consumer.on(m.consumer.events.CRASH, e => {
      m.crash = e.payload.error
    })
    await m.consumer.connect()
    await m.consumer.subscribe({ topics, fromBeginning: true })
    await m.consumer.run({
      autoCommit: true,
      eachMessage: async ({ topic, partition, message }) => {
        const key = message.key.toString()
        const where = `${name}: ${topic}[${partition}]@${message.offset}`
        const w = want.get(topic).get(key)
        if (!w) problems.push(`${where}: unexpected key ${key}`)
        else {
          if (message.value.toString() !== w.value) problems.push(`${where}: key ${key}: wrong value`)
          const h = {}
          for (const [k, v] of Object.entries(message.headers || {})) h[k] = v.toString()
          if (JSON.stringify(h) !== JSON.stringify(w.headers)) problems.push(`${where}: key ${key}: headers ${JSON.stringify(h)}`)
        }
        const tp = `${topic}/${partition}`
        const expect = next[tp] || 0
        if (Number(message.offset) !== expect) {
          problems.push(`${where}: offset ${Number(message.offset) < expect ? 'read again' : 'skipped to'}, want ${expect}`)
        }
        next[tp] = Math.max(expect, Number(message.offset) + 1)
        const r = reads.get(topic)
        if (!r.has(key)) r.set(key, [])
        r.get(key).push({ name, partition })
      },
    })
    members[name] = m
    return m
  }

  const waitFor = async (what, cond, ms = 30000) => {
    const deadline = Date.now() + ms
    for (;;) {
      for (const m of Object.values(members)) check(!m.crash, `group: member ${m.name} crashed: ${m.crash && m.crash.message}`)
      check(problems.length === 0, `group: ${problems.slice(0, 5).join('; ')}`)
      const v = await cond()
      if (v === true) return
      check(Date.now() < deadline, `group: ${what} within ${ms / 1000}s (${v})`)
      await new Promise(r => setTimeout(r, 200))
    }
  }
  const allConsumed = n => () => total() >= n || `${total()} of ${n} records read`
  const committedToEnd = async () => {
    const offs = await admin.fetchOffsets({ groupId, topics })
    const bad = []
    for (const t of topics) {
      const high = await admin.fetchTopicOffsets(t)
      const got = offs.find(o => o.topic === t)
      for (const h of high) {
        const c = got && got.partitions.find(p => p.partition === h.partition)
        if (!c || c.offset !== h.high) bad.push(`${t}[${h.partition}] committed ${c && c.offset} high ${h.high}`)
      }
    }
    return bad.length === 0 || `fetchOffsets: ${bad.join(', ')}`
  }
  // describe: the group's state and each member's partitions (as "topic/p" strings).
  const describe = async () => {
    const { groups } = await admin.describeGroups([groupId])
    check(groups.length === 1 && groups[0].groupId === groupId && groups[0].errorCode === 0,
      `describeGroups(${groupId}): ${JSON.stringify(groups.map(g => ({ id: g.groupId, err: g.errorCode })))}`)
    const g = groups[0]
    const owned = {}
    for (const m of g.members) {
      const a = m.memberAssignment && m.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null
      owned[m.memberId] = a ? Object.entries(a.assignment).flatMap(([t, ps]) => ps.map(p => `${t}/${p}`)).sort() : []
    }
    return { state: g.state, protocolType: g.protocolType, protocol: g.protocol, members: g.members, owned }
  }
  const allParts = topics.flatMap(t => Array.from({ length: PARTITIONS }, (_, p) => `${t}/${p}`)).sort()
  const joinedParts = j => Object.entries(j.memberAssignment).flatMap(([t, ps]) => ps.map(p => `${t}/${p}`)).sort()
  // settled: the group is Stable, its members are exactly the given ones with
  // their last GROUP_JOIN's member id, and the partitions are split between
  // them (disjoint, all covered) as each member was told at its last join.
  const settled = ms => async () => {
    const d = await describe()
    if (d.state !== 'Stable') return `state ${d.state}`
    const ids = ms.map(m => m.joins.length && m.joins[m.joins.length - 1].memberId)
    if (d.members.length !== ms.length || ids.some(id => !d.owned[id])) {
      return `members ${JSON.stringify(d.members.map(m => m.memberId))}, want ${JSON.stringify(ids)}`
    }
    const seen = {}
    for (const m of ms) {
      const j = m.joins[m.joins.length - 1]
      const told = joinedParts(j)
      if (JSON.stringify(told) !== JSON.stringify(d.owned[j.memberId])) return `${m.name} was told ${told}, the group says ${d.owned[j.memberId]}`
      for (const tp of told) {
        check(!seen[tp], `group: ${tp} assigned to both ${seen[tp]} and ${m.name} in one generation`)
        seen[tp] = m.name
      }
    }
    const covered = Object.keys(seen).sort()
    if (JSON.stringify(covered) !== JSON.stringify(allParts)) return `assigned ${covered.length} of ${allParts.length} partitions`
    return true
  }
  const owner = (m, topic, partition) => joinedParts(m.joins[m.joins.length - 1]).includes(`${topic}/${partition}`)

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const produceMore = async label => {
    const sent = []
    for (const c of cases) {
      const recs = Array.from({ length: 10 }, (_, i) => ({ key: `${label}-${i}`, value: `${label} ${c.topic} ${i}`, headers: { idx: String(i), label } }))
      for (const r of recs) want.get(c.topic).set(r.key, r)
      const res = await producer.send({ topic: c.topic, acks: -1, messages: recs })
      for (const r of res) check(r.errorCode === 0, `group: produce ${label} to ${c.topic}: errorCode ${r.errorCode}`)
      sent.push(...recs.map(r => ({ topic: c.topic, key: r.key })))
    }
    return sent
  }

  let count = cases.length * N
  try {
    // A alone: reads everything, commits up to the high watermarks.
    const A = await startMember('A')
    await waitFor(`member A read all ${count} records`, allConsumed(count))
    await waitFor('member A committed up to the high watermarks', committedToEnd, 15000)
    await waitFor('the group settled with A alone', settled([A]))
    const d1 = await describe()
    check(d1.protocolType === 'consumer' && d1.members[0].clientId === 'compat-kafkajs',
      `describeGroups with A alone: protocol type ${d1.protocolType}, client id ${d1.members[0].clientId}`)
    const listed = await admin.listGroups()
    check(listed.groups.some(g => g.groupId === groupId && g.protocolType === 'consumer'),
      `listGroups: ${groupId} (consumer) not in ${JSON.stringify(listed.groups)}`)
    log(`group: member A read ${count} records, commits reached the high watermarks; group Stable (${d1.protocol}), A owns ${allParts.length} partitions`)

    // B joins: one generation, partitions split, each new record read by its owner.
    const joinsA = A.joins.length
    const B = await startMember('B')
    await waitFor('A rejoined and B joined', () => (A.joins.length > joinsA && B.joins.length > 0) || `joins: A ${A.joins.length - joinsA}, B ${B.joins.length}`)
    await waitFor('the group settled with A and B', settled([A, B]))
    const split = `A ${joinedParts(A.joins[A.joins.length - 1]).length}, B ${joinedParts(B.joins[B.joins.length - 1]).length}`
    const sent2 = await produceMore('with-b')
    count += sent2.length
    await waitFor(`A and B read all ${count} records`, allConsumed(count))
    await waitFor('A and B committed up to the high watermarks', committedToEnd, 15000)
    check((await settled([A, B])()) === true, 'group: the group changed while A and B consumed')
    for (const { topic, key } of sent2) {
      const who = reads.get(topic).get(key)
      check(who.length === 1, `group: ${topic} ${key} read ${who.length} times (${names(who)})`)
      check(owner(members[who[0].name], topic, who[0].partition),
        `group: ${topic}[${who[0].partition}] ${key} read by ${who[0].name}, which does not own that partition`)
    }
    log(`group: member B joined: one generation, partitions split (${split}), ${sent2.length} new records read once and committed`)

    // B leaves: A gets everything back.
    const joinsA2 = A.joins.length
    await B.consumer.disconnect()
    delete members.B
    await waitFor('A rejoined after B left', () => A.joins.length > joinsA2 || 'no new GROUP_JOIN for A')
    await waitFor('the group settled with A alone again', settled([A]))
    const sent3 = await produceMore('after-b')
    count += sent3.length
    await waitFor(`A read all ${count} records`, allConsumed(count))
    await waitFor('A committed up to the high watermarks', committedToEnd, 15000)
    for (const { topic, key } of sent3) {
      const who = reads.get(topic).get(key)
      check(who.length === 1 && who[0].name === 'A', `group: ${topic} ${key} (after B left) read by ${names(who)}`)
    }
    log(`group: member B left: A owns all ${allParts.length} partitions again and read the ${sent3.length} new records`)

    await new Promise(r => setTimeout(r, 1000)) // let duplicates, if any, arrive
    await A.consumer.disconnect()
    delete members.A
    const d2 = await describe()
    check(d2.state === 'Empty' && d2.members.length === 0, `describeGroups after every member left: state ${d2.state}, ${d2.members.length} members`)
  } finally {
    for (const m of Object.values(members)) await m.consumer.disconnect().catch(() => {})
    await producer.disconnect().catch(() => {})
    const logs = captured
    captured = null
    const counts = new Map()
    for (const l of logs) counts.set(l, (counts.get(l) || 0) + 1)
    if (counts.size) {
      console.error(`kafkajs: the group consumers logged ${logs.length} error line(s): ${[...counts].slice(0, 5).map(([l, n]) => `${n}x ${l}`).join('; ')}`)
    }
  }
  check(problems.length === 0, `group: ${problems.slice(0, 5).join('; ')}`)
  for (const c of cases) {
    const r = reads.get(c.topic)
    for (const key of want.get(c.topic).keys()) {
      const who = r.get(key) || []
      check(who.length === 1, `group: ${c.topic} key ${key} read ${who.length} times (${names(who)})`)
    }
  }
  return `${count} records read exactly once by A, A+B, A; commits at the high watermarks; Empty after both left`
}

const admin = kafka.admin()

async function main() {
  await admin.connect()
  const cluster = await admin.describeCluster()
  const [host, port] = bootstrap.split(':')
  check(
    cluster.brokers.some(b => b.host === host && b.port === Number(port)),
    `describeCluster: no broker advertises ${bootstrap}: ${JSON.stringify(cluster.brokers)}`
  )
  check(
    cluster.brokers.some(b => b.nodeId === cluster.controller),
    `describeCluster: controller ${cluster.controller} is not a listed broker`
  )
  log(`describeCluster: ${cluster.brokers.length} broker(s), controller ${cluster.controller}, cluster ${cluster.clusterId}`)

  const cases = [
    { topic: 'compat-kjs-none', compression: CompressionTypes.None, label: 'none', idempotent: false },
    { topic: 'compat-kjs-gzip', compression: CompressionTypes.GZIP, label: 'gzip', idempotent: false },
    { topic: 'compat-kjs-idempotent-gzip', compression: CompressionTypes.GZIP, label: 'idem-gzip', idempotent: true },
  ]
  const created = await admin.createTopics({
    topics: cases.map(c => ({ topic: c.topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    waitForLeaders: true,
    timeout: 30000,
  })
  check(created === true, `createTopics returned ${created}`)
  captured = [] // the broker's TOPIC_ALREADY_EXISTS is logged as an error by kafkajs: expected here
  const again = await admin.createTopics({ topics: [{ topic: cases[0].topic, numPartitions: PARTITIONS }] }).finally(() => {
    captured = null
  })
  check(again === false, `createTopics of an existing topic returned ${again}, want false`)

  const md = await admin.fetchTopicMetadata({ topics: cases.map(c => c.topic) })
  for (const c of cases) {
    const t = md.topics.find(x => x.name === c.topic)
    check(t, `fetchTopicMetadata: ${c.topic} missing`)
    check(t.partitions.length === PARTITIONS, `fetchTopicMetadata: ${c.topic} has ${t.partitions.length} partitions`)
    for (const p of t.partitions) {
      check(p.partitionErrorCode === 0, `fetchTopicMetadata: ${c.topic}[${p.partitionId}] error ${p.partitionErrorCode}`)
      check(cluster.brokers.some(b => b.nodeId === p.leader), `fetchTopicMetadata: ${c.topic}[${p.partitionId}] leader ${p.leader} unknown`)
    }
  }
  const listed = await admin.listTopics()
  for (const c of cases) check(listed.includes(c.topic), `listTopics: ${c.topic} missing`)
  log(`createTopics/fetchTopicMetadata/listTopics: ${cases.length} topics with ${PARTITIONS} partitions`)

  const cfg = await admin.describeConfigs({ resources: [{ type: 2 /* TOPIC */, name: cases[0].topic }], includeSynonyms: false })
  const res = cfg.resources[0]
  check(res && res.errorCode === 0, `describeConfigs ${cases[0].topic}: ${JSON.stringify(res && { errorCode: res.errorCode, errorMessage: res.errorMessage })}`)
  check(res.configEntries.length > 0, `describeConfigs ${cases[0].topic}: no config entries`)
  log(`describeConfigs: ${res.configEntries.length} entries for ${cases[0].topic}`)

  const plain = kafka.producer({ allowAutoTopicCreation: false })
  const idem = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  await plain.connect()
  await idem.connect()
  try {
    for (const c of cases) {
      c.recs = records(c.label)
      const counts = await produce(c.idempotent ? idem : plain, c.topic, c.compression, c.recs)
      const offs = await checkOffsets(c.topic, counts)
      log(`${c.topic}: produced ${N} records (acks -1, ${c.label}${c.idempotent ? ', idempotent' : ''}); high watermarks ${offs.map(o => `p${o.partition}=${o.high}`).join(' ')}`)
    }
  } finally {
    await plain.disconnect()
    await idem.disconnect()
  }

  const consumed = await groupConsume(cases)
  log(`consumer group: ${consumed}`)

  const tmp = 'compat-kjs-delete-me'
  check(await admin.createTopics({ topics: [{ topic: tmp, numPartitions: 1 }] }), `createTopics ${tmp} failed`)
  await admin.deleteTopics({ topics: [tmp], timeout: 30000 })
  let gone = false
  for (let i = 0; i < 20 && !gone; i++) {
    gone = !(await admin.listTopics()).includes(tmp)
    if (!gone) await new Promise(r => setTimeout(r, 250))
  }
  check(gone, `deleteTopics: ${tmp} still listed`)
  log('deleteTopics: ok')
  await admin.disconnect()
  log('all passed')
}

main().then(
  () => process.exit(0),
  async e => {
    console.error(`kafkajs: FAIL: ${e instanceof Failure ? '' : `${e.name}: `}${e.message}`)
    if (!(e instanceof Failure) && e.stack) console.error(e.stack)
    await admin.disconnect().catch(() => {})
    process.exit(1)
  }
)
