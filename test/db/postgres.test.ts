// PostgreSQL's own machinery (the postgres project only): the version every instance reads to know that another
// one wrote, on every table, including one a later migration adds; counts as numbers; a server that cannot reach
// its database says so in one line.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { attachWriteTriggers, createPool, postgresVersionReader, resetSequences } from '../../src/db/postgres.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { otherConnection, type OtherConnection } from '../helpers/other-connection.ts'

describe('PostgreSQL', () => {
  let blog: TestBlog
  let other: OtherConnection
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    other = await otherConnection(blog.config.databasePath)
  })
  afterAll(async () => {
    await other.close()
    await blog.close()
  })

  it('takes the write lock at the start of every transaction (BEGIN and the lock in one round trip)', async () => {
    const held = () => sql<{ n: number }>`select count(*) as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`
    expect(Number((await held().execute(blog.app.db)).rows[0]!.n)).toBe(0)
    const inside = await blog.app.db.transaction().execute(async (trx) => Number((await held().execute(trx)).rows[0]!.n))
    expect(inside).toBe(1)
  })

  it('runs its statements without JIT compilation (it cost hundreds of ms on short reads the planner overestimates)', async () => {
    expect((await sql<{ jit: string }>`show jit`.execute(blog.app.db)).rows[0]!.jit).toBe('off')
  })

  it('runs on PostgreSQL', () => {
    expect(blog.app.dialect).toBe('postgres')
    expect(() => blog.app.sqlite).toThrow(/only on SQLite/)
  })

  it("moves the data version at another connection's write to any table, and not without one", async () => {
    const version = () => blog.app.dataVersion()
    const start = await version()
    expect(await version()).toBe(start)
    let last = start
    for (const write of [
      "insert into login_failures (username, created_at) values ('x', '2026-01-01T00:00:00.000Z')",
      "update settings set value = value where key = 'title'",
      'delete from revoked_sessions',
      'update site_state set changed_at = changed_at where id = 1',
    ]) {
      await other.run(write)
      const now = await version()
      expect(now, write).not.toBe(last)
      last = now
    }
  })

  it('covers a table a later migration adds, once the app has migrated', async () => {
    await other.run('create table later_feature (id serial primary key, note text not null)')
    await attachWriteTriggers(blog.app.db)
    const before = await blog.app.dataVersion()
    await other.run("insert into later_feature (note) values ('nouveau')")
    expect(await blog.app.dataVersion()).not.toBe(before)
  })

  it('reads counts and sums as numbers, as SQLite does', async () => {
    const kysely = await blog.app.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(kysely).toEqual({ n: 0 })
    const raw = await sql`select count(*) as n, sum(v::bigint) as s, sum(v::numeric) as d from (values (1), (2)) as t (v)`.execute(
      blog.app.db,
    )
    expect(raw.rows).toEqual([{ n: 2, s: 3, d: 3 }])
  })
})

describe('resetSequences', () => {
  it('moves ids past rows inserted with their ids given (a copy)', async () => {
    const blog = await buildTestApp({ demo: false })
    try {
      const now = new Date().toISOString()
      await blog.app.db.insertInto('categories').values({ id: 41, name: 'Copiée', slug: 'copiee', created_at: now }).execute()
      await resetSequences(blog.app.db)
      const next = await blog.app.db
        .insertInto('categories')
        .values({ name: 'Nouvelle', slug: 'nouvelle', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      expect(next.id).toBe(42)
    } finally {
      await blog.close()
    }
  })
})

describe('postgresVersionReader', () => {
  it("gives the requests that ask together one read, and never joins a read sent before another connection's write", async () => {
    const blog = await buildTestApp({ demo: false })
    const other = await otherConnection(blog.config.databasePath)
    const pool = createPool(blog.config.databasePath, 2)
    let reads = 0
    // While set, reads answer only once it resolves (a slow round trip).
    let gate: Promise<void> | undefined
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
    pool.query = ((...args: unknown[]) => {
      reads++
      const answer = query(...args)
      return gate ? gate.then(() => answer) : answer
    }) as typeof pool.query
    /** Waits until the n-th read has been sent. */
    const sentRead = async (n: number) => {
      while (reads < n) await new Promise((resolve) => setTimeout(resolve, 1))
      expect(reads).toBe(n)
    }
    try {
      const version = postgresVersionReader(pool)
      const requests = Array.from({ length: 20 }, () => ({}))
      const first = await Promise.all(requests.map((request) => version(request)))
      expect(new Set(first).size).toBe(1)
      expect(reads).toBe(1)
      // The same request again: its read's answer, at once (no promise to wait for).
      expect(version(requests[0]!)).toBe(first[0])
      expect(reads).toBe(1)

      // A read is sent, then another connection commits a write: a request that asks now gets a read of its own.
      const sent = version({})
      await sentRead(2)
      await other.run('update site_state set changed_at = changed_at where id = 1')
      const after = await version({})
      await sent
      expect(reads).toBe(3)
      expect(after).not.toBe(first[0])

      // While a read is in flight, the requests that ask, over several turns, wait for the next one and share
      // it; it sees a write committed after the one in flight was sent.
      let answer!: () => void
      gate = new Promise((resolve) => (answer = resolve))
      const inFlight = version({})
      await sentRead(4)
      const during: Array<string | Promise<string>> = []
      for (let turn = 0; turn < 3; turn++) {
        during.push(version({}), version({}))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      await other.run('update site_state set changed_at = changed_at where id = 1')
      gate = undefined
      answer()
      const versions = await Promise.all(during)
      expect(reads).toBe(5)
      expect(new Set(versions).size).toBe(1)
      expect(versions[0]).not.toBe(await inFlight)
    } finally {
      await pool.end()
      await other.close()
      await blog.close()
    }
  })
})

describe('named statements', () => {
  it("are prepared again after another instance's migration changed a table a prepared `select *` reads", async () => {
    const blog = await buildTestApp({ demo: false })
    const other = await otherConnection(blog.config.databasePath)
    try {
      const bans = () => blog.app.db.selectFrom('bans').selectAll().where('id', '>', 0).execute()
      // Prepared on every connection of the pool that runs it.
      await Promise.all(Array.from({ length: 12 }, bans))
      await other.run('alter table bans add column later_feature text')
      await other.run("insert into bans (kind, value, shown, created_at, created_by) values ('name', 'x', 'x', '2026-01-01', 'admin')")
      // PostgreSQL refuses the statements prepared before (their result's columns changed): each is prepared again
      // and sent again at once, and every query answers with the new column.
      const after = await Promise.all(Array.from({ length: 12 }, bans))
      for (const r of after) expect(r[0]).toMatchObject({ value: 'x', later_feature: null })

      // In a transaction, the refusal aborted it: that query fails (once), and the next ones are prepared again.
      await Promise.all(Array.from({ length: 12 }, bans))
      await other.run('alter table bans add column another_feature text')
      const inTransaction = await blog.app.db
        .transaction()
        .execute((trx) => trx.selectFrom('bans').selectAll().where('id', '>', 0).execute())
        .then(
          () => 'answered',
          (err: { code?: string }) => err.code,
        )
      expect(inTransaction).toBe('0A000')
      const again = await Promise.all(Array.from({ length: 12 }, bans))
      for (const r of again) expect(r[0]).toMatchObject({ value: 'x', another_feature: null })
    } finally {
      await other.close()
      await blog.close()
    }
  })
})

describe('a server that cannot reach its database', () => {
  const start = (databaseUrl: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, DATABASE_URL: databaseUrl, SESSION_KEY: 'a'.repeat(64), PORT: '0', LOG_LEVEL: 'warn' },
    })

  it('refuses to start with one line naming the server, never its password', () => {
    const cluster = new URL(inject('postgresUrl'))
    cluster.username = 'carnet'
    cluster.password = 's3cret-password'
    cluster.pathname = '/no_such_blog'
    const missing = start(cluster.toString())
    expect(missing.status).toBe(1)
    expect(missing.stderr.trim()).toMatch(
      /^Carnet could not start: the database could not be read: .*"(carnet|no_such_blog)".* \(DATABASE_URL postgres:\/\/carnet:\*\*\*@127\.0\.0\.1:\d+\/no_such_blog\)$/,
    )
    expect(missing.stderr).not.toContain('s3cret-password')
    const closed = start('postgres://carnet:s3cret-password@127.0.0.1:1/blog')
    expect(closed.status).toBe(1)
    expect(closed.stderr.trim()).toBe(
      'Carnet could not start: the database could not be read: connect ECONNREFUSED 127.0.0.1:1 (DATABASE_URL postgres://carnet:***@127.0.0.1:1/blog)',
    )
  })
})
