// After a write, the sitemap reads again only the files from the earliest day a post was added to, removed from or
// moved on (sitemap_moves: migrations/2026_12_07_05_10_00_sitemap_moves.ts): a new post, the newest, or an edit
// looks up the last file's start alone.
// After every kind of write (a post, a post back in time, a comment, a page, an edit, a change of date, an
// unpublished post, a deletion, a post made a page, a post from another instance, a scheduled post coming due), its
// index and its files of posts must be those an instance that never kept a layout serves, on the same database:
// built from scratch.
// Files of 3 posts, 4 posts a day: files begin in the middle of days, and a new file begins at the limit.
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost, deletePost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { testDialect } from '../helpers/database.ts'

const PER_FILE = 3

describe('the sitemap layout after each kind of write', () => {
  let blog: TestBlog
  const ids: number[] = []
  /** The positions whose file's start was looked up (one statement each on SQLite, one for all on PostgreSQL). */
  let lookedUp = 0

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, build: { sitemapUrlsPerFile: PER_FILE } })
    for (let day = 0; day < 5; day++) {
      for (let hour = 8; hour < 16; hour += 2) {
        const at = new Date(Date.UTC(2024, 2, 1 + day, hour)).toISOString()
        ids.push(
          (await createPost(blog.app.db, { title: `Billet ${ids.length}`, body: 'x', status: 'published', publishedAt: at, createdAt: at }))
            .id,
        )
      }
    }
    countLookups(blog.app)
  }, 60_000)
  afterAll(() => blog.close())

  function countLookups(app: FastifyInstance) {
    if (testDialect() === 'sqlite') {
      const prepare = app.statements.prepare.bind(app.statements)
      app.statements.prepare = (sql: string) => {
        const stmt = prepare(sql)
        if (!/\boffset\b/i.test(sql) || !/"posts"/.test(sql)) return stmt
        return new Proxy(stmt, {
          get(target, name) {
            const value = Reflect.get(target, name) as unknown
            if (typeof value !== 'function') return value
            return (...args: unknown[]) => {
              if (name === 'all' || name === 'get' || name === 'iterate') lookedUp++
              return (value as (...a: unknown[]) => unknown).apply(target, args)
            }
          },
        })
      }
      return
    }
    const db = app.db as unknown as { executeQuery: (q: { sql: string; parameters: readonly unknown[] }) => Promise<unknown> }
    const executeQuery = db.executeQuery.bind(db)
    db.executeQuery = (q) => {
      if (/\blateral\b/i.test(q.sql) && /"posts"/.test(q.sql)) lookedUp += (JSON.parse(String(q.parameters[0])) as unknown[]).length
      return executeQuery(q)
    }
  }

  /** The index and every file of posts it lists. */
  async function sitemapOf(app: FastifyInstance) {
    const index = (await app.inject('/sitemap.xml')).body
    const files = [...index.matchAll(/<loc>http:\/\/blog\.test(\/sitemap-posts-\d+\.xml)<\/loc>/g)].map((m) => m[1]!)
    return { index, files: await Promise.all(files.map(async (path) => [path, (await app.inject(path)).body])) }
  }

  /** What this instance serves beside one built from scratch on the same database; the starts looked up. */
  async function expectAsFromScratch(): Promise<number> {
    lookedUp = 0
    const kept = await sitemapOf(blog.app)
    const looked = lookedUp
    const scratch = await buildTestApp({ demo: false, dir: blog.dir, build: { sitemapUrlsPerFile: PER_FILE } })
    try {
      expect(kept).toEqual(await sitemapOf(scratch.app))
    } finally {
      await scratch.app.close()
    }
    return looked
  }

  const filesOf = async () => [...(await blog.app.inject('/sitemap.xml')).body.matchAll(/sitemap-posts-(\d+)\.xml/g)].length
  const post = (title: string, at: string, kind: 'post' | 'page' = 'post') =>
    createPost(blog.app.db, { title, body: 'x', status: 'published', publishedAt: at, createdAt: at, kind })
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString()

  it('reads again only the files from the day written on, and serves what a layout from scratch says', async () => {
    // 20 posts: 7 files, the last with 2.
    expect(await expectAsFromScratch()).toBe(7)
    expect(await filesOf()).toBe(7)

    // The newest post: the last file alone (now full), then a new file begins (the last two).
    await post('Nouveau', '2025-01-01T10:00:00.000Z')
    expect(await expectAsFromScratch()).toBe(1)
    await post('Encore', '2025-01-01T11:00:00.000Z')
    expect(await expectAsFromScratch()).toBe(2)
    expect(await filesOf()).toBe(8)

    // A comment moves no post: nothing looked up.
    await blog.app.db
      .insertInto('comments')
      .values({ post_id: ids[2]!, parent_id: null, author_name: 'Lucie', body: 'Merci', status: 'approved', created_at: minutesAgo(1) })
      .execute()
    expect(await expectAsFromScratch()).toBe(0)

    // A static page is no post: the last file only.
    await post('À propos', minutesAgo(1), 'page')
    expect(await expectAsFromScratch()).toBe(1)

    // A post back in time, on the 2nd of March: the files from the second on (it begins on the 1st; the third
    // on the 2nd).
    const back = await post('Retour', '2024-03-02T09:00:00.000Z')
    expect(await expectAsFromScratch()).toBe(7)
    expect(await filesOf()).toBe(8)

    // Old posts edited (the 4th of March, then the 3rd: days files begin in, so their lastmods move): no file
    // moves, the last is read again, and the posts of the day edited.
    await blog.app.db
      .updateTable('posts')
      .set({ updated_at: minutesAgo(1) })
      .where('id', '=', ids[13]!)
      .execute()
    expect(await expectAsFromScratch()).toBe(1)
    await blog.app.db
      .updateTable('posts')
      .set({ updated_at: minutesAgo(0.5) })
      .where('id', '=', ids[10]!)
      .execute()
    expect(await expectAsFromScratch()).toBe(1)

    // Its date changed to the 5th: read again from its old day.
    await blog.app.db.updateTable('posts').set({ published_at: '2024-03-05T09:00:00.000Z' }).where('id', '=', ids[13]!).execute()
    expect(await expectAsFromScratch()).toBe(4)

    // Unpublished (the 1st of March): every file; published again.
    await blog.app.db.updateTable('posts').set({ status: 'draft' }).where('id', '=', ids[1]!).execute()
    expect(await expectAsFromScratch()).toBe(8)
    await blog.app.db.updateTable('posts').set({ status: 'published' }).where('id', '=', ids[1]!).execute()
    expect(await expectAsFromScratch()).toBe(8)

    // Deleted, and a post of the 5th made a page: from the file that ends that day (the fifth) on.
    await deletePost(blog.app.db, back.id)
    expect(await expectAsFromScratch()).toBe(7)
    await blog.app.db.updateTable('posts').set({ kind: 'page' }).where('id', '=', ids[18]!).execute()
    expect(await expectAsFromScratch()).toBe(3)

    // Written by another instance (its own connection), back on the 4th: the files from the fourth (ends that day) on.
    const other = await buildTestApp({ demo: false, dir: blog.dir, build: { sitemapUrlsPerFile: PER_FILE } })
    try {
      await createPost(other.app.db, { title: 'Ailleurs', body: 'x', status: 'published', publishedAt: '2024-03-04T09:00:00.000Z' })
    } finally {
      await other.app.close()
    }
    expect(await expectAsFromScratch()).toBe(5)

    // A scheduled post: the last file alone, before it comes due and after (with no write).
    await post('Programmé', new Date(Date.now() + 1_500).toISOString())
    expect(await expectAsFromScratch()).toBe(1)
    const before = (await blog.app.inject('/sitemap-posts-8.xml')).body
    await new Promise((r) => setTimeout(r, 1_700))
    expect(await expectAsFromScratch()).toBe(1)
    expect((await blog.app.inject('/sitemap-posts-8.xml')).body).not.toBe(before)
    expect(await filesOf()).toBe(8)
  })
})
