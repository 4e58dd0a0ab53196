// Two servers on one SQLite file never answer "database is locked": busy timeout and short write transactions.
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'
import { commentIdOf, OPEN_DEMO_POST, pool, postComment } from '../helpers/comments-client.ts'
import { useTempDir } from '../helpers/app.ts'

describe('several processes on one database', () => {
  const tmp = useTempDir('multi')
  const servers: ServerProcess[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.child.kill('SIGTERM')
      await s.exited
    }
  })

  it('posting through two servers at once: every comment stored, no error', async () => {
    const env = { DATABASE_URL: join(tmp.path, 'carnet.db'), COMMENT_RATE_LIMIT: '0' }
    servers.push(await startServer(env))
    servers.push(await startServer(env))
    const perServer = 300
    const results = await Promise.all(
      servers.map((s, n) =>
        pool(perServer, 25, async (i) => {
          const res = await postComment(s.url, OPEN_DEMO_POST, { author: `Serveur ${n}`, body: `Message ${n}-${i}` })
          // Readers on the other server at the same time.
          const read = await fetch(servers[1 - n]!.url + OPEN_DEMO_POST)
          await read.arrayBuffer()
          return { ...res, readStatus: read.status }
        }),
      ),
    )
    const all = results.flat()
    expect(all.filter((r) => r.status !== 303).map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([])
    expect(all.every((r) => r.readStatus === 200)).toBe(true)
    expect(new Set(all.map((r) => commentIdOf(r.location))).size).toBe(2 * perServer)
    for (const s of servers) expect(s.output()).not.toMatch(/database is locked|SQLITE_BUSY/)
    const db = new BetterSqlite3(env.DATABASE_URL, { readonly: true })
    const { n } = db.prepare("select count(*) n from comments where body like 'Message %'").get() as { n: number }
    db.close()
    expect(n).toBe(2 * perServer)
  }, 90_000)
})
