// Search at two sizes, side by side: `node --import tsx bench/search.ts [--small bench/out/small.db] [--big
// bench/out/big.db] [--database sqlite|postgres|both] [--runs 30]`. Each blog is a file made by bench:seed and
// never indexed (the seed queues every post): each size gets a fresh copy, so the run also measures what a first
// start on such a blog does — time to ready, the answer of /healthz and of a search while the index is built in
// the background, the longest event-loop delay meanwhile, the time the whole backlog takes. Then, index built,
// every word of WORDS is searched `runs` times one after the other (page cache off, in process through inject:
// the server's own time, no client on the machine), and the median and the slowest are printed with the ratio
// big / small, and the median CPU time (this process's, and on PostgreSQL the cluster's: less moved by the
// machine's load than wall-clock times); then one search after a new post. Three posts holding a rare word are written by the bench into both copies (the generated blogs'
// vocabulary has no rare word: each of its 244 words is in 7 % of the posts or more).
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createPost } from '../src/content/posts.write.ts'
import { startBenchPostgres, type BenchPostgres } from './postgres.ts'

const { values: args } = parseArgs({
  options: {
    small: { type: 'string', default: 'bench/out/small.db' },
    big: { type: 'string', default: 'bench/out/big.db' },
    database: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '30' },
  },
})
const RUNS = Number(args.runs)
const DATABASES = args.database === 'both' ? ['sqlite', 'postgres'] : [args.database!]
for (const file of [args.small!, args.big!]) if (!existsSync(file)) throw new Error(`${file} is missing: make it with npm run bench:seed`)

/**
 * Common (in 60 % of the posts), a stop word (left out on both databases), two common words, a prefix, less
 * common (7 %, a tag), accented, rare (3 posts), absent; then pages 2 and 100 (the window's last) of the commonest.
 */
const WORDS = [
  'ville',
  'le',
  'ville paix',
  'frontière historique',
  'vil',
  'syrie',
  'hôpital',
  'zanzibar',
  'zzyzx',
  'ville&page=2',
  'ville&page=100',
]

interface SizeResult {
  readyMs: number
  queuedAtReady: number
  healthzMs: number
  firstPageMs: number
  searchDuringMs: number
  searchDuringNote: boolean
  indexingS: number
  maxLoopDelayMs: number
  logLines: string[]
  words: Map<string, { shown: string; medianMs: number; maxMs: number; cpuMs: number }>
  /** The first search after a new post (its catch-up indexes the post), wall and CPU ms. */
  afterWrite: { ms: number; cpuMs: number }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const result = await f()
  return [result, performance.now() - t0]
}

async function queued(app: FastifyInstance): Promise<number> {
  const row = await app.db
    .selectFrom('search_queue')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** What the results page says about its count: `12 résultats…`, `Plus de 1 000…`, `Aucune note…`. */
function shownCount(html: string): string {
  const count = /<p class="search-count"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? /<p class="empty">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '?'
  return count
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .split(' pour ')[0]!
    .trim()
}

/** CPU time of this process and, on PostgreSQL, of the whole cluster, ms: what a search costs whatever the load. */
type CpuClock = () => number

async function measure(databaseUrl: string, dir: string, clusterCpuMs: CpuClock = () => 0): Promise<SizeResult> {
  const cpu = () => {
    const { user, system } = process.cpuUsage()
    return (user + system) / 1000 + clusterCpuMs()
  }
  const logLines: string[] = []
  const logs = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.includes('search index')) logLines.push(JSON.parse(line).msg as string)
      done()
    },
  })
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    MEDIA_DIR: join(dir, 'media'),
    SITE_URL: 'http://bench.test',
    SESSION_KEY: randomBytes(32).toString('hex'),
    PAGE_CACHE: 'off',
    DEMO_CONTENT: 'false',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  })
  const loop = monitorEventLoopDelay({ resolution: 10 })
  const [app, readyMs] = await timed(async () => {
    const app = await buildApp(config, { logger: { level: 'info', stream: logs } })
    await app.ready()
    return app
  })
  try {
    loop.enable()
    const t0 = performance.now()
    const queuedAtReady = await queued(app)
    const [, healthzMs] = await timed(() => app.inject('/healthz'))
    // The first page after start pays for what every page shares (counts, sidebar): not search's, measured apart.
    const [, firstPageMs] = await timed(() => app.inject('/'))
    const [during, searchDuringMs] = await timed(() => app.inject('/search?q=ville'))
    while ((await queued(app)) > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    const indexingS = (performance.now() - t0) / 1000
    loop.disable()
    for (const [i, day] of ['01', '02', '03'].entries()) {
      await createPost(app.db, {
        title: `Escale ${i + 1}`,
        body: `Une escale à Zanzibar, la ${i + 1}e.`,
        status: 'published',
        publishedAt: `2011-02-${day}T10:00:00.000Z`,
      })
    }
    const words = new Map<string, { shown: string; medianMs: number; maxMs: number; cpuMs: number }>()
    for (const word of WORDS) {
      const [q, page] = word.split('&')
      const url = `/search?q=${encodeURIComponent(q!)}${page ? `&${page}` : ''}`
      const first = await app.inject(url)
      const times: number[] = []
      const cpus: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const c0 = cpu()
        times.push((await timed(() => app.inject(url)))[1])
        cpus.push(cpu() - c0)
      }
      times.sort((a, b) => a - b)
      cpus.sort((a, b) => a - b)
      words.set(word, {
        shown: shownCount(first.body),
        medianMs: percentile(times, 0.5),
        maxMs: times.at(-1)!,
        cpuMs: percentile(cpus, 0.5),
      })
    }
    await createPost(app.db, { title: 'Une ville de plus', body: 'Une ville.', status: 'published', publishedAt: new Date().toISOString() })
    const c0 = cpu()
    const [, afterWriteMs] = await timed(() => app.inject('/search?q=ville'))
    const afterWrite = { ms: afterWriteMs, cpuMs: cpu() - c0 }
    return {
      readyMs,
      queuedAtReady,
      healthzMs,
      firstPageMs,
      searchDuringMs,
      searchDuringNote: during.body.includes('search-incomplete'),
      indexingS,
      maxLoopDelayMs: loop.max / 1e6,
      logLines,
      words,
      afterWrite,
    }
  } finally {
    // src/db/checkpointer.ts's thread is unref()'d: while it finishes a long checkpoint at close (a WAL grown by
    // indexing), nothing else would keep this process alive, and it would exit in the middle of close.
    const keepAlive = setInterval(() => {}, 1000)
    await app.close().finally(() => clearInterval(keepAlive))
  }
}

const ms = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toString())

function report(database: string, small: SizeResult, big: SizeResult, sizes: [string, string]) {
  console.log(`\n## ${database}: ${sizes[0]} beside ${sizes[1]}\n`)
  console.log('| first start on an unindexed blog | small | big |')
  console.log('|---|---|---|')
  const row = (label: string, f: (r: SizeResult) => string) => console.log(`| ${label} | ${f(small)} | ${f(big)} |`)
  row('ready (build + onReady), ms', (r) => ms(r.readyMs))
  row('posts queued at ready', (r) => String(r.queuedAtReady))
  row('/healthz meanwhile, ms', (r) => ms(r.healthzMs))
  row('first home page meanwhile, ms', (r) => ms(r.firstPageMs))
  row('search "ville" meanwhile, ms (says incomplete?)', (r) => `${ms(r.searchDuringMs)} (${r.searchDuringNote ? 'yes' : 'no'})`)
  row('whole backlog indexed, s', (r) => r.indexingS.toFixed(1))
  row('longest event-loop delay meanwhile, ms', (r) => ms(r.maxLoopDelayMs))
  row('info lines logged', (r) => String(r.logLines.length))
  row('first "ville" after a new post, ms (CPU ms)', (r) => `${ms(r.afterWrite.ms)} (${ms(r.afterWrite.cpuMs)})`)
  console.log(
    `\n| search (${RUNS} runs, index built) | shown (big) | small median ms | big median ms | big slowest ms | big / small | big CPU ms (median) |`,
  )
  console.log('|---|---|---|---|---|---|---|')
  for (const word of WORDS) {
    const s = small.words.get(word)!
    const b = big.words.get(word)!
    console.log(
      `| ${word} | ${b.shown} | ${ms(s.medianMs)} | ${ms(b.medianMs)} | ${ms(b.maxMs)} | ${(b.medianMs / s.medianMs).toFixed(1)} | ${ms(b.cpuMs)} |`,
    )
  }
  console.log(`\nbig blog's log:\n${big.logLines.join('\n')}`)
}

const sizes: [string, string] = [args.small!, args.big!]
let postgres: BenchPostgres | undefined
try {
  for (const database of DATABASES) {
    const results: SizeResult[] = []
    for (const file of sizes) {
      const dir = mkdtempSync(join(tmpdir(), 'carnet-bench-search-'))
      try {
        if (database === 'sqlite') {
          const copy = join(dir, 'blog.db')
          copyFileSync(file, copy)
          results.push(await measure(copy, dir))
        } else {
          postgres ??= await startBenchPostgres()
          const loaded = await postgres.load(file)
          console.log(`copied ${file} into PostgreSQL in ${loaded.seconds.toFixed(0)} s`)
          const fresh = await postgres.fresh(loaded.template)
          try {
            const cluster = postgres
            results.push(await measure(fresh.url, dir, () => cluster.cpuMs()))
          } finally {
            await fresh.drop()
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    report(database, results[0]!, results[1]!, sizes)
  }
} finally {
  await postgres?.stop()
}
console.log(`\nNode ${process.version}`)
