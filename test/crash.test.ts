// Crash without loss: the real server takes a burst of comments and is killed with SIGKILL in the middle. After a
// restart the database is intact and every comment that got its 303 is there. On SQLite, the file and its WAL;
// on PostgreSQL, the transactions the server had open when it died (its connections cut mid-statement).
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from './helpers/server-process.ts'
import { commentIdOf, OPEN_DEMO_POST, postComment, type Ack } from './helpers/comments-client.ts'
import { useTempDir } from './helpers/app.ts'
import { createTestDatabase, testDialect, type TestDatabase } from './helpers/database.ts'
import { otherConnection } from './helpers/other-connection.ts'

describe('crash without loss', () => {
  const tmp = useTempDir('crash')
  let database: TestDatabase
  const servers: ServerProcess[] = []
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
      await s.exited
    }
    await database.drop()
  })

  it('every acknowledged comment survives SIGKILL', async () => {
    const env = { DATABASE_URL: database.url, ...database.env, COMMENT_RATE_LIMIT: '0' }
    const server = await startServer(env)
    servers.push(server)
    const acked: Ack[] = []
    let lastLocation = ''
    let stop = false
    const senders = Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const body = `Rafale ${w}-${i}`
        try {
          const res = await postComment(server.url, OPEN_DEMO_POST, { author: `Auteur ${w}`, body })
          const id = commentIdOf(res.location)
          if (res.status === 303 && id !== null) {
            acked.push({ id, body })
            lastLocation = res.location!
          } else throw new Error(`${res.status} ${res.text.slice(0, 300)}`)
        } catch (err) {
          // The connection died with the server: not acknowledged, so not promised. Anything else is a failure.
          if (stop) return
          stop = true
          throw err
        }
      }
    })
    // Kill in the middle of the burst (a sender that failed before fails the test at once).
    while (acked.length < 300) await Promise.race([new Promise((r) => setTimeout(r, 5)), ...senders])
    server.child.kill('SIGKILL')
    stop = true
    await Promise.all(senders)
    expect(await server.exited).toBe('SIGKILL')
    // No error before the kill: no 500, no lock or serialization failure, no exhausted connections.
    expect(server.output()).not.toMatch(/"level":50|could not serialize|deadlock|too many clients|SQLITE_BUSY/)

    // Restart: the server recovers (SQLite: the WAL) and serves the last acknowledged comment where its 303 sent
    // the commenter.
    const again = await startServer(env)
    servers.push(again)
    const page = await fetch(new URL(lastLocation, again.url))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(`id="comment-${acked.at(-1)!.id}"`)
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)

    if (testDialect() === 'sqlite') {
      const db = new BetterSqlite3(database.url, { readonly: true })
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      db.close()
    }
    const other = await otherConnection(database.url)
    try {
      const rows = await other.all<Ack>("select id, body from comments where body like 'Rafale %'")
      const stored = new Map(rows.map((r) => [Number(r.id), r.body]))
      const missing = acked.filter((a) => stored.get(a.id) !== a.body)
      expect(missing).toEqual([])
      expect(acked.length).toBeGreaterThanOrEqual(300)
      // Nothing half-written either: the counter the triggers keep in the comment's transaction agrees with the
      // comments themselves (a comment without its count, or a count without its comment, would differ).
      const counts = await other.all<{ post_id: number; counted: number; kept: number }>(
        `select s.post_id, s.approved_comments as kept,
                (select count(*) from comments c where c.post_id = s.post_id and c.status = 'approved') as counted
         from post_stats s order by s.post_id`,
      )
      expect(counts.length).toBeGreaterThan(0)
      expect(counts.filter((c) => Number(c.kept) !== Number(c.counted))).toEqual([])
    } finally {
      await other.close()
    }
  }, 120_000)
})
