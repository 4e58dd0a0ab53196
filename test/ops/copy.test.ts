// `npm run cli -- copy <from> <to>`: the whole blog, row for row, into a new database; a non-empty target or a
// bad argument is refused with a clear message and nothing written.
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { copyBlog, COPIED_TABLES, CopyError, parseDatabaseUrl } from '../../src/ops/copy.ts'
import { buildTestApp, useTempDir } from '../helpers/app.ts'
import { openPost, send } from '../helpers/comments.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { runCli } from '../helpers/cli.ts'

const cli = runCli

function rowsOf(path: string, table: string, orderBy: readonly string[]): unknown[] {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    return db.prepare(`select * from ${table} order by ${orderBy.join(', ')}`).all()
  } finally {
    db.close()
  }
}

/** A blog with something in every table: demo posts, comments and a reply, an admin, a renamed post, a sign-out. */
async function filledBlog(dir: string) {
  const blog = await buildTestApp({ dir, env: { COMMENT_RATE_LIMIT: '0' } })
  const post = await openPost(blog, { title: 'Une note à copier, 🌿 مرحبا' })
  const first = await send(blog, post.url, { author: 'Zoë', email: 'zoe@exämple.fr', body: 'Premier commentaire.' })
  const parent = Number(/#comment-(\d+)/.exec(first.headers.location as string)![1])
  await send(blog, post.url, { author: 'Rania', body: 'Une réponse.', parent: String(parent) })
  await createAdmin(blog.app)
  const admin = await signedIn(blog.app)
  await admin.post('/admin/logout')
  await blog.app.db.insertInto('post_redirects').values({ old_slug: 'ancienne-adresse', post_id: post.id }).execute()
  // More rows than one batch (1,000), to copy in several.
  for (let start = 0; start < 2_500; start += 250) {
    const rows = Array.from({ length: 250 }, (_, i) => ({
      post_id: post.id,
      parent_id: null,
      author_name: `Lecteur ${start + i}`,
      author_email: null,
      author_url: null,
      body: `Commentaire en nombre ${start + i}`,
      status: 'approved' as const,
      created_at: new Date(Date.now() - 1000 * (start + i)).toISOString(),
      ip: '203.0.113.9',
      body_key: `k${start + i}`,
    }))
    await blog.app.db.insertInto('comments').values(rows).execute()
  }
  await blog.app.db.insertInto('login_failures').values({ username: 'mallory', created_at: new Date().toISOString() }).execute()
  return { blog, post }
}

describe('copy', () => {
  const tmp = useTempDir('copy')

  it('copies every table row for row into a new SQLite file, and the copy serves the same pages', async () => {
    const { blog, post } = await filledBlog(join(tmp.path, 'from'))
    const pages = { home: (await blog.app.inject('/')).body, post: (await blog.app.inject(post.url)).body }
    await blog.close()
    const from = join(tmp.path, 'from', 'carnet.db')
    const to = join(tmp.path, 'to', 'carnet.db')

    const run = await cli(['copy', from, to])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /Copied .*from\/carnet\.db to .*to\/carnet\.db: \d+ rows in \d+ tables .*row counts checked, every table matches/,
    )

    for (const { table, orderBy } of COPIED_TABLES) {
      const source = rowsOf(from, table, orderBy)
      if (['users', 'settings', 'posts', 'comments', 'audit_log', 'revoked_sessions', 'post_redirects', 'login_failures'].includes(table)) {
        expect(source.length, table).toBeGreaterThan(0)
      }
      expect(rowsOf(to, table, orderBy), table).toEqual(source)
    }
    // What triggers derive was rebuilt by the target's triggers.
    expect(rowsOf(to, 'post_stats', ['post_id'])).toEqual(rowsOf(from, 'post_stats', ['post_id']))

    const copy = await buildTestApp({ dir: join(tmp.path, 'to') })
    try {
      expect((await copy.app.inject('/')).body).toBe(pages.home)
      expect((await copy.app.inject(post.url)).body).toBe(pages.post)
      // The search index is rebuilt from the copied posts.
      expect((await copy.app.inject('/search?q=copier')).body).toContain('Une note à copier')
      // New rows get new ids after the copied ones.
      const next = await send(copy, post.url, { author: 'Zoë', body: 'Après la copie.' })
      expect(next.statusCode).toBe(303)
    } finally {
      await copy.close()
    }
  }, 60_000)

  it('refuses a target that holds a blog, and writes nothing to it', async () => {
    const { blog } = await filledBlog(join(tmp.path, 'from'))
    await blog.close()
    const other = await buildTestApp({ dir: join(tmp.path, 'to'), demo: true })
    await other.close()
    const from = join(tmp.path, 'from', 'carnet.db')
    const to = join(tmp.path, 'to', 'carnet.db')
    const before = rowsOf(to, 'posts', ['id'])
    await expect(copyBlog(parseDatabaseUrl(from, 'from'), parseDatabaseUrl(to, 'to'))).rejects.toThrow(
      /to\/carnet\.db is not empty \(.*posts.*\): copy only into a new, empty database\./,
    )
    expect(rowsOf(to, 'posts', ['id'])).toEqual(before)
    await expect(copyBlog(parseDatabaseUrl(from, 'from'), parseDatabaseUrl(from, 'to'))).rejects.toThrow(/the same database/)
  }, 60_000)

  it('says clearly what is wrong with an argument', async () => {
    expect(() => parseDatabaseUrl('mysql://root@localhost/blog', 'to')).toThrow(CopyError)
    expect(() => parseDatabaseUrl('mysql://root@localhost/blog', 'to')).toThrow(
      '<to> has an unknown scheme mysql:// (use a SQLite file path or postgres://user:password@host:port/database): "mysql://root@localhost/blog"',
    )
    await expect(
      copyBlog(parseDatabaseUrl(join(tmp.path, 'none.db'), 'from'), parseDatabaseUrl(join(tmp.path, 'x.db'), 'to')),
    ).rejects.toThrow(`No database at ${join(tmp.path, 'none.db')}.`)
    const run = await cli(['copy', join(tmp.path, 'a.db'), 'http://example.org/b'])
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toBe(
      '<to> has an unknown scheme http:// (use a SQLite file path or postgres://user:password@host:port/database): "http://example.org/b"',
    )
    const usage = await cli(['copy', join(tmp.path, 'a.db')])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/^Usage: npm run cli -- copy <from> <to>/)
  }, 60_000)

  it('backup and restore on a PostgreSQL DATABASE_URL give the pg_dump / pg_restore command', async () => {
    const env = { DATABASE_URL: 'postgres://carnet:secret@db.example.org:5432/carnet' }
    const backup = await cli(['backup', '/backups/carnet.dump'], env)
    expect(backup.code).toBe(1)
    expect(backup.stderr).toContain('pg_dump --format=custom --file=/backups/carnet.dump "$DATABASE_URL"')
    const restore = await cli(['restore', '/backups/carnet.dump'], env)
    expect(restore.code).toBe(1)
    expect(restore.stderr).toContain('pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" /backups/carnet.dump')
    expect(backup.stderr + restore.stderr).not.toContain('secret')
  }, 60_000)
})
