// The WAL stays a few MB beside the database: a comment writes ~12 pages to it, and checkpointing only every
// 10,000 pages let it reach 40 MB, enough to fill a small volume. These tests measure the -wal file itself.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { startCheckpointer } from '../../src/db/checkpointer.ts'
import { WAL_SIZE_LIMIT } from '../../src/db/sqlite.ts'
import { buildTestApp, useTempDir, type TestBlog } from '../helpers/app.ts'
import { OPEN_DEMO_POST } from '../helpers/comments-client.ts'

/**
 * A checkpoint every 1,000 pages keeps the WAL near 4.1 MB on a quiet machine; it goes past that when the
 * committing connection's checkpoint finds the checkpointer's in progress and waits for a later commit, for longer on a loaded machine (up to 9.5 MB seen while other suites ran). Without the bound it
 * reached 40 MB.
 */
const BOUND = 12_000_000

function walSize(dbPath: string): number {
  return existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0
}

async function comment(blog: TestBlog, i: number): Promise<void> {
  const res = await blog.app.inject({
    method: 'POST',
    url: OPEN_DEMO_POST,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ author: `Lecteur ${i}`, body: `Un commentaire de la rafale, numéro ${i}.` }).toString(),
  })
  if (res.statusCode !== 303) throw new Error(`comment ${i}: ${res.statusCode}`)
}

describe('the WAL stays small', () => {
  const tmp = useTempDir('wal')

  it("the checkpointer copies a second's writes back into the database file, with no thread of its own", async () => {
    const path = join(tmp.path, 'checkpointed.db')
    const writer = new BetterSqlite3(path)
    writer.pragma('journal_mode = WAL')
    // Only the checkpointer copies here.
    writer.pragma('wal_autocheckpoint = 0')
    writer.exec('create table t (x)')
    const threads = () => readdirSync('/proc/self/task').length
    const before = threads()
    const checkpointer = startCheckpointer(path, 100)
    try {
      // A worker thread of its own held a V8 isolate: 12 MB of the demo blog's memory at rest.
      expect(threads()).toBe(before)
      writer.prepare('insert into t values (randomblob(40000))').run()
      // The database file has the new pages only once a checkpoint copied them (the writer makes none here).
      expect(statSync(path).size).toBeLessThan(40_000)
      for (let i = 0; i < 50 && statSync(path).size < 40_000; i++) await new Promise((r) => setTimeout(r, 20))
      expect(statSync(path).size).toBeGreaterThan(40_000)
    } finally {
      await checkpointer.stop()
      writer.close()
    }
  })

  it('a long burst of comments never takes the WAL past a few MB', async () => {
    const blog = await buildTestApp({ dir: tmp.path, env: { COMMENT_RATE_LIMIT: '0' } })
    try {
      const dbPath = blog.config.databasePath
      let peak = 0
      // ~1,500 comments write ~70 MB of pages to the WAL: with a checkpoint every 10,000 pages it reached 40 MB.
      for (let i = 0; i < 1500; i++) {
        await comment(blog, i)
        peak = Math.max(peak, walSize(dbPath))
      }
      expect(peak).toBeGreaterThan(1_000_000)
      expect(peak).toBeLessThan(BOUND)
      expect(blog.app.sqlite.prepare("select count(*) from comments where author_name like 'Lecteur %'").pluck().get()).toBe(1500)
    } finally {
      await blog.close()
    }
  }, 60_000)

  it('a WAL that grew while a reader held checkpoints back is cut back once it is reused', async () => {
    const blog = await buildTestApp({ dir: tmp.path, env: { COMMENT_RATE_LIMIT: '0' } })
    const dbPath = blog.config.databasePath
    // Another process's long read (a backup's snapshot): no checkpoint can reuse the WAL meanwhile.
    const reader = new BetterSqlite3(dbPath, { readonly: true })
    try {
      reader.exec('begin')
      reader.prepare('select count(*) from comments').get()
      for (let i = 0; i < 400; i++) await comment(blog, i)
      const grown = walSize(dbPath)
      expect(grown).toBeGreaterThan(2 * WAL_SIZE_LIMIT)
      reader.exec('commit')
      // The next commits checkpoint the whole WAL, then start it again from the top, cut back to the limit. The
      // checkpoint runs in the background: on a busy machine it may take more than a few commits (CI met 20 not
      // enough once), so commits go on until it is cut back, or 300 of them fail the test.
      for (let i = 400; i < 700 && walSize(dbPath) > WAL_SIZE_LIMIT; i++) await comment(blog, i)
      expect(walSize(dbPath)).toBeLessThanOrEqual(WAL_SIZE_LIMIT)
    } finally {
      reader.close()
      await blog.close()
    }
  }, 60_000)

  it('a restart empties a big WAL left by a killed process, losing nothing', async () => {
    const first = await buildTestApp({ dir: tmp.path })
    const dbPath = first.config.databasePath
    await first.close()
    // A writer that never checkpoints, killed after committing 5,000 comments (~15 MB of WAL).
    const killed = spawnSync(process.execPath, [
      '-e',
      `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(dbPath)}); db.pragma('wal_autocheckpoint = 0');
       const post = db.prepare('select id from posts where comments_open = 1 limit 1').pluck().get();
       const insert = db.prepare("insert into comments (post_id, author_name, body, status, created_at) values (?, 'Avant', ?, 'approved', '2026-01-01T00:00:00.000Z')");
       db.transaction(() => { for (let i = 0; i < 5000; i++) insert.run(post, 'Laissé dans le WAL ' + i + ' ' + 'x'.repeat(2000)) })();
       process.kill(process.pid, 'SIGKILL')`,
    ])
    expect(killed.signal).toBe('SIGKILL')
    expect(walSize(dbPath)).toBeGreaterThan(12_000_000)

    const blog = await buildTestApp({ dir: tmp.path })
    try {
      expect(walSize(dbPath)).toBeLessThan(1_000_000)
      expect(blog.app.sqlite.prepare("select count(*) from comments where author_name = 'Avant'").pluck().get()).toBe(5000)
    } finally {
      await blog.close()
    }
  })
})
