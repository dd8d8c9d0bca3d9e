// kafkajs: a transactional producer fails fast.
//
// usage: node transactions.js <host:port>   (run from test/compat so node_modules resolves)
//
// Chronik has no transaction coordinator yet. producer.transaction() on a
// producer with a transactionalId must fail at once with a clear error, not
// retry until its own timeout: the broker answers FindCoordinator for a
// transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which kafkajs
// does not retry (it reports KafkaJSGroupCoordinatorNotFound without the
// broker's message). An idempotent producer on the same node must still
// deliver.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const FAST_MS = 2000 // a fast failure; with a retriable answer kafkajs gives up only after its retries (5 s or more)

const bootstrap = process.argv[2]
if (!bootstrap) {
  console.error('usage: node transactions.js <host:port>')
  process.exit(2)
}
const log = msg => console.log(`transactions.js: ${msg}`)

async function main () {
  const kafka = new Kafka({ clientId: 'compat-txn', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'compat-txn-js', numPartitions: 1 }] })
  await admin.disconnect()

  const txp = kafka.producer({ transactionalId: 'compat-txn-js', idempotent: true, maxInFlightRequests: 1 })
  await txp.connect()
  const start = Date.now()
  let err = null
  try {
    const tx = await txp.transaction()
    await tx.send({ topic: 'compat-txn-js', messages: [{ value: 'x' }] })
    await tx.commit()
  } catch (e) {
    err = e
  }
  const took = Date.now() - start
  await txp.disconnect()
  if (!err) throw new Error('a transaction succeeded on a broker without transactions')
  const cause = err.originalError || err.cause
  log(`transaction failed after ${took} ms: ${err.name}: ${err.message}${cause ? ` (${cause.type || cause.name}: ${cause.message})` : ''}`)
  if (took > FAST_MS) throw new Error(`the failure took ${took} ms`)

  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await p.connect()
  await p.send({ topic: 'compat-txn-js', acks: -1, messages: [{ value: 'after' }] })
  await p.disconnect()
  log('ok')
}

main().catch(e => {
  console.log(`transactions.js: FAIL: ${e.message}`)
  process.exit(1)
})
