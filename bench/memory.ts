// Memory over a long mixed run: `node --import tsx bench/memory.ts [--minutes 10] [--every 30] [--db bench/out/bench.db]
// [--database sqlite|postgres]`. Starts the server the way `npm start` does (page cache on, LOG_LEVEL=info with its
// output to a file, as a service manager takes it) on a copy of a generated blog (PostgreSQL: in a throwaway
// cluster, a blog of bench:seed generated there again, any other copied by `copy`; its search index built by a
// first server before the measured one starts), and loads it for `--minutes` with what readers do:
// every post in turn (the long tail), the home page and a category page (the cache's hits), and a comment every
// `--comment-every` ms (each one a write: the caches start over; 0: none, a quiet blog whose cache fills). Prints the server's resident memory (RSS)
// every `--every` seconds, and its peak (VmHWM) at the end: flat means no cache grows beyond its bound
// (src/cache/README.md). Then, side by side in the same run, the floor: the same readers for `--bare-minutes`
// against a bare Fastify route sending one of those post pages (bench/hello.ts with ANSWER), and the ratio of the
// two peaks.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { blogInCluster, searchIndexed, startBenchPostgres, type BenchPostgres } from './postgres.ts'
import { answerFile, cpuMs, freePort, memory, recordAnswer, serverCommand, sitemapPostPaths, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/bench.db' },
    database: { type: 'string', default: 'sqlite' },
    minutes: { type: 'string', default: '10' },
    every: { type: 'string', default: '30' },
    connections: { type: 'string', default: '20' },
    'comment-every': { type: 'string', default: '250' },
    /** Then the same readers for this long against a bare Fastify route sending one of the pages (0: not). */
    'bare-minutes': { type: 'string', default: '1' },
    /** Extra arguments for the server's node, before the script (e.g. `--node-args=--max-old-space-size=64`). */
    'node-args': { type: 'string', default: '' },
  },
})
let manifest = JSON.parse(readFileSync(`${args.db}.json`, 'utf8')) as Manifest
const ACCEPT = { 'accept-encoding': 'gzip, deflate, br, zstd' }

/** Readers for `minutes`: of every 10 requests, 6 are the next post of the sitemap, 2 the home page, 2 a category page. */
function readers(url: string, minutes: number) {
  let n = 0
  return autocannon({
    url,
    connections: Number(args.connections),
    duration: minutes * 60,
    headers: ACCEPT,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const i = n++ % 10
          return { ...req, path: i < 6 ? posts[n % posts.length] : i < 8 ? '/' : manifest.category }
        },
      },
    ],
  })
}
interface Manifest {
  post: string
  category: string
  posts: number
  comments: number
  heavyPost?: string
}
if (args.database !== 'sqlite' && args.database !== 'postgres') throw new Error('--database: sqlite or postgres')
const dir = mkdtempSync(join(tmpdir(), 'carnet-memory-'))
const [command, ...rest] = serverCommand()
const nodeArgs = args['node-args']!.split(/\s+/).filter(Boolean)
let cluster: BenchPostgres | undefined
let databaseUrl = join(dir, 'bench.db')
const sessionKey = randomBytes(32).toString('hex')
if (args.database === 'postgres') {
  cluster = await startBenchPostgres()
  const blog = await blogInCluster(cluster, args.db!, manifest, dir)
  databaseUrl = blog.url
  manifest = blog.manifest
  // A first server builds the search index, as a blog's first start does; the measured one starts on it built.
  const first = await startServer()
  await searchIndexed(databaseUrl)
  const exited = new Promise((resolve) => first.proc.once('exit', resolve))
  first.proc.kill('SIGTERM')
  await exited
} else copyFileSync(args.db!, databaseUrl)

async function startServer() {
  const port = await freePort()
  // After the start script's own flags (the last of a flag given twice counts), before the script.
  const proc = spawn(command!, [...rest.slice(0, -1), ...nodeArgs, ...rest.slice(-1)], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SITE_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'info',
      PAGE_CACHE: 'on',
      COMMENT_RATE_LIMIT: '0',
      PORT: String(port),
      HOST: '127.0.0.1',
      // PostgreSQL keeps sessions' key nowhere else: the same for both servers.
      SESSION_KEY: sessionKey,
    },
    stdio: ['ignore', openSync(join(dir, 'server.log'), 'w'), 'inherit'],
  })
  process.on('exit', () => proc.exitCode === null && proc.kill('SIGTERM'))
  const base = `http://127.0.0.1:${port}`
  await waitForServer(proc, base)
  return { proc, base }
}

const { proc, base } = await startServer()
// From the sitemap index and its files (a single /sitemap.xml of posts before the sitemap index: this run then
// asked for no post at all, only 404s).
const posts = await sitemapPostPaths(base)
const startMb = memory(proc.pid!).rssMb
console.log(
  `Node ${process.version}, ${args.database}; ${manifest.posts} posts, ${manifest.comments} comments; ${posts.length} posts in the sitemap; RSS at start ${startMb.toFixed(0)} MB`,
)

const cpuAtStart = cpuMs(proc.pid!)
const endAt = Date.now() + Number(args.minutes) * 60_000
const reads = readers(base, Number(args.minutes))
let comments = 0
const commenting = (async () => {
  while (Number(args['comment-every']) > 0 && Date.now() < endAt) {
    const body = new URLSearchParams({ author: 'Lectrice', email: 'l@example.org', url: '', body: `Un avis de passage, le ${++comments}.` })
    await fetch(`${base}${manifest.post}`, { method: 'POST', body, redirect: 'manual' }).then((r) => r.arrayBuffer())
    await new Promise((r) => setTimeout(r, Number(args['comment-every'])))
  }
})()
const samples: string[] = []
const sampler = setInterval(
  () => {
    const m = memory(proc.pid!)
    const line = `${Math.round((Date.now() - (endAt - Number(args.minutes) * 60_000)) / 1000)} s: RSS ${m.rssMb.toFixed(0)} MB (peak ${m.peakMb.toFixed(0)} MB)`
    samples.push(line)
    console.log(line)
  },
  Number(args.every) * 1000,
)
const r = await reads
await commenting
clearInterval(sampler)
const end = memory(proc.pid!)
// The server's CPU (all its threads: compression's too) per answer: what a change to save memory must not raise.
const cpu = cpuMs(proc.pid!) - cpuAtStart
console.log(
  `\n${r['2xx']} reads answered 200 (${r.non2xx} others, ${r.errors} errors), ${comments} comments; RSS at start ${startMb.toFixed(0)} MB, at the end ${end.rssMb.toFixed(0)} MB, peak ${end.peakMb.toFixed(0)} MB; server CPU ${(cpu / 1000).toFixed(1)} s, ${((cpu * 1000) / (r['2xx'] + comments)).toFixed(0)} µs a request`,
)
const answer = await recordAnswer(`${base}${posts[0]}`, ACCEPT)
const exited = new Promise((resolve) => proc.once('exit', resolve))
proc.kill('SIGTERM')
await exited
const bareMinutes = Math.min(Number(args['bare-minutes']), Number(args.minutes))
if (bareMinutes > 0) {
  // The floor under the same readers: the runtime and the framework alone, started with npm start's node flags and
  // environment, sending one of Carnet's post pages (its bytes and headers) to every request. No comment: nothing
  // there to write.
  const port = await freePort()
  const bare = spawn(command!, [...rest.slice(0, -1), 'bench/hello.ts'], {
    env: { ...process.env, PORT: String(port), ANSWER: answerFile(dir, answer) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  process.on('exit', () => bare.exitCode === null && bare.kill('SIGTERM'))
  const bareBase = `http://127.0.0.1:${port}`
  await waitForServer(bare, bareBase)
  const bareStartMb = memory(bare.pid!).rssMb
  const r = await readers(bareBase, bareMinutes)
  const bareEnd = memory(bare.pid!)
  console.log(
    `A bare Fastify route sending that page to the same readers for ${bareMinutes} min: ${r['2xx']} answers; RSS at start ${bareStartMb.toFixed(0)} MB, peak ${bareEnd.peakMb.toFixed(0)} MB. Carnet's peak / its: ${(end.peakMb / bareEnd.peakMb).toFixed(2)}x`,
  )
  const bareExited = new Promise((resolve) => bare.once('exit', resolve))
  bare.kill('SIGTERM')
  await bareExited
}
await cluster?.stop()
rmSync(dir, { recursive: true, force: true })
