import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir } from './helper.ts'

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('backup and restore', () => {
  const tmp = useTempDir('backup')

  it('copies the live database while comments keep arriving, and the copy restores every post and comment', async () => {
    const blog = await buildTestApp({ dir: tmp.path })
    const db = blog.config.databasePath
    const open = await blog.app.db.selectFrom('posts').select('id').where('comments_open', '=', 1).executeTakeFirstOrThrow()
    // Comments keep arriving through the running app's connection while the backup command copies the file.
    let written = 0
    let stop = false
    const writer = (async () => {
      while (!stop) {
        await blog.app.db
          .insertInto('comments')
          .values({ post_id: open.id, author_name: `Lecteur ${written}`, body: `Commentaire ${written}`, status: 'approved', created_at: new Date().toISOString() })
          .execute()
        written++
        await new Promise((r) => setImmediate(r))
      }
    })()
    const before = written
    const backupFile = join(tmp.path, 'copy.db')
    const run = await cli(['backup', backupFile], { DATABASE_URL: db })
    stop = true
    await writer
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('integrity check: ok')
    expect(written).toBeGreaterThan(before)

    const copy = new BetterSqlite3(backupFile, { readonly: true })
    const copied = copy.prepare("select count(*) n from comments where author_name like 'Lecteur %'").get() as { n: number }
    const postsInCopy = (copy.prepare('select count(*) n from posts').get() as { n: number }).n
    copy.close()
    // Every comment written before the backup began is in the copy, and the copy is a consistent snapshot.
    expect(copied.n).toBeGreaterThanOrEqual(before)
    expect(postsInCopy).toBe(13)

    // A second backup to the same file is refused without --force.
    const again = await cli(['backup', backupFile], { DATABASE_URL: db })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('--force')
    await blog.close()

    // Restore into a new database, then the blog serves every post and comment of the copy.
    const restoredPath = join(tmp.path, 'restored', 'carnet.db')
    const restore = await cli(['restore', backupFile], { DATABASE_URL: restoredPath })
    expect(restore.stderr).toBe('')
    expect(restore.code).toBe(0)
    const restored = await buildTestApp({ env: { DATABASE_URL: restoredPath } })
    try {
      const posts = await restored.app.db.selectFrom('posts').select('id').execute()
      expect(posts.length).toBe(13)
      const comments = await restored.app.db.selectFrom('comments').select('id').where('author_name', 'like', 'Lecteur %').execute()
      expect(comments.length).toBe(copied.n)
      const home = await restored.app.inject('/')
      expect(home.statusCode).toBe(200)
    } finally {
      await restored.close()
    }
  })

  it('says clearly when there is nothing to back up or restore', async () => {
    const missing = await cli(['backup', join(tmp.path, 'x.db')], { DATABASE_URL: join(tmp.path, 'none.db') })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('No database at')
    expect(existsSync(join(tmp.path, 'none.db'))).toBe(false)
    const noFile = await cli(['restore', join(tmp.path, 'absent.db')], { DATABASE_URL: join(tmp.path, 'y.db') })
    expect(noFile.code).toBe(1)
    expect(noFile.stderr).toContain('No backup at')
    const usage = await cli(['backup'], { DATABASE_URL: join(tmp.path, 'y.db') })
    expect(usage.code).toBe(2)
  })
})
