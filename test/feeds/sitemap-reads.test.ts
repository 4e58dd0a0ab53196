// What the sitemap index reads after a write: its files' starts and lastmods come from kept data (the counts per
// month, the latest change per day, the posts of the days its files begin in), never from a walk over every post;
// after a comment, one statement for every file's lastmod.
// Counted as the rows each statement gives back, from SQLite's statement cache (SQLite only: PostgreSQL has no
// such hook; the same code runs on both, and test/feeds/sitemap.test.ts checks its answers on both).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

// Ten posts a day for 60 days: six files of 100.
const POSTS = 600
const PER_FILE = 100

describe('the sitemap index after a write', () => {
  let blog: TestBlog
  const read: Array<{ sql: string; rows: number }> = []

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, build: { sitemapUrlsPerFile: PER_FILE } })
    // A comment on each tenth post.
    for (let i = 0; i < POSTS; i++) {
      const at = new Date(Date.UTC(2020, 0, 1 + Math.floor(i / 10), 10, i % 60)).toISOString()
      const { id } = await createPost(blog.app.db, {
        title: `Billet ${i}`,
        body: 'x',
        status: 'published',
        publishedAt: at,
        createdAt: at,
        categories: [`Rubrique ${i % 4}`],
      })
      if (i % 10 === 0) {
        await blog.app.db
          .insertInto('comments')
          .values({
            post_id: id,
            parent_id: null,
            author_name: 'Lucie',
            body: 'Merci',
            status: 'approved',
            created_at: '2021-01-01T08:00:00.000Z',
          })
          .execute()
      }
    }
    // Every statement run from now on counts the rows it gives back.
    const statements = blog.app.statements
    const prepare = statements.prepare.bind(statements)
    statements.prepare = (sql: string) => {
      const stmt = prepare(sql)
      const counted = (rows: unknown[]) => (read.push({ sql, rows: rows.length }), rows)
      const methods = stmt as unknown as Record<string, (...args: unknown[]) => unknown>
      return new Proxy(stmt, {
        get(target, name) {
          if (name === 'all') return (...args: unknown[]) => counted(methods.all!(...args) as unknown[])
          if (name === 'get') return (...args: unknown[]) => counted([methods.get!(...args)].filter(Boolean))[0]
          if (name === 'iterate') return (...args: unknown[]) => counted([...(methods.iterate!(...args) as Iterable<unknown>)])
          const value = Reflect.get(target, name) as unknown
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
    }
  }, 60_000)
  afterAll(() => blog.close())

  it('reads a few rows per file and per day, none per post', async () => {
    expect((await blog.app.inject('/sitemap.xml')).statusCode).toBe(200)
    await createPost(blog.app.db, {
      title: 'Nouveau',
      body: 'x',
      status: 'published',
      publishedAt: '2020-04-01T10:00:00.000Z',
      createdAt: '2020-04-01T10:00:00.000Z',
    })
    read.length = 0
    const res = await blog.app.inject('/sitemap.xml')
    expect(res.statusCode).toBe(200)
    // POSTS + 1 posts: seven files of posts, the last with the new post's date; the others with the comments'.
    const lastmods = [...res.body.matchAll(/sitemap-posts-\d+\.xml<\/loc><lastmod>([^<]+)/g)].map((m) => m[1])
    expect(lastmods).toHaveLength(7)
    expect(lastmods[0]).toBe('2021-01-01T08:00:00Z')
    expect(lastmods[6]).toBe('2020-04-01T10:00:00Z')
    // One row per day (61), the posts of the days files begin in (7 × 10 at most), a few of the counts.
    const rows = read.reduce((n, r) => n + r.rows, 0)
    expect(read.filter((r) => r.rows > 80).map((r) => `${r.rows}: ${r.sql}`)).toEqual([])
    expect(rows).toBeLessThan(POSTS / 3)
    // No statement of the index, the lists or a file of posts walks the posts: each reads them by key or by a
    // range of dates (a plan with only the kind and the status to go on reads every published post).
    for (const path of ['/sitemap-lists-1.xml', '/sitemap-posts-2.xml']) expect((await blog.app.inject(path)).statusCode).toBe(200)
    for (const sql of new Set(read.map((r) => r.sql))) {
      const params = Array.from({ length: sql.split('?').length - 1 }, () => null)
      const plan = blog.app.sqlite.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>
      expect(
        plan.map((r) => r.detail).filter((d) => /^SCAN p\b|\(kind=\? AND status=\?\)$/.test(d)),
        sql,
      ).toEqual([])
    }
  })

  it('after a comment, reads its files’ lastmods in one statement; after a post, finds again the starts of its file and those after it', async () => {
    const post = await blog.app.db.selectFrom('posts').select('id').where('title', '=', 'Billet 250').executeTakeFirstOrThrow()
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: post.id,
        parent_id: null,
        author_name: 'Marc',
        body: 'Oui',
        status: 'approved',
        created_at: '2022-01-01T08:00:00.000Z',
      })
      .execute()
    read.length = 0
    const res = await blog.app.inject('/sitemap.xml')
    // Post 250 is in the third file: its lastmod moves, the files' starts (one statement each) are not read again.
    expect([...res.body.matchAll(/sitemap-posts-\d+\.xml<\/loc><lastmod>([^<]+)/g)].map((m) => m[1])[2]).toBe('2022-01-01T08:00:00Z')
    const starts = (r: { sql: string }) => /\boffset\b/i.test(r.sql)
    expect(read.filter(starts)).toEqual([])
    // Nor the kept days one by one, nor the posts of the days files begin in: every file's lastmod comes from
    // one statement (its whole days' latest change, its edge posts' latest comment), two rows a file at most.
    const kept = read.filter((r) => /\bsitemap_days\b/.test(r.sql))
    expect(kept).toHaveLength(1)
    expect(kept[0]!.rows).toBeLessThanOrEqual(2 * 7)
    // By key: a range of the kept days per file, a post's kept figures per post (no scan of either table).
    const plan = blog.app.sqlite.prepare(`explain query plan ${kept[0]!.sql}`).all('[]', '[]') as Array<{ detail: string }>
    expect(plan.map((r) => r.detail).filter((d) => /^(SCAN|SEARCH) (d|ps)\b/.test(d))).toEqual([
      'SEARCH d USING INDEX sqlite_autoindex_sitemap_days_1 (day>? AND day<?)',
      'SEARCH ps USING INTEGER PRIMARY KEY (rowid=?)',
    ])
    expect(read.filter((r) => /\bjoin "posts"/.test(r.sql)).map((r) => r.sql)).toEqual([])
    // A new post, the newest: only the last file's start is looked up again, and the posts of its first day (the
    // 1st of April: one) and of today (none); before sitemap_moves, every file's (seven statements, seven days).
    await createPost(blog.app.db, { title: 'Encore', body: 'x', status: 'published', publishedAt: '2020-04-02T10:00:00.000Z' })
    read.length = 0
    expect((await blog.app.inject('/sitemap.xml')).statusCode).toBe(200)
    expect(read.filter(starts)).toHaveLength(1)
    const days = (r: { sql: string }) => /\bjson_each\b/.test(r.sql) && /\bcross join "posts"/.test(r.sql)
    expect(read.filter(days).map((r) => r.rows)).toEqual([1])
    // A post written back in time (the 15th of January, in the second file): the files from its own on.
    await createPost(blog.app.db, { title: 'Ancien', body: 'x', status: 'published', publishedAt: '2020-01-15T12:00:00.000Z' })
    read.length = 0
    expect((await blog.app.inject('/sitemap.xml')).statusCode).toBe(200)
    expect(read.filter(starts)).toHaveLength(6)
    // A comment moves no post: the files' starts stay.
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: post.id,
        parent_id: null,
        author_name: 'Marc',
        body: 'Encore',
        status: 'approved',
        created_at: '2022-02-01T08:00:00.000Z',
      })
      .execute()
    read.length = 0
    expect((await blog.app.inject('/sitemap.xml')).statusCode).toBe(200)
    expect(read.filter(starts)).toEqual([])
  })
})
