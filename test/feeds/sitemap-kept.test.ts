// The sitemap's last changes come from what the database keeps at each write (post_stats.last_comment_at and
// sitemap_days: migrations/2026_12_06_21_00_00_sitemap_days.ts), never from a walk over every post: after any
// write (posts published, edited, moved, unpublished, deleted; comments approved, held back, moved, deleted;
// posts at the time zone's month boundaries, a scheduled post) the index and the lists must say what a walk over
// every post says, and the kept rows what a recount from scratch gives.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost, deletePost } from '../../src/content/posts.write.ts'
import { monthPath } from '../../src/lib/urls.ts'
import { zonedParts } from '../../src/lib/time.ts'
import { allSitemapUrls, parseXml } from '../helpers/feeds.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const PER_FILE = 3
const TZ = 'Europe/Paris'
const SITE = 'http://blog.test'
const w3c = (iso: string) => iso.replace(/\.\d+Z$/, 'Z')

describe('the sitemap from kept data', () => {
  let blog: TestBlog

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, env: { BLOG_TIMEZONE: TZ }, build: { sitemapUrlsPerFile: PER_FILE } })
  })
  afterAll(() => blog.close())

  /** Every visible post with its page's last change, the slow way (its comments read), oldest first. */
  async function walked() {
    const now = new Date().toISOString()
    const { rows } = await sql<{ id: number; published_at: string; updated_at: string; last: string | null }>`
      select p.id, p.published_at, p.updated_at,
        (select max(c.created_at) from comments c where c.post_id = p.id and c.status = 'approved') as last
      from posts p where p.kind = 'post' and p.status = 'published' and p.published_at <= ${now}
      order by p.published_at, p.id`.execute(blog.app.db)
    const lastmod = (r: (typeof rows)[number]) => [r.published_at, r.updated_at, r.last ?? ''].reduce((a, b) => (b > a ? b : a))
    const max = (a: string | undefined, b: string) => (a && a > b ? a : b)
    const files: string[] = []
    const months = new Map<string, string>()
    rows.forEach((r, i) => {
      files[Math.floor(i / PER_FILE)] = max(files[Math.floor(i / PER_FILE)], lastmod(r))
      const { year, month } = zonedParts(r.published_at, TZ)
      months.set(monthPath(year, month), max(months.get(monthPath(year, month)), lastmod(r)))
    })
    return { files: files.map(w3c), months: Object.fromEntries([...months].map(([p, l]) => [p, w3c(l)])) }
  }

  /** The kept rows beside a recount from scratch. */
  async function expectKeptRight() {
    const { rows: recount } = await sql<{ day: string; changed_at: string }>`
      select substr(p.published_at, 1, 10) as day, p.published_at, p.updated_at,
        (select max(c.created_at) from comments c where c.post_id = p.id and c.status = 'approved') as last
      from posts p where p.kind = 'post' and p.status = 'published' and p.published_at is not null`.execute(blog.app.db)
    const days = new Map<string, string>()
    for (const r of recount as unknown as Array<{ day: string; published_at: string; updated_at: string; last: string | null }>) {
      const l = [r.published_at, r.updated_at, r.last ?? ''].reduce((a, b) => (b > a ? b : a))
      days.set(
        r.day,
        [days.get(r.day) ?? '', l].reduce((a, b) => (b > a ? b : a)),
      )
    }
    const kept = await blog.app.db.selectFrom('sitemap_days').select(['day', 'changed_at']).orderBy('day').execute()
    expect(Object.fromEntries(kept.map((k) => [k.day, k.changed_at]))).toEqual(Object.fromEntries([...days].sort()))
    const { rows: stats } = await sql<{ post_id: number; last_comment_at: string | null; last: string | null }>`
      select ps.post_id, ps.last_comment_at,
        (select max(c.created_at) from comments c where c.post_id = ps.post_id and c.status = 'approved') as last
      from post_stats ps`.execute(blog.app.db)
    for (const s of stats) expect(s.last_comment_at, `post ${s.post_id}`).toBe(s.last)
  }

  /** What the sitemap serves beside the walk. */
  async function expectSitemapRight() {
    await expectKeptRight()
    const expected = await walked()
    const index = parseXml((await blog.app.inject('/sitemap.xml')).body).sitemapindex.sitemap as Array<{ loc: string; lastmod: string }>
    expect(index.filter((s) => s.loc.includes('sitemap-posts-')).map((s) => s.lastmod)).toEqual(expected.files)
    const urls = await allSitemapUrls(blog.app)
    const months = urls.filter((u) => /\/archive\/\d{4}\/\d\d\/$/.test(u.loc))
    expect(Object.fromEntries(months.map((u) => [u.loc.replace(SITE, ''), u.lastmod]))).toEqual(expected.months)
    // Each lists file's lastmod is its addresses' latest.
    for (const s of index.filter((s) => s.loc.includes('sitemap-lists-'))) {
      const file = parseXml((await blog.app.inject(s.loc.replace(SITE, ''))).body).urlset.url as Array<{ lastmod: string }>
      expect(s.lastmod, s.loc).toBe(file.map((u) => u.lastmod).reduce((a, b) => (b > a ? b : a)))
    }
    const home = urls.find((u) => u.loc === `${SITE}/`)!
    expect(home.lastmod).toBe(expected.files.reduce((a, b) => (b > a ? b : a), home.lastmod))
  }

  const post = (title: string, at: string) =>
    createPost(blog.app.db, { title, body: 'x', status: 'published', publishedAt: at, createdAt: at })
  const comment = async (postId: number, at: string, status: 'approved' | 'pending' = 'approved') =>
    (
      await blog.app.db
        .insertInto('comments')
        .values({ post_id: postId, parent_id: null, author_name: 'Lucie', body: `À ${at}`, status, created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  it('says what a walk over every post says, after every kind of write', async () => {
    await expectSitemapRight()
    // 31 March 2024 in UTC: until 22:00 it is March in Paris, then April (summer time began that morning).
    const march = await post('Fin mars', '2024-03-31T21:30:00.000Z')
    const april = await post('Début avril', '2024-03-31T22:30:00.000Z')
    const other = await post('Autre jour', '2024-03-30T10:00:00.000Z')
    await post('Janvier', '2024-01-10T10:00:00.000Z')
    await post('Février', '2024-02-10T10:00:00.000Z')
    await post('Tout à l’heure', new Date(Date.now() - 60_000).toISOString())
    await post('Programmé', new Date(Date.now() + 3_600_000).toISOString())
    await expectSitemapRight()

    // Comments: approved (March's page changes in May), a newer one held back, approved, held back again.
    const first = await comment(march.id, '2024-05-01T08:00:00.000Z')
    const held = await comment(march.id, '2024-06-01T08:00:00.000Z', 'pending')
    await expectSitemapRight()
    await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', held).execute()
    await expectSitemapRight()
    await blog.app.db.updateTable('comments').set({ status: 'spam' }).where('id', '=', held).execute()
    await expectSitemapRight()
    // Moved to April's post, then deleted.
    await blog.app.db.updateTable('comments').set({ post_id: april.id }).where('id', '=', first).execute()
    await expectSitemapRight()
    await blog.app.db.deleteFrom('comments').where('id', '=', first).execute()
    await expectSitemapRight()

    // Posts: edited, moved to another day, unpublished, published again, deleted with its comments.
    await blog.app.db.updateTable('posts').set({ updated_at: '2024-07-01T09:00:00.000Z' }).where('id', '=', other.id).execute()
    await expectSitemapRight()
    await blog.app.db.updateTable('posts').set({ published_at: '2024-03-31T23:00:00.000Z' }).where('id', '=', other.id).execute()
    await expectSitemapRight()
    await blog.app.db.updateTable('posts').set({ status: 'draft' }).where('id', '=', other.id).execute()
    await expectSitemapRight()
    await blog.app.db.updateTable('posts').set({ status: 'published' }).where('id', '=', other.id).execute()
    await comment(april.id, '2024-08-01T08:00:00.000Z')
    await expectSitemapRight()
    await deletePost(blog.app.db, april.id)
    await expectSitemapRight()
    // A static page is no post: its comments and edits are its own sitemap's.
    await blog.app.db.updateTable('posts').set({ kind: 'page' }).where('id', '=', march.id).execute()
    await expectSitemapRight()
  })
})
