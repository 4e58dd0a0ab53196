// SQLite's own failures when a comment is written: a transaction SQLite has already rolled back by itself, and a
// real, full, tiny filesystem (where this machine lets a test mount one). The comment comes back in the form,
// whole, with a message; the log says what really went wrong; readers go on reading. What does not depend on
// SQLite's files (the rate limit, a database that refuses a write) is in comments-failures.test.ts, on both
// databases; PostgreSQL's real full disk in comments-full-disk-postgres.test.ts.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKysely, openSqlite } from '../../src/db/sqlite.ts'
import { buildTestApp, mainOf, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsOf, expectFormKept, logLines, openPost, SAVE_FAILED, send } from '../helpers/comments.ts'
import { canMountTmpfs, fillFilesystem, mountTmpfs } from '../helpers/tmpfs.ts'

describe('a transaction SQLite has already rolled back', () => {
  const dir = useTempDir('rollback')

  it('reports its own error (SQLITE_FULL), not "cannot rollback", and the connection goes on', async () => {
    const sqlite = openSqlite(join(dir.path, 'full.db'))
    const db = createKysely(sqlite)
    try {
      sqlite.exec('create table t (x blob)')
      sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`)
      // One row into a table without triggers or indexes: no statement journal, so on SQLITE_FULL SQLite rolls
      // the whole transaction back by itself (as it does when COMMIT finds the disk full).
      const failed = db.transaction().execute((trx) => sql`insert into t values (randomblob(100000))`.execute(trx))
      await expect(failed).rejects.toMatchObject({ code: 'SQLITE_FULL', message: 'database or disk is full' })
      expect(sqlite.inTransaction).toBe(false)
      sqlite.pragma('max_page_count = 1073741823')
      await db.transaction().execute((trx) => sql`insert into t values (randomblob(100000))`.execute(trx))
      expect(sqlite.prepare('select count(*) from t').pluck().get()).toBe(1)
    } finally {
      await db.destroy()
    }
  })
})

// In CI (where `CI` is set) it must run: there a process that cannot mount fails it instead of skipping it.
const mountable = canMountTmpfs() || Boolean(process.env.CI)
if (!mountable) console.log('full-disk test skipped: this process cannot mount a tmpfs (the max_page_count test above still runs)')

describe.skipIf(!mountable)('a comment when the disk is really full (a 4 MB tmpfs)', () => {
  let blog: TestBlog
  let disk: ReturnType<typeof mountTmpfs>
  const log = logLines()
  beforeAll(async () => {
    disk = mountTmpfs('full-disk', '4m')
    blog = await buildTestApp({ dir: disk.path, demo: false, env: { COMMENT_RATE_LIMIT: '0' }, logger: log.logger })
  })
  afterAll(async () => {
    await blog?.close()
    disk?.unmount()
  })

  it('logs the real cause (not "cannot rollback"), answers 503 with the form as typed, and pages are still read', async () => {
    const post = await openPost(blog)
    const filler = fillFilesystem(disk.path)
    const typed = { author: 'Disque', email: 'disque@exemple.fr', url: '', body: '😀'.repeat(10_000) }
    const res = await send(blog, post.url, typed)
    expect(res.statusCode).toBe(503)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    await expectFormKept(blog, post.id, res, typed, SAVE_FAILED)
    const logged = log.lines.join('\n')
    expect(logged).toMatch(/database or disk is full|disk I\/O error/)
    expect(logged).not.toContain('cannot rollback')
    for (const url of ['/', post.url]) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
    expect(visibleText(mainOf((await blog.app.inject(post.url)).body))).toContain('Le texte de la note.')

    // Room again: the comment goes in.
    rmSync(filler)
    expect((await send(blog, post.url, typed)).statusCode).toBe(303)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
  })
})
