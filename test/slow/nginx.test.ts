// Two real Carnet processes on one database (a SQLite file, or one PostgreSQL: the case "several instances" is
// for) behind Debian's nginx, with the project's config (test/nginx/carnet.conf): users see one blog, whichever
// instance answers, and the loss of one instance loses nothing acknowledged. nginx is required: a missing nginx
// fails this file (CI installs nginx-light).
import { request as httpRequest } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openBlog } from '../../src/blog.ts'
import { createUser } from '../../src/admin/users.ts'
import { loadConfig } from '../../src/config.ts'
import { ADMIN, csrfOf } from '../helpers/admin.ts'
import { useTempDir } from '../helpers/app.ts'
import { commentIdOf, OPEN_DEMO_POST, pool } from '../helpers/comments-client.ts'
import { commentList } from '../helpers/comments.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startNginx, type Nginx } from '../helpers/nginx.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request from a chosen loopback address (127.0.0.x), so that tests can tell clients apart. */
function send(
  url: string,
  opts: { method?: string; from?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<Answer> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        localAddress: opts.from ?? '127.0.0.1',
        agent: false,
        headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...opts.headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const comment = (body: string) => ({ author: 'Zoë', body })

/** The upstream ports that served the access log's requests matching `pattern`. */
function servedBy(nginx: Nginx, pattern: RegExp): Set<string> {
  return new Set(
    nginx
      .accessLog()
      .filter((l) => pattern.test(l))
      .map((l) => l.split(' ')[1]!),
  )
}

describe('two instances behind nginx', () => {
  const tmp = useTempDir('nginx')
  const servers: ServerProcess[] = []
  let nginx: Nginx | undefined
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(async () => {
    await nginx?.stop()
    nginx = undefined
    for (const s of servers.splice(0)) {
      s.child.kill('SIGTERM')
      await s.exited
    }
    await database.drop()
  })

  async function start(env: Record<string, string>) {
    // The blog exists (demo content) and has an admin before the instances start.
    const shared = { ...database.env, DATABASE_URL: database.url, SESSION_KEY: 'cd'.repeat(32), TRUST_PROXY: '127.0.0.1', ...env }
    const blog = await openBlog(loadConfig(shared))
    await createUser(blog.db, ADMIN.username, ADMIN.password)
    await blog.close()
    servers.push(await startServer(shared), await startServer(shared))
    nginx = await startNginx(servers.map((s) => s.port))
    return nginx
  }

  /** Rows through a connection of the test's own, on either database. */
  async function rows<T>(query: string): Promise<T[]> {
    const other = await otherConnection(database.url)
    try {
      return await other.all<T>(query)
    } finally {
      await other.close()
    }
  }

  /** No server said that something failed: no 500, no lock, deadlock, serialization failure or full pool. */
  function expectNoErrorLogged(instances: readonly ServerProcess[]) {
    for (const s of instances) {
      expect(s.output()).not.toMatch(/"level":50|database is locked|SQLITE_BUSY|could not serialize|deadlock|too many clients/)
    }
  }

  it('one blog whichever instance answers: comments, admin session, rate limit; X-Forwarded-For only from nginx', async () => {
    const nginx = await start({ COMMENT_RATE_LIMIT: '3' })
    const page = () => send(nginx.url + OPEN_DEMO_POST)

    // Both instances have the page in their page cache (nginx alternates between them)…
    for (let i = 0; i < 4; i++) expect(commentList((await page()).body)).not.toContain('Posté derrière nginx, lu partout')
    expect(servedBy(nginx, /^200 .* GET \/archive\//).size).toBe(2)
    // …and a comment posted through nginx is on the page whichever instance serves it next: no stale copy.
    const posted = await send(nginx.url + OPEN_DEMO_POST, { from: '127.0.0.4', form: comment('Posté derrière nginx, lu partout') })
    expect(posted.status, posted.body).toBe(303)
    for (let i = 0; i < 4; i++) {
      const res = await page()
      expect(res.status).toBe(200)
      expect(commentList(res.body)).toContain('Posté derrière nginx, lu partout')
    }
    expect(servedBy(nginx, /^200 .* GET \/archive\//).size).toBe(2)

    // Signed in through one instance, signed in on both.
    const login = await send(nginx.url + '/admin/login')
    const cookieOf = (res: Answer) => [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]!)
    const signIn = await send(nginx.url + '/admin/login', {
      headers: { cookie: cookieOf(login).join('; ') },
      form: { _csrf: csrfOf(login.body), username: ADMIN.username, password: ADMIN.password, next: '/admin' },
    })
    expect(signIn.status, signIn.body).toBe(303)
    const session = cookieOf(signIn).find((c) => c.startsWith('carnet_session='))!
    for (let i = 0; i < 4; i++) {
      const dashboard = await send(nginx.url + '/admin', { headers: { cookie: session } })
      expect(dashboard.status).toBe(200)
      expect(dashboard.body).toContain(ADMIN.username)
    }
    expect(servedBy(nginx, /^200 .* GET \/admin /).size).toBe(2)

    // The rate limit (3 a minute) counts the posts of one client through both instances; the address is
    // nginx's X-Forwarded-For, whatever the client put in its own.
    const from = '127.0.0.5'
    for (let i = 1; i <= 3; i++) {
      const res = await send(nginx.url + OPEN_DEMO_POST, {
        from,
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
        form: comment(`Limite ${i}`),
      })
      expect(res.status, res.body).toBe(303)
    }
    const refused = await send(nginx.url + OPEN_DEMO_POST, {
      from,
      headers: { 'x-forwarded-for': '198.51.100.99' },
      form: comment('Limite 4'),
    })
    expect(refused.status).toBe(429)
    expect(refused.body).toContain('Limite 4')
    expect(servedBy(nginx, /^303 .* POST \/archive\//).size).toBe(2)
    // Another client behind nginx is not affected: nginx's X-Forwarded-For is believed.
    expect((await send(nginx.url + OPEN_DEMO_POST, { from: '127.0.0.6', form: comment('Un autre lecteur') })).status).toBe(303)

    // A client that reaches an instance directly cannot choose its address with X-Forwarded-For.
    const direct = await send(servers[0]!.url + OPEN_DEMO_POST, {
      from: '127.0.0.7',
      headers: { 'x-forwarded-for': '203.0.113.50' },
      form: comment('En direct, sans nginx'),
    })
    expect(direct.status).toBe(303)

    const ips = Object.fromEntries(
      (await rows<{ body: string; ip: string }>('select body, ip from comments where ip is not null')).map((r) => [r.body, r.ip]),
    )
    expect(ips).toMatchObject({
      'Posté derrière nginx, lu partout': '127.0.0.4',
      'Limite 1': '127.0.0.5',
      'Limite 3': '127.0.0.5',
      'Un autre lecteur': '127.0.0.6',
      'En direct, sans nginx': '127.0.0.7',
    })
    expect(Object.keys(ips)).not.toContain('Limite 4')
    expectNoErrorLogged(servers)
  }, 120_000)

  it('killing one instance mid-load loses no acknowledged comment, and nginx keeps serving from the other', async () => {
    const nginx = await start({ COMMENT_RATE_LIMIT: '0' })
    const acknowledged: number[] = []
    const failures: string[] = []
    let reads = 0
    let readFailures = 0
    let killed = false
    let lastLocation = ''
    const load = pool(240, 6, async (i) => {
      if (i === 80) {
        // SIGKILL: no graceful shutdown, requests in flight are cut.
        servers[0]!.child.kill('SIGKILL')
        killed = true
      }
      try {
        const res = await send(nginx.url + OPEN_DEMO_POST, { form: comment(`Sous charge ${i}`) })
        const id = commentIdOf((res.headers.location as string | undefined) ?? null)
        if (res.status === 303 && id !== null) {
          acknowledged.push(id)
          lastLocation = res.headers.location as string
        } else failures.push(`${res.status}`)
      } catch (err) {
        failures.push(String(err))
      }
      if (killed) {
        reads++
        const res = await send(nginx.url + '/').catch(() => undefined)
        if (res?.status !== 200) readFailures++
      }
    })
    await load
    await servers[0]!.exited
    // Every read after the kill was answered (GET is passed to the other instance).
    expect(reads).toBeGreaterThan(100)
    expect(readFailures).toBe(0)
    // At most the posts in flight at the moment of the kill may fail (never acknowledged, so never promised).
    expect(failures.length).toBeLessThanOrEqual(6)
    expect(acknowledged.length).toBeGreaterThanOrEqual(234)
    const stored = new Set((await rows<{ id: number }>("select id from comments where body like 'Sous charge %'")).map((r) => Number(r.id)))
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    // The surviving instance serves the last acknowledged comment where its 303 sent the commenter.
    const last = await send(nginx.url + lastLocation.replace(/#.*/, ''))
    expect(last.status).toBe(200)
    expect(last.body).toContain(`id="comment-${acknowledged.at(-1)}"`)
    expectNoErrorLogged(servers.slice(1))
  }, 120_000)
})
