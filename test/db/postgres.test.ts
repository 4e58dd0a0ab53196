// PostgreSQL's own machinery (the postgres project only): the version every instance reads to know that another
// one wrote, on every table, including one a later migration adds; counts as numbers; a server that cannot reach
// its database says so in one line.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { attachWriteTriggers, resetSequences } from '../../src/db/postgres.ts'
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
