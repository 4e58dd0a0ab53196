// Where a page's time goes: `npm run bench:profile -- --path /some/page [--page-cache off] [--seconds 5]`.
// Starts the server the way the benchmark does, with `--cpu-prof`, loads one address with autocannon, stops
// the server and prints the functions with the most self time and the server's CPU time per request.
// With `--method POST --body '...'` it profiles a form post (the body gets a counter appended per request).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { startBenchPostgres } from './postgres.ts'
import { cpuMs, freePort, serverCommand, sitemapPostPaths, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    path: { type: 'string', default: '/' },
    db: { type: 'string', default: 'bench/out/bench.db' },
    'page-cache': { type: 'string', default: 'on' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    method: { type: 'string', default: 'GET' },
    body: { type: 'string' },
    top: { type: 'string', default: '30' },
    /** As browsers ask, like `npm run bench`; `identity` sends none. */
    'accept-encoding': { type: 'string', default: 'gzip, deflate, br, zstd' },
    /** Every post of /sitemap.xml in turn instead of one address (the benchmark's "every post in turn"). */
    'every-post': { type: 'boolean', default: false },
    /** Keep the .cpuprofile (its folder is printed), e.g. to open it in Chrome's DevTools. */
    keep: { type: 'boolean', default: false },
    /** sqlite, or postgres: the blog copied into a throwaway cluster, and PostgreSQL's busiest statements printed. */
    database: { type: 'string', default: 'sqlite' },
    /** The server's LOG_LEVEL (its output then goes to a file, as a service manager takes it). */
    'log-level': { type: 'string', default: 'warn' },
    /** PostgreSQL: DATABASE_POOL_SIZE. */
    'pool-size': { type: 'string' },
  },
})
if (!['sqlite', 'postgres'].includes(args.database!)) throw new Error('--database is sqlite or postgres')

const dir = mkdtempSync(join(tmpdir(), 'carnet-prof-'))
const copy = join(dir, 'bench.db')
copyFileSync(args.db, copy)
const pgCluster = args.database === 'postgres' ? await startBenchPostgres({ statements: true }) : undefined
const pgDatabase = pgCluster ? (await pgCluster.load(copy)).template : undefined
const databaseEnv: Record<string, string> = pgCluster
  ? {
      DATABASE_URL: pgCluster.url(pgDatabase!),
      SESSION_KEY: randomBytes(32).toString('hex'),
      ...(args['pool-size'] ? { DATABASE_POOL_SIZE: args['pool-size'] } : {}),
    }
  : { DATABASE_URL: copy }
const port = await freePort()
const [command, ...commandArgs] = serverCommand()
const proc = spawn(command!, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...commandArgs], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    ...databaseEnv,
    SITE_URL: 'http://127.0.0.1',
    LOG_LEVEL: args['log-level'],
    PAGE_CACHE: args['page-cache'],
    COMMENT_RATE_LIMIT: '0',
    PORT: String(port),
    HOST: '127.0.0.1',
  },
  stdio: ['ignore', args['log-level'] === 'warn' ? 'inherit' : openSync(join(dir, 'server.log'), 'w'), 'inherit'],
})
const base = `http://127.0.0.1:${port}`
await waitForServer(proc, base)
let n = 0
let next = 0
const everyPost = args['every-post'] ? await sitemapPostPaths(base) : null
const opts = {
  url: base + args.path,
  connections: Number(args.connections),
  method: args.method,
  ...(args.method === 'GET' && args['accept-encoding'] !== 'identity'
    ? { headers: { 'accept-encoding': args['accept-encoding']! } as Record<string, string> }
    : {}),
  ...(args.body !== undefined
    ? {
        headers: { 'content-type': 'application/x-www-form-urlencoded' } as Record<string, string>,
        // Unique bodies: the same text twice is refused as a duplicate.
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: `${args.body}+${process.pid}-${++n}` }) }],
      }
    : everyPost
      ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: everyPost[next++ % everyPost.length] }) }] }
      : {}),
}
await autocannon({ ...opts, duration: 1 })
await pgCluster?.topStatements(pgDatabase!, 0) // counts from the measured seconds only
const cpu0 = cpuMs(proc.pid!)
const db0 = pgCluster?.cpuMs() ?? 0
const client0 = process.cpuUsage()
const r = await autocannon({ ...opts, duration: Number(args.seconds) })
const cpu = cpuMs(proc.pid!) - cpu0
const dbCpu = (pgCluster?.cpuMs() ?? 0) - db0
const statements = pgCluster ? await pgCluster.topStatements(pgDatabase!, 15) : []
const client = process.cpuUsage(client0)
const clientMs = (client.user + client.system) / 1000
const done = new Promise((resolve) => proc.once('exit', resolve))
proc.kill('SIGTERM')
await done
await pgCluster?.stop()

const total = r['2xx'] + r['3xx'] + r['4xx'] + r['5xx']
console.log(
  `Node ${process.version}: ${args.method} ${args.path} (cache ${args['page-cache']}): ${Math.round(total / Number(args.seconds))} req/s, 2xx ${r['2xx']}, 3xx ${r['3xx']}, 4xx ${r['4xx']}, 5xx ${r['5xx']}, p99 ${r.latency.p99} ms; server CPU ${((1000 * cpu) / total).toFixed(0)} µs per request (autocannon's: ${((1000 * clientMs) / total).toFixed(0)} µs${pgCluster ? `, PostgreSQL's: ${((1000 * dbCpu) / total).toFixed(0)} µs` : ''})\n`,
)
if (statements.length) console.log(`PostgreSQL's statements by total time (pg_stat_statements):\n${statements.join('\n')}\n`)

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
// The main thread's profile is the biggest (tsx's loader thread writes one too).
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]
if (!file) throw new Error('no profile written')
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const byFrame = new Map<string, number>()
let all = 0
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0
  all += t
  const f = node.callFrame
  const where = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|views|bench)\//, '$1/')
  const key = `${f.functionName || '(anonymous)'}  ${where}:${f.lineNumber + 1}`
  byFrame.set(key, (byFrame.get(key) ?? 0) + t)
}
const rows = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))
for (const [key, t] of rows) console.log(`${((100 * t) / all).toFixed(1).padStart(5)} %  ${key}`)
// The same self time by package (or our folder): which layer the time goes to.
const byPackage = new Map<string, number>()
for (const node of profile.nodes) {
  const url = node.callFrame.url
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    /\/(src\/[^/]+|bench|views)\//.exec(url)?.[1] ??
    (url.startsWith('node:') ? url.replace(/^node:(internal\/)?([^/]+).*$/, 'node:$2') : node.callFrame.functionName || '(native)')
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + (self.get(node.id) ?? 0))
}
console.log('\nBy package:')
for (const [pkg, t] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${((100 * t) / all).toFixed(1).padStart(5)} %  ${pkg}`)
if (args.keep) console.log(`\nProfile kept in ${dir}`)
else rmSync(dir, { recursive: true, force: true })
