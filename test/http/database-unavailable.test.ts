// The database unreachable or unusable for a while (PostgreSQL restarting; for SQLite a lock held past the busy
// timeout, an I/O error, a full disk): kind 503 pages with Retry-After, a comment comes back as typed, the log
// says why once, and the blog recovers by itself.
import { connect } from 'node:net'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from '../../src/db/errors.ts'
import { OutageLog, RETRY_AFTER_UNAVAILABLE } from '../../src/http/errors.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog, useTempDir, visibleText } from '../helpers/app.ts'
import { commentList, inputValue, logRecords, openPost, send, textareaValue } from '../helpers/comments.ts'

/** A real error from a real failure. */
function errorOf(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}

describe('isDatabaseUnavailable', () => {
  const tmp = useTempDir('unavailable')

  it('recognises SQLite: a lock held past busy_timeout, a read-only file', () => {
    const path = join(tmp.path, 'x.db')
    const holder = new BetterSqlite3(path)
    holder.pragma('journal_mode = WAL')
    holder.exec('create table t (x)')
    holder.exec('begin immediate; insert into t values (1)')
    const other = new BetterSqlite3(path)
    other.pragma('busy_timeout = 50')
    const busy = errorOf(() => other.exec('insert into t values (2)'))
    expect((busy as { code: string }).code).toBe('SQLITE_BUSY')
    expect(isDatabaseUnavailable(busy)).toBe(true)
    holder.exec('commit')
    const readonly = new BetterSqlite3(path, { readonly: true })
    const refused = errorOf(() => readonly.exec('insert into t values (3)'))
    expect((refused as { code: string }).code).toMatch(/^SQLITE_READONLY/)
    expect(isDatabaseUnavailable(refused)).toBe(true)
    // A bug is not an outage: bad SQL, a broken constraint.
    expect(isDatabaseUnavailable(errorOf(() => other.exec('select nothing from nowhere')))).toBe(false)
    other.exec('create table u (x unique); insert into u values (1)')
    expect(isDatabaseUnavailable(errorOf(() => other.exec('insert into u values (1)')))).toBe(false)
    for (const db of [holder, other, readonly]) db.close()
  })

  it('recognises a refused connection (a PostgreSQL server that is down) and pg’s SQLSTATE codes', async () => {
    // A port nobody listens on: the error pg gets when the server is down.
    const refused = await new Promise<unknown>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: 1 })
      socket.on('error', resolve)
    })
    expect(isDatabaseUnavailable(refused)).toBe(true)
    // As pg reports them (DatabaseError with the server's SQLSTATE): shutting down, starting up, connection lost.
    for (const code of ['57P01', '57P03', '08006', '08001', '53100']) expect(isDatabaseUnavailable({ code, message: 'x' })).toBe(true)
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: { code: 'ECONNREFUSED', syscall: 'connect' } }))).toBe(true)
    // Syntax error, unique violation, an ordinary bug.
    for (const code of ['42601', '23505', 'ERR_INVALID_ARG_TYPE']) expect(isDatabaseUnavailable({ code, message: 'x' })).toBe(false)
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false)
  })
})

describe('OutageLog', () => {
  it('logs the cause once, then one line a minute, then the recovery', () => {
    const lines: string[] = []
    const log = {
      error: (_o: unknown, msg: string) => lines.push(msg),
      info: (_o: unknown, msg: string) => lines.push(msg),
    } as unknown as Parameters<OutageLog['failed']>[0]
    const outage = new OutageLog()
    for (let i = 0; i < 100; i++) outage.failed(log, new Error('locked'), 1_000 + i * 100)
    expect(lines).toEqual(['database unavailable: answering 503 with Retry-After until it is back'])
    outage.failed(log, new Error('locked'), 1_000 + OutageLog.REMIND_EVERY_MS)
    expect(lines.at(-1)).toBe('database still unavailable')
    outage.recovered(log, 90_000)
    outage.recovered(log, 91_000)
    expect(lines).toEqual([
      'database unavailable: answering 503 with Retry-After until it is back',
      'database still unavailable',
      'database available again',
    ])
  })
})

describe('OutageLog, for a database that comes and goes (issue 30: 44 lines in 25 s)', () => {
  function recorder() {
    const lines: Array<[number, string]> = []
    let clock = 0
    const log = {
      error: (_o: unknown, msg: string) => lines.push([clock, msg]),
      info: (_o: unknown, msg: string) => lines.push([clock, msg]),
    } as unknown as Parameters<OutageLog['failed']>[0]
    return { lines, log, at: (t: number) => (clock = t) }
  }

  it('flapping every second for three minutes: at most one line of each a minute', () => {
    const { lines, log, at } = recorder()
    const outage = new OutageLog()
    for (let t = 0; t < 180_000; t += 1_000) {
      outage.failed(log, new Error('too many connections'), at(t))
      outage.recovered(log, at(t + 500))
    }
    for (let minute = 0; minute < 3; minute++) {
      const inMinute = lines.filter(([t]) => t >= minute * 60_000 && t < (minute + 1) * 60_000).map(([, m]) => m)
      expect(inMinute.filter((m) => m.startsWith('database unavailable')).length, `minute ${minute}`).toBe(1)
      expect(inMinute.filter((m) => m === 'database available again').length, `minute ${minute}`).toBe(1)
    }
  })

  it('a failure soon after the recovery that lasts is said at once it has lasted, and its end too', () => {
    const { lines, log, at } = recorder()
    const outage = new OutageLog()
    outage.failed(log, new Error('down'), at(0))
    outage.recovered(log, at(1_000))
    outage.failed(log, new Error('down'), at(2_000))
    expect(lines).toHaveLength(2)
    outage.failed(log, new Error('down'), at(2_000 + OutageLog.SETTLE_MS))
    expect(lines.at(-1)).toEqual([
      2_000 + OutageLog.SETTLE_MS,
      'database unavailable again: answering 503 with Retry-After until it is back',
    ])
    outage.recovered(log, at(9_000))
    expect(lines.at(-1)).toEqual([9_000, 'database available again'])
    expect(lines).toHaveLength(4)
  })
})

describe('a database locked by another process past the busy timeout', () => {
  let blog: TestBlog
  let logs: Array<{ msg: string; cause?: { message?: string } }>
  let holder: BetterSqlite3.Database | undefined
  beforeEach(async () => {
    const log = logRecords<(typeof logs)[number]>()
    logs = log.records
    // SQLite's busy timeout is DATABASE_TIMEOUT_SECONDS (5 s by default, 10 s a test with two waits).
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0', DATABASE_TIMEOUT_SECONDS: '0.3' }, logger: log.logger })
  })
  afterEach(async () => {
    holder?.close()
    holder = undefined
    await blog.close()
  })

  /** Another process takes the write lock and keeps it (as a long migration or a stuck tool would). */
  function lockWrites() {
    holder = new BetterSqlite3(blog.config.databasePath)
    holder.exec("begin immediate; update settings set value = value where key = 'title'")
  }
  function release() {
    holder!.exec('rollback')
  }

  it('a comment comes back in the form as typed, 503 with Retry-After; the log says why once; then it goes through', async () => {
    const post = await openPost(blog)
    lockWrites()
    const fields = { author: 'Zoë 🌿', email: 'zoe@exämple.fr', body: 'مرحبا — un texte que je ne veux pas perdre.' }
    for (let i = 0; i < 2; i++) {
      const asked = performance.now()
      const res = await send(blog, post.url, fields)
      // After DATABASE_TIMEOUT_SECONDS (0.3 s), not the default 5 s.
      expect(performance.now() - asked).toBeLessThan(4000)
      expect(res.statusCode).toBe(503)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      expect(textareaValue(res.body, 'body')).toBe(fields.body)
      expect(inputValue(res.body, 'author')).toBe(fields.author)
      expect(visibleText(res.body)).toContain('Votre commentaire n’a pas pu être enregistré')
    }
    const outageLines = logs.filter((l) => l.msg.startsWith('database unavailable'))
    expect(outageLines).toHaveLength(1)
    expect(outageLines[0]!.cause?.message).toMatch(/database is locked/)
    release()
    const res = await send(blog, post.url, fields)
    expect(res.statusCode).toBe(303)
    expect(commentList((await blog.app.inject(post.url)).body)).toContain('un texte que je ne veux pas perdre')
    expect(logs.some((l) => l.msg === 'database available again')).toBe(true)
  }, 30_000)

  it('when the rate limit’s counter cannot be written either, the comment still comes back, in a form of its own', async () => {
    const limited = await buildTestApp({ dir: blog.dir, env: { COMMENT_RATE_LIMIT: '5', DATABASE_TIMEOUT_SECONDS: '0.3' } })
    try {
      const post = await openPost(limited)
      lockWrites()
      const fields = { author: 'Zoë', body: 'Un texte gardé même sans base de données.', parent: '' }
      const res = await send(limited, post.url, fields)
      expect(res.statusCode).toBe(503)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      expect(textareaValue(res.body, 'body')).toBe(fields.body)
      expect(inputValue(res.body, 'author')).toBe('Zoë')
      expect(res.body).toContain(`action="${post.url}#respond"`)
      expect(visibleText(res.body)).toContain('Le blog revient dans un instant')
      release()
      expect((await send(limited, post.url, fields)).statusCode).toBe(303)
    } finally {
      await limited.close()
    }
  }, 30_000)

  it('a page that must write (search re-indexing a changed post) answers a kind 503 page with Retry-After, then recovers', async () => {
    await createPost(blog.app.db, {
      title: 'Une note sur les oliviers',
      body: 'Des oliviers.',
      status: 'published',
      publishedAt: new Date().toISOString(),
    })
    lockWrites()
    const res = await blog.app.inject('/search?q=oliviers')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_UNAVAILABLE))
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(visibleText(res.body)).toContain('Le blog revient dans un instant')
    expect(res.body).not.toMatch(/SQLITE|locked|stack/i)
    release()
    const again = await blog.app.inject('/search?q=oliviers')
    expect(again.statusCode).toBe(200)
    expect(visibleText(again.body)).toContain('Une note sur les oliviers')
  }, 30_000)

  it('the kind 503 page is in English on an English blog', async () => {
    await blog.app.settings.update({ language: 'en' })
    await createPost(blog.app.db, {
      title: 'Olive trees',
      body: 'Olive trees.',
      status: 'published',
      publishedAt: new Date().toISOString(),
    })
    lockWrites()
    const res = await blog.app.inject('/search?q=olive')
    expect(res.statusCode).toBe(503)
    expect(visibleText(res.body)).toContain('The blog will be back in a moment')
  }, 30_000)
})
