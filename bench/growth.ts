// The growth benchmark (`npm run bench -- --growth`, or `npm run bench:growth`): the demo blog beside a generated
// one of 100,000 posts / 1,000,000 comments, on SQLite and/or PostgreSQL, measuring what a reader meets rather
// than throughput:
// - each public page's first answer after the server starts (nothing kept yet: cold statements, empty caches);
// - each page's first answer after a write moment: a post published, a comment posted, a scheduled post coming
//   due, a thread closing by itself (the last two change pages without any write at that moment);
// - during each moment (the write, then each page once), the event loop's longest delay in the server
//   (perf_hooks.monitorEventLoopDelay, loaded with bench/loop-monitor.mjs) and the longest wait of a /robots.txt
//   asked every 25 ms meanwhile (what any other reader waits); search, being reworked on its own, is asked last
//   and its own delay is given apart;
// - the server's peak resident memory (VmHWM) and its start-up time (spawn to listening).
// Writes other than the comment are made by this process on the database itself, as another instance or a
// scheduled job would: the server learns of them as of any write (src/cache/freshness.ts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { seedPostgres, startBenchPostgres, type BenchPostgres } from './postgres.ts'
import { freePort, memory, serverCommand } from './process.ts'
import type { BenchManifest } from './seed.ts'

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'sqlite' },
    /** Posts and comments of the large blog (default 100,000 / 1,000,000). */
    posts: { type: 'string', default: '100000' },
    comments: { type: 'string', default: '' },
    /** Sizes to run, `demo`, `large` or both (default). */
    sizes: { type: 'string', default: 'demo,large' },
    /** A CPU profile of each measured server of the large blog, in bench/out/prof-growth/ (node --cpu-prof). */
    profile: { type: 'boolean', default: false },
    /** Empties the large SQLite blog's search index first, so that its first start indexes it all again (measured). */
    reindex: { type: 'boolean', default: false },
  },
  strict: false,
})
type Database = 'sqlite' | 'postgres'
const DATABASES: Database[] = args.database === 'both' ? ['sqlite', 'postgres'] : [args.database as Database]
const POSTS = Number(args.posts)
const COMMENTS = args.comments ? Number(args.comments) : POSTS * 10
const AUTO_CLOSE_DAYS = 30
const MONITOR = resolve('bench/loop-monitor.mjs')
const SEARCH = 'search'

interface Blog extends Pick<BenchManifest, 'db' | 'post' | 'category' | 'month'> {
  label: string
  heavyPost?: string
}

// ---- the blogs ----

function seeded(path: string, posts: number, comments: number): BenchManifest {
  if (!existsSync(path) || !existsSync(`${path}.json`)) {
    console.log(`Generating ${path} (${posts} posts, ${comments} comments)…`)
    const t0 = performance.now()
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/seed.ts', '--posts', String(posts), '--comments', String(comments), '--db', path, '--quiet'],
      { stdio: 'inherit' },
    )
    if (r.status !== 0) throw new Error('bench:seed failed')
    console.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
  return JSON.parse(readFileSync(`${path}.json`, 'utf8')) as BenchManifest
}

/** Starts a server on the file once (migrations, demo content, search index: see indexed()), as a blog that has run. */
async function settle(db: string, demo: boolean): Promise<{ ms: number; base?: string; server: Server }> {
  const server = await startServer({ DATABASE_URL: db, DEMO_CONTENT: demo ? 'true' : 'false' })
  // Its first page waits for nothing else: what it waits for is the start itself.
  await get(server.base, '/')
  return { ms: server.startupMs, server }
}

async function demoBlog(): Promise<Blog> {
  const db = 'bench/out/growth-demo.db'
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  const { server } = await settle(db, true)
  try {
    const lists = await (await fetch(`${server.base}/sitemap-lists-1.xml`)).text()
    const posts = await (await fetch(`${server.base}/sitemap-posts-1.xml`)).text()
    const path = (xml: string, re: RegExp) => re.exec(xml)?.[1] ?? ''
    return {
      label: 'demo',
      db,
      post: path(posts, /<loc>https?:\/\/[^/<]+(\/archive\/[^<]+\.html)<\/loc>/),
      category: path(lists, /<loc>https?:\/\/[^/<]+(\/category\/[^<]+)<\/loc>/),
      month: path(lists, /<loc>https?:\/\/[^/<]+(\/archive\/\d{4}\/\d\d\/)<\/loc>/),
    }
  } finally {
    await stop(server)
  }
}

/**
 * Waits until the blog's search index is built (its queue empty) and its comments' old IP addresses are erased
 * (the generated comments all have one; src/content/ip-retention.ts erases those past 90 days in the background,
 * a batch at a time): their background work weighs on nothing measured.
 */
async function indexed(database: Database, url: string, server: Server): Promise<void> {
  const t0 = performance.now()
  // Meanwhile, the server's longest event-loop turn and its CPU (the background indexing's batches).
  await eventLoop(server)
  server.cpuMs = 0
  let loopMs = 0
  const cutoff = new Date(Date.now() - 91 * 86_400_000).toISOString()
  const LEFT = `select (select count(*) from search_queue) + (select count(*) from comments where ip is not null and created_at < '${cutoff}') as n`
  for (;;) {
    let left: number
    if (database === 'sqlite') {
      const probe = new Sqlite(url, { readonly: true })
      left = (probe.prepare(LEFT).get() as { n: number }).n
      probe.close()
    } else {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      left = Number((await client.query<{ n: string }>(LEFT)).rows[0]!.n)
      await client.end()
    }
    loopMs = Math.max(loopMs, await eventLoop(server))
    if (left === 0) break
    await new Promise((r) => setTimeout(r, 2000))
  }
  indexing = { ms: performance.now() - t0, loopMs, cpuMs: server.cpuMs }
  console.log(
    `  search index built and old IPs erased in the background: ${fmt(indexing.ms)} more; meanwhile the event loop's longest turn ${fmt(loopMs)}, its CPU ${fmt(server.cpuMs)}`,
  )
}

/**
 * The generated comments all have an IP address; a blog that has run for years kept only its last 90 days'
 * (src/content/ip-retention.ts). Erased here in one statement, as they would have been along the way: a first
 * start would otherwise erase a million, a batch at a time, in the background of every measure.
 */
const OLD_IPS = `update comments set ip = null where ip is not null and created_at < '${new Date(Date.now() - 91 * 86_400_000).toISOString()}'`

/** The background indexing of the large blog's first start, as measured by indexed(). */
let indexing: { ms: number; loopMs: number; cpuMs: number } | undefined

async function largeBlog(): Promise<Blog> {
  const m = seeded(`bench/out/growth-${POSTS / 1000}k.db`, POSTS, COMMENTS)
  const file = new Sqlite(m.db)
  file.prepare(OLD_IPS).run()
  if (args.reindex) {
    file.prepare('delete from posts_fts').run()
    file.prepare('insert into search_queue (post_id) select id from posts where true on conflict do nothing').run()
    // FTS5's own merging back on (its default), as a blog indexed before Carnet took it over (src/search/fts.sqlite.ts).
    file.prepare("insert into posts_fts (posts_fts, rank) values ('automerge', 4)").run()
  }
  file.close()
  const { ms, server } = await settle(m.db, false)
  await indexed('sqlite', m.db, server)
  await stop(server)
  console.log(`${POSTS.toLocaleString('en')} posts: first start on the generated file (migrations, search index): ${Math.round(ms)} ms`)
  return { label: `${POSTS / 1000}k`, db: m.db, post: m.post, category: m.category, month: m.month, heavyPost: m.heavyPost }
}

function pages(blog: Blog): Array<[name: string, path: string]> {
  return [
    ['home', '/'],
    ['post', blog.post],
    ...(blog.heavyPost ? [['post, 10,000 comments', blog.heavyPost] as [string, string]] : []),
    ['category', blog.category],
    ['month', blog.month],
    ['year', blog.month.split('/').slice(0, 3).join('/') + '/'],
    ['RSS', '/feed.rss'],
    ['sitemap index', '/sitemap.xml'],
    ['sitemap of posts', '/sitemap-posts-1.xml'],
    ['robots.txt', '/robots.txt'],
    // Last: the event loop is read before them too. "ville" is in most posts (its newest matches read backwards
    // along the key), "syrie" in a few percent (read through the full-text index: PostgreSQL's slow case once);
    // the generated words are each in 7 % of the posts or more, so two pairs stand for rarer and commoner words:
    // "syrie irak" in 0.5 % of the 100,000 posts, "selon ville" in 27 %.
    [`${SEARCH} "ville"`, '/search?q=ville'],
    [`${SEARCH} "syrie"`, '/search?q=syrie'],
    [`${SEARCH} "syrie irak"`, '/search?q=syrie+irak'],
    [`${SEARCH} "selon ville"`, '/search?q=selon+ville'],
  ]
}

// ---- the server ----

interface Server {
  proc: ChildProcess
  base: string
  startupMs: number
  /** The main thread's most CPU time within one event-loop turn since reset (a block of its own, not a wait). */
  cpuMs: number
}

async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort()
  const [node, ...rest] = serverCommand()
  const t0 = performance.now()
  const proc = spawn(node!, ['--import', MONITOR, ...nodeArgs, ...rest], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SITE_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'warn',
      COMMENT_RATE_LIMIT: '0',
      PAGE_CACHE: 'on',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  // Its log (warnings and errors only) is kept to tell why, should it exit.
  let log = ''
  proc.stdout!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2000)))
  proc.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`the server on ${port} exited: ${code ?? signal}\n${log}`)
  })
  // Listening, without asking for a page: the first page asked is then measured cold.
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}`)
    const open = await new Promise<boolean>((r) => {
      // A connection from the port to itself (TCP's simultaneous open, met when polling a free local port) is
      // no server.
      const s = connect(port, '127.0.0.1', () => {
        r(s.localPort !== port)
        s.destroy()
      })
      s.on('error', () => r(false))
    })
    if (open) break
    if (performance.now() - t0 > 600_000) throw new Error('the server did not listen within 600 s')
    await new Promise((r) => setTimeout(r, 10))
  }
  return { proc, base: `http://127.0.0.1:${port}`, startupMs: performance.now() - t0, cpuMs: 0 }
}

async function stop(server: Server): Promise<void> {
  if (server.proc.exitCode !== null) return
  const exited = new Promise((r) => server.proc.once('exit', r))
  server.proc.kill('SIGTERM')
  await exited
}

/** The longest turn since the last read (its lateness), and the main thread's most CPU time within one turn. */
function eventLoop(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.proc.once('message', (m: { maxMs: number; cpuMs: number }) => {
      server.cpuMs = Math.max(server.cpuMs, m.cpuMs)
      resolve(m.maxMs)
    })
    server.proc.send('event-loop')
  })
}

/** One whole answer, ms. */
async function get(base: string, path: string, init?: RequestInit): Promise<{ ms: number; status: number }> {
  const t0 = performance.now()
  const res = await fetch(base + path, { redirect: 'manual', headers: { 'accept-encoding': 'gzip, deflate, br, zstd' }, ...init }).catch(
    (err: unknown) => {
      throw new Error(`${init?.method ?? 'GET'} ${base}${path}: ${String((err as { cause?: unknown }).cause ?? err)}`)
    },
  )
  await res.arrayBuffer()
  return { ms: performance.now() - t0, status: res.status }
}

/** Asks for /robots.txt every 25 ms until stopped; gives the longest answer. */
function prober(base: string) {
  let running = true
  let max = 0
  const done = (async () => {
    while (running) {
      max = Math.max(max, (await get(base, '/robots.txt')).ms)
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  // A moment that failed stops the server under the prober: the moment's own error is the one to show.
  done.catch(() => {})
  return async () => {
    running = false
    await done
    return max
  }
}

// ---- writes made beside the server ----

interface Writer {
  run(sql: string, params: unknown[]): Promise<void>
  close(): Promise<void>
}

async function writer(database: Database, url: string): Promise<Writer> {
  if (database === 'sqlite') {
    const db = new Sqlite(url)
    db.pragma('busy_timeout = 5000')
    return {
      run: async (sql, params) => void db.prepare(sql).run(...params),
      close: async () => {
        db.close()
      },
    }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return {
    run: async (sql, params) => {
      let i = 0
      await client.query(
        sql.replace(/\?/g, () => `$${++i}`),
        params,
      )
    },
    close: () => client.end(),
  }
}

let written = 0
async function insertPost(w: Writer, publishedAt: string): Promise<void> {
  const n = `${process.pid}-${++written}`
  const now = new Date().toISOString()
  await w.run(
    `insert into posts (slug, title, body_source, body_html, excerpt, signature, status, published_at, comments_open, created_at, updated_at)
     values (?, ?, ?, ?, ?, '', 'published', ?, 1, ?, ?)`,
    [`mesure-${n}`, `Mesure ${n}`, 'Un billet de mesure.', '<p>Un billet de mesure.</p>', 'Un billet de mesure.', publishedAt, now, now],
  )
  await w.run(`insert into post_categories (post_id, category_id) select (select id from posts where slug = ?), min(id) from categories`, [
    `mesure-${n}`,
  ])
}

// ---- one blog on one database ----

interface Moment {
  name: string
  /** The event loop's longest delay from the write to the last page but search, then during search. */
  loopMs: number
  /** During what the longest delay came (the write, or a page). */
  worst: string
  /** The main thread's most CPU time in one turn, from the write to the last page but search. */
  cpuMs: number
  searchLoopMs: number
  probeMs: number
  pages: Map<string, number>
}

interface Measured {
  blog: Blog
  database: Database
  startupMs: number
  cold: Map<string, number>
  moments: Moment[]
  peakMb: number
}

async function measureBlog(blog: Blog, database: Database, pgCluster?: BenchPostgres, template?: string): Promise<Measured> {
  let url: string
  let drop: () => Promise<void>
  const env: Record<string, string> = {}
  if (database === 'postgres') {
    const fresh = await pgCluster!.fresh(template!)
    url = fresh.url
    drop = fresh.drop
    env.SESSION_KEY = randomBytes(32).toString('hex')
  } else {
    url = `bench/out/growth-run-${process.pid}.db`
    copyFileSync(blog.db, url)
    for (const f of [`${url}-wal`, `${url}-shm`]) rmSync(f, { force: true })
    drop = async () => {
      for (const f of [url, `${url}-wal`, `${url}-shm`]) rmSync(f, { force: true })
    }
  }
  const w = await writer(database, url)
  const profile = args.profile && blog.heavyPost ? ['--cpu-prof', `--cpu-prof-dir=bench/out/prof-growth/${database}`] : []
  const server = await startServer({ DATABASE_URL: url, DEMO_CONTENT: 'false', ...env }, profile)
  try {
    const list = pages(blog)
    const cold = new Map<string, number>()
    await eventLoop(server)
    for (const [name, path] of list) cold.set(name, (await get(server.base, path)).ms)
    const moments: Moment[] = []
    const comment = () =>
      new URLSearchParams({
        author: 'Lectrice de passage',
        email: 'lectrice@example.org',
        url: '',
        body: `Merci pour ce billet, très juste (${++written}).`,
      }).toString()
    const due = async (at: number) => {
      while (Date.now() < at) await new Promise((r) => setTimeout(r, 20))
    }
    const scenarios: Array<[string, prepare: () => Promise<number | void>, act: (prepared: number | void) => Promise<void>]> = [
      ['publish', async () => {}, () => insertPost(w, new Date().toISOString())],
      [
        'comment',
        async () => {},
        async () => {
          const r = await get(server.base, blog.post, {
            method: 'POST',
            body: comment(),
            // The site's own origin, as a browser sends it with a form (src/http/cross-site.ts).
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1' },
          })
          if (r.status !== 303) throw new Error(`comment answered ${r.status}`)
        },
      ],
      [
        'scheduled post due',
        async () => {
          const at = Date.now() + 3000
          await insertPost(w, new Date(at).toISOString())
          return at
        },
        (at) => due((at as number) + 50),
      ],
      [
        'thread auto-closes',
        async () => {
          // Threads close AUTO_CLOSE_DAYS after publication (a setting, written here): a post whose thread closes
          // in 3 s.
          await w.run(
            `insert into settings (key, value) values ('commentsAutoCloseDays', ?) on conflict (key) do update set value = excluded.value`,
            [JSON.stringify(AUTO_CLOSE_DAYS)],
          )
          const at = Date.now() + 3000
          await insertPost(w, new Date(at - AUTO_CLOSE_DAYS * 86_400_000).toISOString())
          return at
        },
        (at) => due((at as number) + 50),
      ],
    ]
    for (const [name, prepare, act] of scenarios) {
      const prepared = await prepare()
      // The preparation's own write is absorbed by a first page (not measured) and a rest.
      await get(server.base, '/')
      await new Promise((r) => setTimeout(r, 200))
      await eventLoop(server)
      const stopProbe = prober(server.base)
      await act(prepared)
      const after = new Map<string, number>()
      // The event loop is read after the write and after each page: the longest delay, and where it was.
      server.cpuMs = 0
      let loopMs = await eventLoop(server)
      let worst = 'the write'
      let probeMs = NaN
      let searchLoopMs = NaN
      let cpuMs = NaN
      for (const [page, path] of list) {
        const search = page.startsWith(SEARCH)
        if (search && Number.isNaN(probeMs)) [probeMs, cpuMs] = [await stopProbe(), server.cpuMs]
        after.set(page, (await get(server.base, path)).ms)
        const delay = await eventLoop(server)
        if (search) searchLoopMs = Number.isNaN(searchLoopMs) ? delay : Math.max(searchLoopMs, delay)
        else if (delay > loopMs) [loopMs, worst] = [delay, page]
      }
      moments.push({ name, loopMs, worst, cpuMs, searchLoopMs, probeMs, pages: after })
    }
    return { blog, database, startupMs: server.startupMs, cold, moments, peakMb: memory(server.proc.pid!).peakMb }
  } finally {
    await stop(server)
    await w.close()
    await drop()
  }
}

/**
 * The blog in a database of the cluster that servers are then copied from. The demo is copied with the command
 * line's `copy`; the large blog is generated straight into PostgreSQL by bench:seed with the same arguments (the
 * same blog: the generator is deterministic), then a server starts on it once (its search index).
 */
async function postgresTemplate(cluster: BenchPostgres, blog: Blog): Promise<string> {
  if (!blog.heavyPost) return (await cluster.load(blog.db)).template
  const name = `growth_${process.pid}`
  const seconds = await seedPostgres(cluster, name, {
    posts: POSTS,
    comments: COMMENTS,
    manifest: `bench/out/growth-pg-${process.pid}.json`,
  })
  console.log(`${blog.label} generated into PostgreSQL in ${seconds.toFixed(1)} s`)
  const client = new pg.Client({ connectionString: cluster.url(name) })
  await client.connect()
  await client.query(OLD_IPS)
  await client.end()
  const server = await startServer({ DATABASE_URL: cluster.url(name), DEMO_CONTENT: 'false', SESSION_KEY: randomBytes(32).toString('hex') })
  const first = await get(server.base, '/')
  await indexed('postgres', cluster.url(name), server)
  await stop(server)
  console.log(`${blog.label} on PostgreSQL: first start ${fmt(server.startupMs)}, first page ${first.status} in ${fmt(first.ms)}`)
  return name
}

// ---- the run ----

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`)

function report(results: Measured[]) {
  for (const database of DATABASES) {
    const mine = results.filter((r) => r.database === database)
    if (mine.length === 0) continue
    console.log(`\n## ${database}\n`)
    const head = mine.map((r) => r.blog.label)
    const ratio = mine.length === 2
    console.log(
      `| page | ${head.map((h) => `${h} cold`).join(' | ')}${ratio ? ' | ratio' : ''} | ${head.map((h) => `${h} after a write (worst)`).join(' | ')}${ratio ? ' | ratio' : ''} |`,
    )
    console.log(
      `|---|${head.map(() => '---:').join('|')}${ratio ? '|---:' : ''}|${head.map(() => '---:').join('|')}${ratio ? '|---:' : ''}|`,
    )
    const names = [...new Set(mine.flatMap((r) => [...r.cold.keys()]))]
    for (const name of names) {
      const cold = mine.map((r) => r.cold.get(name))
      const after = mine.map((r) => Math.max(...r.moments.map((m) => m.pages.get(name) ?? NaN)))
      const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : fmt(v))
      const r = (a: Array<number | undefined>) => (a[0] && a[1] ? ` | ${(a[1] / a[0]).toFixed(1)}×` : ratio ? ' | –' : '')
      console.log(`| ${name} | ${cold.map(cell).join(' | ')}${r(cold)} | ${after.map(cell).join(' | ')}${r(after)} |`)
    }
    const cols = (label: string) => head.map((h) => `${h}: ${label}`).join(' | ')
    const align = head.map(() => '---:').join('|')
    console.log(
      `\n| moment | ${cols('event loop max')} | ${cols('its CPU')} | ${cols('during search')} | ${cols('robots.txt meanwhile')} | ${cols('home after')} |`,
    )
    console.log(`|---|${align}|${align}|${align}|${align}|${align}|`)
    for (const name of mine[0]!.moments.map((m) => m.name)) {
      const ms = mine.map((r) => r.moments.find((m) => m.name === name)!)
      console.log(
        `| ${name} | ${ms.map((m) => `${fmt(m.loopMs)} (${m.worst})`).join(' | ')} | ${ms.map((m) => fmt(m.cpuMs)).join(' | ')} | ${ms.map((m) => fmt(m.searchLoopMs)).join(' | ')} | ${ms.map((m) => fmt(m.probeMs)).join(' | ')} | ${ms.map((m) => fmt(m.pages.get('home')!)).join(' | ')} |`,
      )
    }
    console.log('')
    if (mine.some((r) => r.blog.heavyPost) && indexingOf.has(database)) {
      const i = indexingOf.get(database)!
      console.log(`- ${POSTS / 1000}k: indexing in the background ${fmt(i.ms)}, event loop max ${fmt(i.loopMs)}, its CPU ${fmt(i.cpuMs)}`)
    }
    for (const r of mine)
      console.log(`- ${r.blog.label}: start-up (spawn to listening) ${fmt(r.startupMs)}, peak RSS ${Math.round(r.peakMb)} MB`)
  }
}

const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?'
console.log(`Machine: ${cpus().length} CPUs (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`)
console.log(
  `${new Date().toISOString()}, load average at the start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
)
const sizes = new Set(String(args.sizes).split(','))
const blogs: Blog[] = []
if (sizes.has('demo')) blogs.push(await demoBlog())
if (sizes.has('large')) blogs.push(await largeBlog())
const pgCluster = DATABASES.includes('postgres') ? await startBenchPostgres() : undefined
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void pgCluster?.stop().finally(() => process.exit(130)))
const results: Measured[] = []
/** Each database's indexing figures (SQLite's when the file was indexed at this run's start). */
const indexingOf = new Map<Database, NonNullable<typeof indexing>>()
if (indexing) indexingOf.set('sqlite', indexing)
try {
  for (const database of DATABASES) {
    for (const blog of blogs) {
      try {
        indexing = undefined
        const template = database === 'postgres' ? await postgresTemplate(pgCluster!, blog) : undefined
        if (database === 'postgres' && indexing) indexingOf.set('postgres', indexing)
        results.push(await measureBlog(blog, database, pgCluster, template))
        console.log(`measured ${blog.label} on ${database}`)
      } catch (err) {
        console.log(`${blog.label} on ${database}: not measured: ${String(err)}`)
      }
    }
  }
} finally {
  await pgCluster?.stop()
}
report(results)
console.log(
  `\nLoad average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
)
writeFileSync(
  'bench/out/growth-last.json',
  JSON.stringify(results, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v), 2),
)
