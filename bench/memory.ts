// Memory over a long mixed run: `node --import tsx bench/memory.ts [--minutes 10] [--every 30] [--db bench/out/bench.db]`.
// Starts the server the way `npm start` does (page cache on, LOG_LEVEL=info with its output to a file, as a
// service manager takes it) on a copy of a generated blog, and loads it for `--minutes` with what readers do:
// every post in turn (the long tail), the home page and a category page (the cache's hits), and a comment every
// `--comment-every` ms (each one a write: the caches start over). Prints the server's resident memory (RSS)
// every `--every` seconds, and its peak (VmHWM) at the end: flat means no cache grows beyond its bound
// (src/cache/README.md).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { cpuMs, freePort, memory, serverCommand, sitemapPostPaths, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/bench.db' },
    minutes: { type: 'string', default: '10' },
    every: { type: 'string', default: '30' },
    connections: { type: 'string', default: '20' },
    'comment-every': { type: 'string', default: '250' },
    /** Extra arguments for the server's node, before the script (e.g. `--node-args=--max-old-space-size=64`). */
    'node-args': { type: 'string', default: '' },
  },
})
const manifest = JSON.parse(readFileSync(`${args.db}.json`, 'utf8')) as { post: string; category: string; posts: number; comments: number }
const dir = mkdtempSync(join(tmpdir(), 'carnet-memory-'))
copyFileSync(args.db!, join(dir, 'bench.db'))
const port = await freePort()
const [command, ...rest] = serverCommand()
const nodeArgs = args['node-args']!.split(/\s+/).filter(Boolean)
// After the start script's own flags (the last of a flag given twice counts), before the script.
const proc = spawn(command!, [...rest.slice(0, -1), ...nodeArgs, ...rest.slice(-1)], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: join(dir, 'bench.db'),
    SITE_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'info',
    PAGE_CACHE: 'on',
    COMMENT_RATE_LIMIT: '0',
    PORT: String(port),
    HOST: '127.0.0.1',
  },
  stdio: ['ignore', openSync(join(dir, 'server.log'), 'w'), 'inherit'],
})
process.on('exit', () => proc.exitCode === null && proc.kill('SIGTERM'))
const base = `http://127.0.0.1:${port}`
await waitForServer(proc, base)
// From the sitemap index and its files (a single /sitemap.xml of posts before the sitemap index: this run then
// asked for no post at all, only 404s).
const posts = await sitemapPostPaths(base)
const startMb = memory(proc.pid!).rssMb
console.log(
  `Node ${process.version}; ${manifest.posts} posts, ${manifest.comments} comments; ${posts.length} posts in the sitemap; RSS at start ${startMb.toFixed(0)} MB`,
)

const cpuAtStart = cpuMs(proc.pid!)
let n = 0
const endAt = Date.now() + Number(args.minutes) * 60_000
// Readers: of every 10 requests, 6 are the next post of the sitemap, 2 the home page, 2 a category page.
const reads = autocannon({
  url: base,
  connections: Number(args.connections),
  duration: Number(args.minutes) * 60,
  headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
  requests: [
    {
      setupRequest: (req: Record<string, unknown>) => {
        const i = n++ % 10
        return { ...req, path: i < 6 ? posts[n % posts.length] : i < 8 ? '/' : manifest.category }
      },
    },
  ],
})
let comments = 0
const commenting = (async () => {
  while (Date.now() < endAt) {
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
const exited = new Promise((resolve) => proc.once('exit', resolve))
proc.kill('SIGTERM')
await exited
rmSync(dir, { recursive: true, force: true })
