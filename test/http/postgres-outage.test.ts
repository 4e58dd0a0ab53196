// A real PostgreSQL that goes away and comes back (issue 14: "database down or restarting"). The shared test
// cluster cannot be stopped (other files use it in parallel), so this file starts a small cluster of its own and
// stops it: cleanly (`pg_ctl stop -m fast`), hard (`-m immediate`, a crash for its clients), and by killing the
// app's connections from the server (pg_terminate_backend). While it is away pages answer a kind 503 with
// Retry-After and a comment comes back in its form; the log says why once; when it is back, the same app (no
// restart: the pool reconnects) answers again.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { isDatabaseUnavailable } from '../../src/db/errors.ts'
import { createPool } from '../../src/db/postgres.ts'
import { RETRY_AFTER_UNAVAILABLE } from '../../src/http/errors.ts'
import { buildTestApp, type TestBlog, visibleText } from '../helpers/app.ts'
import { commentList, commentsOf, inputValue, logRecords, openPost, send, textareaValue } from '../helpers/comments.ts'
import { type Cluster, postgresBin, startCluster } from '../helpers/postgres-cluster.ts'
import { startNginx } from '../helpers/nginx.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

let cluster: Cluster
const DATABASE = 'carnet'

async function superuser<T>(action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: cluster.url('postgres') })
  await client.connect()
  try {
    return await action(client)
  } finally {
    await client.end()
  }
}

/** Ends every connection the app holds to its database, from the server's side (as an admin or a failover would). */
async function terminateAppConnections(): Promise<number> {
  return superuser(async (c) => {
    const { rows } = await c.query(
      'select pg_terminate_backend(pid) as done from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [DATABASE],
    )
    return rows.length
  })
}

async function appConnections(): Promise<number> {
  return superuser(async (c) => {
    const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [DATABASE])
    return rows[0]!.n
  })
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  // Durable: a crash (immediate shutdown) must not take back what the app was told was committed.
  cluster = await startCluster(postgresBin()!, { durable: true })
  await superuser((c) => c.query(`create database ${DATABASE}`))
}, 60_000)
afterAll(() => cluster?.stop())

const SESSION_KEY = randomBytes(32).toString('hex')

describe('PostgreSQL stopped and started again under a running app', () => {
  let blog: TestBlog
  let logs: Array<{ msg: string; level: number; err?: unknown; cause?: { message?: string; code?: string } }>
  beforeEach(async () => {
    const log = logRecords<(typeof logs)[number]>()
    logs = log.records
    blog = await buildTestApp({
      env: { DATABASE_URL: cluster.url(DATABASE), SESSION_KEY, COMMENT_RATE_LIMIT: '0' },
      logger: log.logger,
    })
  })
  afterEach(async () => {
    // A failed test may have left the server down.
    if (!cluster.running) cluster.startServer()
    await blog.close()
  })

  it('stopped: pages 503 with Retry-After and a kind page, a comment comes back as typed; started: the same app serves and stores', async () => {
    const post = await openPost(blog, { title: 'Une note pendant la panne' })
    expect((await blog.app.inject(post.url)).statusCode).toBe(200)
    expect((await blog.app.inject(post.url)).headers['x-page-cache']).toBe('hit')
    const before = (await commentsOf(blog, post.id)).length

    cluster.stopServer('fast')
    // The post page is in the page cache, but whether it is current cannot be checked: 503 too.
    for (const url of ['/', post.url, '/search?q=panne']) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(503)
      expect(res.headers['retry-after'], url).toBe(String(RETRY_AFTER_UNAVAILABLE))
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(visibleText(res.body)).toContain('Le blog revient dans un instant')
      expect(res.body).not.toMatch(/ECONNREFUSED|stack|at .*\.ts:\d+/i)
    }
    const fields = { author: 'Zoë 🌿', email: 'zoe@exämple.fr', body: 'مرحبا — un texte que je ne veux pas perdre pendant la panne.' }
    for (let i = 0; i < 2; i++) {
      const res = await send(blog, post.url, fields)
      expect(res.statusCode).toBe(503)
      expect(Number(res.headers['retry-after'])).toBe(RETRY_AFTER_UNAVAILABLE)
      expect(textareaValue(res.body, 'body')).toBe(fields.body)
      expect(inputValue(res.body, 'author')).toBe(fields.author)
      expect(inputValue(res.body, 'email')).toBe(fields.email)
      expect(res.body).toContain(`action="${post.url}#respond"`)
      expect(visibleText(res.body)).toContain('Le blog revient dans un instant')
    }
    // The log says why, once for the whole outage, with the driver's error.
    const outage = logs.filter((l) => l.msg.startsWith('database unavailable'))
    expect(outage).toHaveLength(1)
    expect(outage[0]!.cause?.code ?? outage[0]!.cause?.message).toMatch(/ECONNREFUSED|57P01|Connection terminated/)
    // One line: the cause, no stack.
    expect(outage[0]!.err).toBeUndefined()
    expect(logs.filter((l) => l.msg === 'request failed')).toEqual([])

    cluster.startServer()
    // No restart of the app: its pool opens new connections.
    const home = await blog.app.inject('/')
    expect(home.statusCode).toBe(200)
    expect((await blog.app.inject(post.url)).statusCode).toBe(200)
    expect(logs.filter((l) => l.msg === 'database available again')).toHaveLength(1)
    // Nothing was stored while it was away; the comment goes through now.
    expect(await commentsOf(blog, post.id)).toHaveLength(before)
    const sent = await send(blog, post.url, fields)
    expect(sent.statusCode).toBe(303)
    expect(commentList((await blog.app.inject(post.url)).body)).toContain('un texte que je ne veux pas perdre')
    expect(await commentsOf(blog, post.id)).toHaveLength(before + 1)
  }, 60_000)

  it('a database that comes and goes: one line when it goes (the cause, no stack), none at each flap, one when it is back', async () => {
    const post = await openPost(blog, { title: 'Une note qui clignote' })
    expect((await blog.app.inject(post.url)).statusCode).toBe(200)
    for (let flap = 0; flap < 3; flap++) {
      cluster.stopServer('fast')
      for (const url of ['/', post.url, '/']) expect((await blog.app.inject(url)).statusCode, url).toBe(503)
      cluster.startServer()
      for (const url of ['/', post.url]) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    }
    const said = logs.filter((l) => l.level >= 40)
    expect(said.map((l) => l.msg)).toEqual(['database unavailable: answering 503 with Retry-After until it is back'])
    expect(said[0]!.cause?.code ?? said[0]!.cause?.message).toMatch(/ECONNREFUSED|57P01|Connection terminated/)
    expect(said[0]!.err).toBeUndefined()
    expect(logs.filter((l) => l.msg === 'database available again')).toHaveLength(1)
  }, 60_000)

  it('connections terminated between a comment’s commit and the read of its page: 303 to the comment, stored once', async () => {
    const post = await openPost(blog, { title: 'Une note et un commit' })
    // In the hook that runs once the comment is committed (synchronous: psql, waiting for the backends to end).
    blog.app.commentStoredHooks.push(() => {
      execFileSync(join(postgresBin()!, 'psql'), [
        '-X',
        '-q',
        '-d',
        cluster.url('postgres'),
        '-c',
        `select pg_terminate_backend(pid, 5000) from pg_stat_activity where datname = '${DATABASE}'`,
      ])
    })
    const res = await send(blog, post.url, { author: 'Zoë', body: 'Gardé malgré les connexions coupées.' })
    blog.app.commentStoredHooks.pop()
    // The pool drops its other dead connections once it has read their end.
    await new Promise((r) => setTimeout(r, 200))
    const stored = await commentsOf(blog, post.id)
    expect(stored).toHaveLength(1)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${post.url}#comment-${stored[0]!.id}`)
    // The failure is said once; the 303 of a request that met it proves no recovery.
    expect(logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([
      'database unavailable: answering 503 with Retry-After until it is back',
    ])
    expect(logs.filter((l) => l.msg === 'database available again')).toEqual([])
    const page = await blog.app.inject(post.url)
    expect(page.statusCode).toBe(200)
    expect(commentList(page.body)).toContain('Gardé malgré les connexions coupées.')
    expect(logs.filter((l) => l.msg === 'database available again')).toHaveLength(1)
  }, 60_000)

  it('with the comment rate limit on (its counter is a write that fails first), the comment still comes back', async () => {
    const limited = await buildTestApp({ env: { DATABASE_URL: cluster.url(DATABASE), SESSION_KEY, COMMENT_RATE_LIMIT: '5' } })
    try {
      const post = await openPost(limited)
      cluster.stopServer('fast')
      const fields = { author: 'Zoë', body: 'Un texte gardé même sans base de données.' }
      const res = await send(limited, post.url, fields)
      expect(res.statusCode).toBe(503)
      expect(textareaValue(res.body, 'body')).toBe(fields.body)
      expect(inputValue(res.body, 'author')).toBe('Zoë')
      cluster.startServer()
      expect((await send(limited, post.url, fields)).statusCode).toBe(303)
    } finally {
      await limited.close()
    }
  }, 60_000)

  it('killed hard (immediate shutdown, a crash for its clients): no 500, 503 until it is back, then pages again', async () => {
    const post = await openPost(blog, { title: 'Une note avant le crash' })
    // Several connections in the pool, idle: all of them die with the server.
    await Promise.all(Array.from({ length: 5 }, () => blog.app.inject(post.url)))
    expect(await appConnections()).toBeGreaterThan(0)
    cluster.stopServer('immediate')
    for (const url of ['/', post.url, '/', post.url]) expect((await blog.app.inject(url)).statusCode, url).toBe(503)
    expect(logs.filter((l) => l.msg === 'request failed')).toEqual([])
    cluster.startServer()
    for (const url of ['/', post.url]) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    expect((await send(blog, post.url, { author: 'Rania', body: 'Après le redémarrage.' })).statusCode).toBe(303)
  }, 60_000)

  it('GET /healthz: 503 database while it is stopped (within its one-second limit), 200 ok once it is back', async () => {
    expect((await blog.app.inject('/healthz')).body).toBe('ok')
    cluster.stopServer('fast')
    for (let i = 0; i < 2; i++) {
      const started = Date.now()
      const res = await blog.app.inject('/healthz')
      expect(res.statusCode).toBe(503)
      expect(res.body).toBe('database')
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(Date.now() - started).toBeLessThan(2_000)
    }
    // Said once, not at every probe.
    expect(logs.filter((l) => l.msg === 'health check: database')).toHaveLength(1)
    cluster.startServer()
    const back = await blog.app.inject('/healthz')
    expect(back.statusCode).toBe(200)
    expect(back.body).toBe('ok')
    expect(logs.filter((l) => l.msg === 'health check: ok again')).toHaveLength(1)
  }, 60_000)

  it('connections killed by the server while the pool holds them: the next requests succeed', async () => {
    const post = await openPost(blog, { title: 'Une note et des connexions coupées' })
    await Promise.all(Array.from({ length: 5 }, () => blog.app.inject(post.url)))
    expect(await terminateAppConnections()).toBeGreaterThan(0)
    // At once, before the pool may have heard of it: at worst a 503 (a connection that died under its query),
    // never a 500. (Here the pool has always heard of it first: every answer is a 200.)
    for (let i = 0; i < 6; i++) {
      for (const res of await Promise.all([blog.app.inject('/'), blog.app.inject(post.url)])) expect([200, 503]).toContain(res.statusCode)
    }
    await until(async () => (await appConnections()) > 0, 'new connections')
    for (const url of ['/', post.url]) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    expect((await send(blog, post.url, { author: 'Rania', body: 'Après les connexions coupées.' })).statusCode).toBe(303)
    expect(logs.filter((l) => l.msg === 'request failed')).toEqual([])
  }, 60_000)
})

describe('a real server process whose idle connections the server terminates', () => {
  it('does not crash (the pool’s error event is handled) and serves the next requests', async () => {
    const server = await startServer({ DATABASE_URL: cluster.url(DATABASE), SESSION_KEY, DEMO_CONTENT: 'false' })
    try {
      await Promise.all(Array.from({ length: 5 }, () => fetch(`${server.url}/`)))
      expect(await appConnections()).toBeGreaterThan(0)
      expect(await terminateAppConnections()).toBeGreaterThan(0)
      await until(async () => (await appConnections()) === 0, 'the backends to end')
      // Give the idle clients' 'error' events time to reach the process.
      await new Promise((r) => setTimeout(r, 300))
      expect(server.child.exitCode).toBe(null)
      expect((await fetch(`${server.url}/`)).status).toBe(200)
      expect(server.output()).not.toMatch(/uncaught|unhandled/i)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  }, 60_000)
})

/** The server's processes: the postmaster (a backend's parent) and all its children. */
async function serverPids(): Promise<number[]> {
  const parentOf = (pid: number) =>
    Number(
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ')[1],
    )
  // Read while the backend lives (it ends with the connection).
  const postmaster = await superuser(async (c) => parentOf((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid))
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return parentOf(pid) === postmaster
      } catch {
        return false // ended meanwhile
      }
    })
  return [postmaster, ...children]
}

/**
 * Stops every process of the server (SIGSTOP): it accepts connections (the kernel does) and answers nothing, as a
 * server stuck on a dead disk or paused by its host would. Resumed (SIGCONT) by the function returned, and at the
 * latest after `atMostMs` whatever the test does.
 */
async function freezeServer(atMostMs: number): Promise<() => void> {
  const pids = await serverPids()
  const signal = (name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name)
      } catch {
        // ended meanwhile (the superuser's own backend)
      }
    }
  }
  signal('SIGSTOP')
  const safety = setTimeout(() => signal('SIGCONT'), atMostMs)
  return () => {
    clearTimeout(safety)
    signal('SIGCONT')
  }
}

describe('a PostgreSQL that stops answering (its processes stopped with SIGSTOP)', () => {
  type Line = { msg: string; level: number; cause?: { code?: string; message?: string } }
  const fields = { author: 'Zoë 🌿', body: 'Un texte écrit pendant que la base ne répond plus.' }
  const outageLines = (lines: readonly Line[]) => lines.filter((l) => l.msg.startsWith('database unavailable'))

  it('a comment gets the blog’s own 503 within the timeout, the form kept, one log line; then it goes through', async () => {
    const log = logRecords<Line>()
    // A short timeout keeps the test short: 0.5 s for a connection or a statement, 1.5 s for an answer.
    const blog = await buildTestApp({
      env: { DATABASE_URL: cluster.url(DATABASE), SESSION_KEY, COMMENT_RATE_LIMIT: '0', DATABASE_TIMEOUT_SECONDS: '0.5' },
      logger: log.logger,
    })
    try {
      const post = await openPost(blog, { title: 'Une note et une base figée' })
      await Promise.all(Array.from({ length: 4 }, () => blog.app.inject(post.url)))
      const thaw = await freezeServer(10_000)
      try {
        for (let i = 0; i < 2; i++) {
          const started = Date.now()
          const [res, page] = await Promise.all([send(blog, post.url, fields), blog.app.inject('/')])
          // At most two waits of the timeout and the answer's margin (the settings' version read, then the request's
          // own query: 3 s here), with room for a slow machine; far below nginx's proxy_read_timeout (30 s).
          expect(Date.now() - started).toBeLessThan(4_500)
          expect(res.statusCode).toBe(503)
          expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_UNAVAILABLE))
          expect(textareaValue(res.body, 'body')).toBe(fields.body)
          expect(inputValue(res.body, 'author')).toBe(fields.author)
          expect(page.statusCode).toBe(503)
        }
      } finally {
        thaw()
      }
      const said = outageLines(log.records)
      expect(said).toHaveLength(1)
      expect(said[0]!.cause?.message).toMatch(/Query read timeout|timeout exceeded when trying to connect/)
      expect(log.records.filter((l) => l.level >= 40)).toEqual(said)
      // Back: the comment goes through, stored once (nothing of the refused attempts was kept).
      expect((await send(blog, post.url, fields)).statusCode).toBe(303)
      expect(await commentsOf(blog, post.id)).toHaveLength(1)
      expect(log.records.filter((l) => l.msg === 'database available again')).toHaveLength(1)
    } finally {
      await blog.close()
    }
  }, 60_000)

  it('two instances behind the shipped nginx configuration: the blog’s 503 with the form, not nginx’s 504 or 502', async () => {
    const blog = await buildTestApp({ env: { DATABASE_URL: cluster.url(DATABASE), SESSION_KEY } })
    const post = await openPost(blog, { title: 'Une note derrière nginx' })
    await blog.close()
    const env = { DATABASE_URL: cluster.url(DATABASE), SESSION_KEY, DEMO_CONTENT: 'false', TRUST_PROXY: '127.0.0.1' }
    const servers: ServerProcess[] = [
      await startServer({ ...env, DATABASE_TIMEOUT_SECONDS: '1' }),
      await startServer({ ...env, DATABASE_TIMEOUT_SECONDS: '1' }),
    ]
    const nginx = await startNginx(servers.map((s) => s.port))
    try {
      for (let i = 0; i < 4; i++) expect((await fetch(nginx.url + post.url)).status).toBe(200)
      const thaw = await freezeServer(15_000)
      const answers: Array<{ status: number; body: string; ms: number }> = []
      try {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const started = Date.now()
            const res = await fetch(nginx.url + post.url, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams(fields).toString(),
              redirect: 'manual',
            })
            answers.push({ status: res.status, body: await res.text(), ms: Date.now() - started })
          }),
        )
      } finally {
        thaw()
      }
      for (const answer of answers) {
        expect(answer.status).toBe(503)
        expect(textareaValue(answer.body, 'body')).toBe(fields.body)
        // Two waits of 1 s and the margin: 4 s, and room for a slow machine.
        expect(answer.ms).toBeLessThan(7_000)
      }
      // Neither instance was marked down: both serve at once.
      for (let i = 0; i < 4; i++) expect((await fetch(nginx.url + post.url)).status).toBe(200)
      expect(
        new Set(
          nginx
            .accessLog()
            .filter((l) => / GET \/archive\//.test(l))
            .slice(-4)
            .map((l) => l.split(' ')[1]),
        ).size,
      ).toBe(2)
      // Each instance that met the outage said so once (log lines reach the output within 0.2 s: src/ops/logging.ts).
      const said = () => servers.map((s) => s.output().match(/"msg":"database unavailable[^"]*"/g)?.length ?? 0)
      await vi.waitFor(() => expect(said().reduce((a, b) => a + b)).toBeGreaterThan(0), { timeout: 3_000, interval: 100 })
      for (const count of said()) expect(count).toBeLessThanOrEqual(1)
    } finally {
      await nginx.stop()
      for (const server of servers) {
        server.child.kill('SIGTERM')
        await server.exited
      }
    }
  }, 90_000)
})

describe('a server that accepts connections and never answers (cut off by the network)', () => {
  it('fails a query after the connect timeout, as "unavailable", instead of holding it for minutes', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    // The app's pools wait CONNECT_TIMEOUT_MS (10 s); a shorter wait here keeps the test short.
    const pool = createPool(`postgres://postgres@127.0.0.1:${port}/carnet`, 1, { connectMs: 300 })
    try {
      const started = Date.now()
      const error = await pool.query('select 1').then(
        () => new Error('expected a failure'),
        (err: unknown) => err,
      )
      expect((error as Error).message).toMatch(/timeout/i)
      expect(isDatabaseUnavailable(error)).toBe(true)
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      await pool.end()
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})

describe('isDatabaseUnavailable on the errors a real PostgreSQL gives', () => {
  it('a stopped server, one shutting down, a connection terminated by an admin, a server crashed under a client', async () => {
    const errors: Record<string, unknown> = {}
    const connect = async () => {
      const client = new pg.Client({ connectionString: cluster.url(DATABASE) })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const failure = async (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error('expected a failure')
        },
        (err: unknown) => err,
      )

    // Terminated by an admin while running a query: 57P01.
    const busy = await connect()
    const running = failure(busy.query('select pg_sleep(10)'))
    await until(
      async () => (await superuser((c) => c.query("select 1 from pg_stat_activity where query like 'select pg_sleep%'"))).rowCount! > 0,
      'the query',
    )
    await terminateAppConnections()
    errors.terminated = await running
    // The same client afterwards.
    errors.afterTerminated = await failure(busy.query('select 1'))

    // Shutting down while a client stays (smart): new connections get 57P03.
    const staying = await connect()
    cluster.stopServer('smart', { wait: false })
    await until(async () => {
      errors.shuttingDown = await failure(connect()).catch((e: unknown) => e)
      return (errors.shuttingDown as { code?: string }).code === '57P03'
    }, 'a refusal while shutting down')
    await staying.end()
    await until(async () => {
      errors.refused = await failure(connect())
      return (errors.refused as { code?: string }).code === 'ECONNREFUSED'
    }, 'the server to be down')

    // Crashed under a connected client (immediate shutdown).
    cluster.startServer()
    const idle = await connect()
    cluster.stopServer('immediate')
    errors.crashed = await failure(idle.query('select 1'))
    cluster.startServer()

    const seen = Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, (e as { code?: string }).code ?? (e as Error).message]))
    expect(seen).toEqual({
      terminated: '57P01', // admin_shutdown: pg_terminate_backend, or `pg_ctl stop -m fast` under a running query
      // Which of the two depends on whether the client has read the socket's end before the query is sent.
      afterTerminated: expect.stringMatching(
        /^(Client has encountered a connection error and is not queryable|Connection terminated unexpectedly)$/,
      ),
      shuttingDown: '57P03', // cannot_connect_now
      refused: 'ECONNREFUSED',
      crashed: 'Connection terminated unexpectedly',
    })
    for (const [name, error] of Object.entries(errors)) expect(isDatabaseUnavailable(error), name).toBe(true)
  }, 60_000)
})
