// Crash without loss: the real server takes a burst of comments and is killed with SIGKILL in the middle. After a
// restart the database is intact and every comment that got its 303 is there.
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { startServer } from './helpers/server-process.ts'
import { commentIdOf, OPEN_DEMO_POST, postComment, type Ack } from './helpers/comments-client.ts'
import { useTempDir } from './helpers/app.ts'

describe('crash without loss', () => {
  const tmp = useTempDir('crash')

  it('every acknowledged comment survives SIGKILL', async () => {
    const dbPath = join(tmp.path, 'carnet.db')
    const env = { DATABASE_URL: dbPath, COMMENT_RATE_LIMIT: '0' }
    const server = await startServer(env)
    const acked: Ack[] = []
    let stop = false
    const senders = Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const body = `Rafale ${w}-${i}`
        try {
          const res = await postComment(server.url, OPEN_DEMO_POST, { author: `Auteur ${w}`, body })
          const id = commentIdOf(res.location)
          if (res.status === 303 && id !== null) acked.push({ id, body })
        } catch {
          // the connection died with the server: not acknowledged, so not promised
          return
        }
      }
    })
    // Kill in the middle of the burst.
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 5))
    server.child.kill('SIGKILL')
    stop = true
    await Promise.all(senders)
    expect(await server.exited).toBe('SIGKILL')

    // Restart: the server recovers the WAL and serves the post with the last acknowledged comment.
    const again = await startServer(env)
    try {
      const page = await (await fetch(again.url + OPEN_DEMO_POST)).text()
      expect(page).toContain('Rafale')
    } finally {
      again.child.kill('SIGTERM')
      await again.exited
    }
    const db = new BetterSqlite3(dbPath, { readonly: true })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const stored = new Map(
      (db.prepare("select id, body from comments where body like 'Rafale %'").all() as Ack[]).map((r) => [r.id, r.body]),
    )
    db.close()
    const missing = acked.filter((a) => stored.get(a.id) !== a.body)
    expect(missing).toEqual([])
    expect(acked.length).toBeGreaterThanOrEqual(300)
  }, 90_000)
})
