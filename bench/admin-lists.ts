// The admin's lists on a big blog (`node --import tsx bench/admin-lists.ts [--db bench/out/growth-100k.db]
// [--runs 5] [--database sqlite|postgres|both] [--explain] [--hold 0]`): in process (inject), signed in as the
// blog's owner, each list asked `runs` times (the first after start, cold, apart), then its next page (the pager's
// link), as the admin clicks through: posts (all, published, scheduled), comments (pending, approved, a post
// filter typed as words of a title), media, mail. Median and slowest of the warm runs, ms.
//
// SQLite: a copy of a file made by bench:seed. PostgreSQL: a throwaway durable cluster (bench/postgres.ts) into
// which bench:seed generates the same blog as the growth bench's (100,000 posts / 1,000,000 comments by default),
// then waits for the app's background work (the search index, old IPs erased) before measuring. `--explain`
// (PostgreSQL) loads auto_explain and writes every statement's EXPLAIN (ANALYZE, BUFFERS) to
// bench/out/admin-lists-plans.log (it slows every statement: not for the figures). `--hold N` keeps the cluster
// N minutes after the run, its URL printed, to query it by hand (Ctrl-C stops it and removes the cluster).
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { createUser } from '../src/admin/users.ts'
import { loadConfig } from '../src/config.ts'
import { seedPostgres, startBenchPostgres, type BenchPostgres } from './postgres.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'bench/out/growth-100k.db' },
    runs: { type: 'string', default: '5' },
    database: { type: 'string', default: 'sqlite' },
    posts: { type: 'string', default: '100000' },
    comments: { type: 'string' },
    explain: { type: 'boolean', default: false },
    hold: { type: 'string', default: '0' },
  },
})
const databases = args.database === 'both' ? ['sqlite', 'postgres'] : [args.database!]
if (!databases.every((d) => d === 'sqlite' || d === 'postgres')) throw new Error('--database sqlite|postgres|both')
const POSTS = Number(args.posts)
const COMMENTS = args.comments ? Number(args.comments) : POSTS * 10

const lists = [
  '/admin/posts',
  '/admin/posts?state=published',
  '/admin/posts?state=scheduled',
  '/admin/comments',
  '/admin/comments?status=approved',
  '/admin/comments?status=approved&find=ville',
  // Words in no title: the filter's worst case (every title read, without an index).
  '/admin/comments?status=approved&find=introuvable',
  // The post with 10,000 comments.
  '/admin/comments?status=approved&post=<heavy>',
  '/admin/media',
  '/admin/mail',
  '/admin/mail?status=failed',
]
interface Row {
  url: string
  status: number
  kb: number
  cold: number
  median: number
  slowest: number
  next: number | undefined
}
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)))
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!

async function measure(databaseUrl: string): Promise<Row[]> {
  const app = await buildApp(
    loadConfig({
      ...process.env,
      DATABASE_URL: databaseUrl,
      DEMO_CONTENT: 'false',
      SITE_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      SESSION_KEY: 'b'.repeat(64),
      MEDIA_DIR: 'bench/out/admin-lists-media',
      // The bench's first account claims every post (one UPDATE of 100,000 rows on PostgreSQL, several seconds, as
      // `npm run cli -- user add` would, with no timeout); the lists' statements are far below any timeout.
      DATABASE_TIMEOUT_SECONDS: '120',
    }),
    { logger: false },
  )
  await app.ready()
  try {
    // The generated blog has no images and no mail: 3,000 images (a minute apart) and an outbox of 20,000 mails (2 %
    // failed), as a blog that has run for years, so that their lists and the media page's "used by" (each image's
    // posts) have rows to page through.
    const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString()
    for (let i = 0; i < 3000; i += 500)
      await app.db
        .insertInto('media')
        .values(
          Array.from({ length: 500 }, (_, j) => {
            const hash = (i + j).toString(16).padStart(32, '0')
            return { hash, name: `${hash}-640x480.jpg`, type: 'image/jpeg', width: 640, height: 480, bytes: 1, created_at: at(i + j) }
          }),
        )
        .execute()
    for (let i = 0; i < 20_000; i += 1000)
      await app.db
        .insertInto('mail_outbox')
        .values(
          Array.from({ length: 1000 }, (_, j) => ({
            kind: 'notify' as const,
            recipient: `r${i + j}@example.org`,
            lang: 'fr',
            subject: `Courrier ${i + j}`,
            text_body: 'x'.repeat(500),
            html_body: 'x'.repeat(1000),
            message_id: `<m${i + j}@bench>`,
            status: (i + j) % 50 === 0 ? ('failed' as const) : ('sent' as const),
            next_attempt_at: at(i + j),
            created_at: at(i + j),
            sent_at: at(i + j),
          })),
        )
        .execute()
    // Planner statistics for the rows just added, as autovacuum gathers them on a production database soon after.
    await sql`analyze media`.execute(app.db)
    await sql`analyze mail_outbox`.execute(app.db)
    const heavy = await app.db
      .selectFrom('post_stats')
      .select('post_id')
      .orderBy('approved_comments', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow()
    await createUser(app.db, 'bench', 'a long bench password')
    // PostgreSQL: that claim left 100,000 dead rows (and the GIN indexes' pending entries) that autovacuum would
    // clean up in the middle of the figures; a production database did so long ago.
    if (app.dialect === 'postgres') await sql`vacuum (analyze) posts`.execute(app.db)
    let cookie = ''
    const jar = (res: { headers: Record<string, unknown> }) => {
      const set = ([res.headers['set-cookie']].flat().filter(Boolean) as string[]).find((c) => c.startsWith('carnet_session='))
      if (set) cookie = set.split(';')[0]!
    }
    const login = await app.inject('/admin/login')
    jar(login)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!
    const signedIn = await app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({
        _csrf: csrf,
        username: 'bench',
        password: 'a long bench password',
        next: '/admin',
        resume: '',
      }).toString(),
    })
    jar(signedIn)
    if (signedIn.statusCode !== 303) throw new Error(`sign-in answered ${signedIn.statusCode}`)

    async function time(url: string): Promise<{ ms: number; status: number; bytes: number; next: string | undefined }> {
      const t0 = performance.now()
      const res = await app.inject({ url, headers: { cookie } })
      const ms = performance.now() - t0
      // The pager's "next" link (a key, never an offset).
      const next = /<a class="next"[^>]* href="([^"]+)"/.exec(res.body)
      return { ms, status: res.statusCode, bytes: res.rawPayload.length, next: next?.[1]?.replace(/&amp;/g, '&') }
    }
    const rows: Row[] = []
    for (const url of lists.map((u) => u.replace('<heavy>', String(heavy.post_id)))) {
      const cold = await time(url)
      const warm: number[] = []
      for (let i = 0; i < Number(args.runs); i++) warm.push((await time(url)).ms)
      const nextPage: number[] = []
      if (cold.next) for (let i = 0; i < Number(args.runs); i++) nextPage.push((await time(cold.next)).ms)
      rows.push({
        url: url.replace(/post=\d+/, 'post=<10,000 comments>'),
        status: cold.status,
        kb: Math.round(cold.bytes / 1024),
        cold: cold.ms,
        median: median(warm),
        slowest: Math.max(...warm),
        next: nextPage.length ? median(nextPage) : undefined,
      })
    }
    return rows
  } finally {
    await app.close()
    rmSync('bench/out/admin-lists-media', { recursive: true, force: true })
  }
}

async function onSqlite(): Promise<Row[]> {
  const copy = `bench/out/admin-lists-${process.pid}.db`
  copyFileSync(args.db!, copy)
  try {
    return await measure(copy)
  } finally {
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true })
  }
}

async function onPostgres(): Promise<Row[]> {
  const explain = {
    shared_preload_libraries: 'auto_explain',
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
  }
  const cluster: BenchPostgres = await startBenchPostgres(args.explain ? { settings: explain } : {})
  // Interrupted (a --hold ended with Ctrl-C): the throwaway cluster goes too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cluster.stop().finally(() => process.exit(130)))
  try {
    console.log(`PostgreSQL: ${cluster.settings}`)
    const name = `admin_lists_${process.pid}`
    const seconds = await seedPostgres(cluster, name, {
      posts: POSTS,
      comments: COMMENTS,
      manifest: `bench/out/admin-lists-pg-${process.pid}.json`,
    })
    rmSync(`bench/out/admin-lists-pg-${process.pid}.json`, { force: true })
    console.log(
      `${POSTS.toLocaleString('en')} posts / ${COMMENTS.toLocaleString('en')} comments generated into PostgreSQL in ${seconds.toFixed(1)} s`,
    )
    const client = new pg.Client({ connectionString: cluster.url(name) })
    await client.connect()
    // As the growth bench: the generated comments' IP addresses older than the retention erased, as on a blog that
    // has run for years; then the app's first start builds the search index in the background, awaited below.
    await client.query(
      `update comments set ip = null where ip is not null and created_at < '${new Date(Date.now() - 91 * 86_400_000).toISOString()}'`,
    )
    const { rows: dataDir } = await client.query<{ data_directory: string }>('show data_directory')
    const log = join(dirname(dataDir[0]!.data_directory), 'log')
    const warmUp = await buildApp(
      loadConfig({
        ...process.env,
        DATABASE_URL: cluster.url(name),
        DEMO_CONTENT: 'false',
        LOG_LEVEL: 'silent',
        SESSION_KEY: 'b'.repeat(64),
      }),
      { logger: false },
    )
    await warmUp.ready()
    const t0 = performance.now()
    while (Number((await client.query<{ n: string }>('select count(*) as n from search_queue')).rows[0]!.n) > 0)
      await new Promise((r) => setTimeout(r, 2000))
    await warmUp.close()
    console.log(`search index built in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    await client.query('vacuum (analyze)')
    await client.query('checkpoint')
    await client.end()
    const logStart = args.explain ? readFileSync(log).length : 0
    const rows = await measure(cluster.url(name))
    if (args.explain) {
      writeFileSync('bench/out/admin-lists-plans.log', readFileSync(log).subarray(logStart))
      console.log('plans: bench/out/admin-lists-plans.log')
    }
    if (Number(args.hold) > 0) {
      console.log(`holding ${cluster.url(name)} for ${args.hold} min`)
      await new Promise((r) => setTimeout(r, Number(args.hold) * 60_000))
    }
    return rows
  } finally {
    await cluster.stop()
  }
}

console.log(`${process.version}, ${databases.join(' and ')}, ${args.runs} runs, load ${loadavg()[0]!.toFixed(2)}`)
const results = new Map<string, Row[]>()
for (const database of databases) {
  const rows = database === 'sqlite' ? await onSqlite() : await onPostgres()
  results.set(database, rows)
  console.log(`\n${database}${database === 'sqlite' ? ` (${args.db})` : ''}, load ${loadavg()[0]!.toFixed(2)}\n`)
  console.log('| list | status, KB | cold | median | slowest | next page: median |')
  console.log('|---|---|---:|---:|---:|---:|')
  for (const r of rows)
    console.log(
      `| ${r.url} | ${r.status}, ${r.kb} | ${fmt(r.cold)} | ${fmt(r.median)} | ${fmt(r.slowest)} | ${r.next === undefined ? '–' : fmt(r.next)} |`,
    )
}
if (results.size === 2) {
  const [s, p] = [results.get('sqlite')!, results.get('postgres')!]
  console.log('\n| list | SQLite cold | PostgreSQL cold | SQLite median | PostgreSQL median | SQLite next | PostgreSQL next |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  const cell = (v: number | undefined) => (v === undefined ? '–' : fmt(v))
  s.forEach((r, i) =>
    console.log(
      `| ${r.url} | ${fmt(r.cold)} | ${fmt(p[i]!.cold)} | ${fmt(r.median)} | ${fmt(p[i]!.median)} | ${cell(r.next)} | ${cell(p[i]!.next)} |`,
    ),
  )
}
