// The cost of each way for an instance to learn of another's writes on PostgreSQL (issue 14):
// `npm run bench:freshness [-- --writes 2000]`.
// - the version row the app reads (site_state.data_version, moved by triggers): a round trip for the readers,
//   nothing more for the writers;
// - LISTEN/NOTIFY (not built): nothing for the readers, a NOTIFY in every write transaction, and a notification
//   that arrives some time after the writer's COMMIT has answered: the moment in which another instance would
//   still serve a page from before the write.
// On a throwaway durable cluster (fsync on), with the app's migrated schema; one writer connection, one reader or
// listener connection, in one process (the best case for the notification: nothing else delays it).
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openDatabase } from '../src/db/plugin.ts'
import { startBenchPostgres } from './postgres.ts'

const { values: args } = parseArgs({ options: { writes: { type: 'string', default: '2000' } } })
const writes = Number(args.writes)

const cluster = await startBenchPostgres()
const admin = new pg.Client({ connectionString: cluster.url('postgres') })
await admin.connect()
await admin.query('create database freshness')
await admin.end()
const url = cluster.url('freshness')
const opened = await openDatabase(url)
await opened.db.destroy()

const writer = new pg.Client({ connectionString: url })
const other = new pg.Client({ connectionString: url })
await writer.connect()
await other.connect()

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
const µs = (ms: number) => `${Math.round(ms * 1000)} µs`
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** One write transaction as the app's: the trigger moves data_version; with `notify`, a NOTIFY too. */
async function write(notify: boolean, id: number) {
  // The NOTIFY in the same round trip as the UPDATE, as a trigger would send it.
  await writer.query('begin')
  await writer.query(`update site_state set changed_at = changed_at where id = 1${notify ? `; notify carnet_changes, '${id}'` : ''}`)
  await writer.query('commit')
}

async function writeRun(notify: boolean) {
  const times: number[] = []
  for (let i = 0; i < writes; i++) {
    const start = performance.now()
    await write(notify, i)
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)
}

// Writers: the same write transaction without and with a NOTIFY.
await writeRun(false) // warm-up
const plain = await writeRun(false)
const notified = await writeRun(true)

// Readers of the version row: a round trip each (the app shares one among the requests that ask meanwhile).
const readTimes: number[] = []
const cpuBefore = cpu()
for (let i = 0; i < writes; i++) {
  const start = performance.now()
  await other.query({ text: 'select data_version as v from site_state where id = 1', name: 'v' })
  readTimes.push(performance.now() - start)
}
const readCpu = (cpu() - cpuBefore) / writes
readTimes.sort((a, b) => a - b)

// Listeners: when does the notification of a write arrive, against the moment its COMMIT answered?
await other.query('listen carnet_changes')
const received = new Map<number, number>()
other.on('notification', (n) => received.set(Number(n.payload), performance.now()))
const acked = new Map<number, number>()
for (let i = 0; i < writes; i++) {
  await write(true, i)
  acked.set(i, performance.now())
}
await new Promise((resolve) => setTimeout(resolve, 200))
const lateness = [...acked].map(([id, at]) => (received.get(id) ?? Infinity) - at).sort((a, b) => a - b)
const late = lateness.filter((d) => d > 0)

console.log(`Node ${process.version}; ${writes} write transactions, PostgreSQL ${cluster.settings}`)
console.log(`| what | p50 | p99 |`)
console.log(`|---|---:|---:|`)
console.log(`| write transaction (BEGIN, UPDATE, COMMIT) | ${µs(percentile(plain, 50))} | ${µs(percentile(plain, 99))} |`)
console.log(`| the same with a NOTIFY | ${µs(percentile(notified, 50))} | ${µs(percentile(notified, 99))} |`)
console.log(`| version read (a reader's round trip) | ${µs(percentile(readTimes, 50))} | ${µs(percentile(readTimes, 99))} |`)
console.log(`version read: ${µs(readCpu)} of this process's CPU each`)
console.log(
  `notifications arriving after their COMMIT answered: ${late.length} of ${writes}` +
    (late.length ? `; by p50 ${µs(percentile(late, 50))}, p99 ${µs(percentile(late, 99))}, max ${µs(late.at(-1)!)}` : ''),
)

await writer.end()
await other.end()
await cluster.stop()
