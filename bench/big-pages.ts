// A big page's cost to everyone else (`node --import tsx bench/big-pages.ts [--db bench/out/growth-100k.db]
// [--rounds 3] [--path /sitemap-posts-1.xml]`): a big answer (by default a sitemap file: 1,000 addresses, about
// 150 KB, since files hold 1,000; 10,000 and 1.5 MB before: give --path for a bigger page) asked after a
// write, as browsers ask (its first answer: rendered, then compressed for that answer), again (the page cache
// makes and keeps its br copy), and by a gzip-only client (its gzip copy); meanwhile /healthz is asked every
// 5 ms. For each step: the answer's time, the server's longest event-loop delay (perf_hooks.monitorEventLoopDelay,
// bench/loop-monitor.mjs) and the longest /healthz answer. Single requests on a shared machine: compare the steps
// and the rows of one run.
import { spawn } from 'node:child_process'
import { copyFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Sqlite from 'better-sqlite3'
import { freePort, serverCommand, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/growth-100k.db' },
    rounds: { type: 'string', default: '3' },
    path: { type: 'string', default: '/sitemap-posts-1.xml' },
  },
})
const copy = `bench/out/big-pages-${process.pid}.db`
copyFileSync(args.db!, copy)
const port = await freePort()
const [node, ...rest] = serverCommand()
const proc = spawn(node!, ['--import', resolve('bench/loop-monitor.mjs'), ...rest], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    SITE_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'warn',
    PAGE_CACHE: 'on',
    DATABASE_URL: copy,
    DEMO_CONTENT: 'false',
    PORT: String(port),
    HOST: '127.0.0.1',
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const base = `http://127.0.0.1:${port}`
const loopMax = () =>
  new Promise<number>((r) => {
    proc.once('message', (m: { maxMs: number }) => r(m.maxMs))
    proc.send('event-loop')
  })

async function timed(path: string, encoding: string): Promise<{ ms: number; bytes: number; cache: string }> {
  const t0 = performance.now()
  const res = await fetch(base + path, { headers: { 'accept-encoding': encoding } })
  const bytes = (await res.arrayBuffer()).byteLength
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
  return {
    ms: performance.now() - t0,
    bytes,
    cache: `${res.headers.get('x-page-cache') ?? '-'} ${res.headers.get('content-encoding') ?? 'identity'}`,
  }
}

/** /healthz every 5 ms until stopped: the longest answer. */
function probe() {
  let running = true
  let max = 0
  const done = (async () => {
    while (running) {
      const t0 = performance.now()
      await (await fetch(`${base}/healthz`)).arrayBuffer()
      max = Math.max(max, performance.now() - t0)
      await new Promise((r) => setTimeout(r, 5))
    }
  })()
  return async () => {
    running = false
    await done
    return max
  }
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)))
try {
  await waitForServer(proc, base, 120_000)
  console.log(`${process.version}, ${args.db}, ${args.path}`)
  console.log('| round | step | answer | ms | event loop max, ms | /healthz worst, ms |')
  console.log('|---|---|---|---:|---:|---:|')
  const writer = new Sqlite(copy)
  writer.pragma('busy_timeout = 5000')
  const steps: Array<[string, string]> = [
    ['first answer after a write', 'gzip, deflate, br, zstd'],
    ['again (br copy made)', 'gzip, deflate, br, zstd'],
    ['gzip-only client (gzip copy made)', 'gzip'],
    ['again (kept copy)', 'gzip, deflate, br, zstd'],
  ]
  for (let round = 1; round <= Number(args.rounds); round++) {
    // Any write empties the page cache (the freshness generation moves).
    writer.prepare('update site_state set changed_at = ? where id = 1').run(new Date().toISOString())
    await new Promise((r) => setTimeout(r, 300))
    for (const [step, encoding] of steps) {
      await loopMax()
      const stop = probe()
      const r = await timed(args.path!, encoding)
      const healthz = await stop()
      console.log(`| ${round} | ${step} | ${r.cache}, ${r.bytes} B | ${fmt(r.ms)} | ${fmt(await loopMax())} | ${fmt(healthz)} |`)
    }
  }
  writer.close()
} finally {
  const exited = new Promise((r) => proc.once('exit', r))
  proc.kill('SIGTERM')
  await exited
  for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true })
}
