// The admin's lists on a big blog (`node --import tsx bench/admin-lists.ts [--db bench/out/growth-100k.db]
// [--runs 5]`): in process (inject), on a copy of a file made by bench:seed, signed in as its owner, each list
// asked `runs` times (the first after start, cold, apart), then its next page (the pager's link), as the
// admin clicks through: posts (all, published, scheduled), comments (pending, approved, a post filter typed as
// words of a title), media, mail. Median and slowest of the warm runs, ms.
import { copyFileSync, rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.ts'
import { createUser } from '../src/admin/users.ts'
import { loadConfig } from '../src/config.ts'

const { values: args } = parseArgs({
  options: { db: { type: 'string', default: 'bench/out/growth-100k.db' }, runs: { type: 'string', default: '5' } },
})
const copy = `bench/out/admin-lists-${process.pid}.db`
copyFileSync(args.db!, copy)
const app = await buildApp(
  loadConfig({
    ...process.env,
    DATABASE_URL: copy,
    DEMO_CONTENT: 'false',
    SITE_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    SESSION_KEY: 'b'.repeat(64),
    MEDIA_DIR: 'bench/out/admin-lists-media',
  }),
  { logger: false },
)
await app.ready()
try {
  await createUser(app.db, 'bench', 'a long bench password')
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
  const lists = [
    '/admin/posts',
    '/admin/posts?state=published',
    '/admin/posts?state=scheduled',
    '/admin/comments',
    '/admin/comments?status=approved',
    '/admin/comments?status=approved&find=ville',
    '/admin/media',
    '/admin/mail',
  ]
  console.log(`${process.version}, ${args.db}, ${args.runs} runs`)
  console.log('| list | status, KB | cold | median | slowest | next page: median |')
  console.log('|---|---|---:|---:|---:|---:|')
  const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)))
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
  for (const url of lists) {
    const cold = await time(url)
    const warm: number[] = []
    for (let i = 0; i < Number(args.runs); i++) warm.push((await time(url)).ms)
    const nextPage: number[] = []
    if (cold.next) for (let i = 0; i < Number(args.runs); i++) nextPage.push((await time(cold.next)).ms)
    console.log(
      `| ${url} | ${cold.status}, ${Math.round(cold.bytes / 1024)} | ${fmt(cold.ms)} | ${fmt(median(warm))} | ${fmt(Math.max(...warm))} | ${nextPage.length ? fmt(median(nextPage)) : '–'} |`,
    )
  }
} finally {
  await app.close()
  for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true })
  rmSync('bench/out/admin-lists-media', { recursive: true, force: true })
}
