// Two server processes on one database post at once and read each other's writes: every comment stored, no
// error. SQLite: one file, busy timeout and short write transactions, never "database is locked". PostgreSQL:
// two connection pools, the app's write lock (src/db/postgres.ts), never a deadlock, a serialization failure or
// too many connections.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'
import { commentIdOf, OPEN_DEMO_POST, pool, postComment } from '../helpers/comments-client.ts'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { otherConnection } from '../helpers/other-connection.ts'

describe('several processes on one database', () => {
  const tmp = useTempDir('multi')
  let database: TestDatabase
  const servers: ServerProcess[] = []
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.child.kill('SIGTERM')
      await s.exited
    }
    await database.drop()
  })

  it('posting through two servers at once: every comment stored, each on the other server at once, no error', async () => {
    // A small pool (PostgreSQL): 25 requests in flight per server queue for 4 connections.
    const env = { DATABASE_URL: database.url, ...database.env, COMMENT_RATE_LIMIT: '0', DATABASE_POOL_SIZE: '4' }
    servers.push(await startServer(env))
    servers.push(await startServer(env))
    const perServer = 300
    const results = await Promise.all(
      servers.map((s, n) =>
        pool(perServer, 25, async (i) => {
          const body = `Message ${n}-${i}`
          const res = await postComment(s.url, OPEN_DEMO_POST, { author: `Serveur ${n}`, body })
          // The other server, right after the 303, serves the page the commenter was sent to with the comment.
          const read = await fetch(new URL(res.location ?? OPEN_DEMO_POST, servers[1 - n]!.url))
          const page = await read.text()
          return { ...res, readStatus: read.status, seen: page.includes(`id="comment-${commentIdOf(res.location)}"`) }
        }),
      ),
    )
    const all = results.flat()
    expect(all.filter((r) => r.status !== 303).map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([])
    expect(all.filter((r) => r.readStatus !== 200 || !r.seen).map((r) => `${r.readStatus} ${r.location}`)).toEqual([])
    expect(new Set(all.map((r) => commentIdOf(r.location))).size).toBe(2 * perServer)
    for (const s of servers) {
      expect(s.output()).not.toMatch(/database is locked|SQLITE_BUSY|could not serialize|deadlock|too many clients|"level":50/)
    }
    const other = await otherConnection(database.url)
    const [row] = await other.all<{ n: number }>("select count(*) as n from comments where body like 'Message %'")
    await other.close()
    expect(Number(row!.n)).toBe(2 * perServer)
  }, 120_000)
})
