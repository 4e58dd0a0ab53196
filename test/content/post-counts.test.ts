// The lists' counts (sidebar categories and months, pager totals) are kept by the database at each write
// (migrations/2026_12_06_19_30_00_post_counts.ts) and read by src/content/post-counts.ts: they must equal what a
// whole count gives after any write, and a write must not count the blog whole again.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as counts from '../../src/content/post-counts.ts'
import { createPost, deleteCategory, deletePost, ensureCategories, setPostCategories } from '../../src/content/posts.write.ts'
import { monthRange, yearRange, zonedParts } from '../../src/lib/time.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const TZ = 'Europe/Paris'

describe('kept post counts', () => {
  let blog: TestBlog
  const now = () => new Date().toISOString()

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, env: { BLOG_TIMEZONE: TZ } })
  })
  afterAll(() => blog.close())

  /** Counts made the slow way: every post read. */
  async function wholeCounts(at: string) {
    const rows = await sql<{ id: number; published_at: string; category_id: number | null }>`
      select p.id, p.published_at, pc.category_id from posts p left join post_categories pc on pc.post_id = p.id
      where p.status = 'published' and p.published_at <= ${at}`.execute(blog.app.db)
    const posts = new Map<number, string>()
    const categories = new Map<number, number>()
    for (const r of rows.rows) {
      posts.set(r.id, r.published_at)
      if (r.category_id !== null) categories.set(Number(r.category_id), (categories.get(Number(r.category_id)) ?? 0) + 1)
    }
    const months = new Map<string, number>()
    const years = new Map<number, number>()
    for (const at of posts.values()) {
      const { year, month } = zonedParts(at, TZ)
      months.set(`${year}-${month}`, (months.get(`${year}-${month}`) ?? 0) + 1)
      years.set(year, (years.get(year) ?? 0) + 1)
    }
    return { total: posts.size, categories, months, years }
  }

  /** Every kept count read as readers' pages read them, beside the whole count, at `at`. */
  async function expectCountsRight(at = now()) {
    const whole = await wholeCounts(at)
    expect(await counts.countVisible(blog.app.db, at)).toBe(whole.total)
    const ids = await blog.app.db.selectFrom('categories').select(['id', 'name']).execute()
    for (const c of ids) {
      expect(await counts.countVisibleInCategory(blog.app.db, at, c.id), c.name).toBe(whole.categories.get(c.id) ?? 0)
    }
    const listed = await counts.categoriesWithCounts(blog.app.db, at)
    expect(Object.fromEntries(listed.map((c) => [c.name, c.count]))).toEqual(
      Object.fromEntries(ids.filter((c) => whole.categories.has(c.id)).map((c) => [c.name, whole.categories.get(c.id)])),
    )
    const months: Array<[number, number]> = []
    for (let year = 2023; year <= 2027; year++) for (let month = 1; month <= 12; month++) months.push([year, month])
    const monthCounts = await counts.countsVisibleInRanges(
      blog.app.db,
      at,
      months.map(([y, m]) => monthRange(y, m, TZ)),
    )
    months.forEach(([y, m], i) => expect(monthCounts[i], `${y}-${m}`).toBe(whole.months.get(`${y}-${m}`) ?? 0))
    const years = [2023, 2024, 2025, 2026, 2027]
    const yearCounts = await counts.countsVisibleInRanges(
      blog.app.db,
      at,
      years.map((y) => yearRange(y, TZ)),
    )
    years.forEach((y, i) => expect(yearCounts[i], String(y)).toBe(whole.years.get(y) ?? 0))
  }

  const post = (title: string, publishedAt: string | null, categories: string[], status: 'published' | 'draft' = 'published') =>
    createPost(blog.app.db, { title, body: `${title}.`, status, publishedAt, categories })

  it('keep every count right through publishing, scheduling, unpublishing, moves and deletions', async () => {
    await expectCountsRight()
    // Near the time zone's month and year boundaries: 22:30 UTC on 31 March 2024 is 1 April in Paris.
    const a = await post('Avril à Paris', '2024-03-31T22:30:00.000Z', ['Alpha'])
    const b = await post('Mars à Paris', '2024-03-31T21:30:00.000Z', ['Alpha', 'Bêta'])
    const c = await post('Nouvel an', '2023-12-31T23:30:00.000Z', ['Bêta'])
    await post('Été', '2025-06-15T12:00:00.000Z', [])
    const draft = await post('Brouillon', null, ['Alpha'], 'draft')
    await expectCountsRight()

    const inAMinute = new Date(Date.now() + 60_000).toISOString()
    const scheduled = await post('Programmé', inAMinute, ['Alpha', 'Gamma'])
    await expectCountsRight()
    await expectCountsRight(new Date(Date.now() + 120_000).toISOString()) // once due

    // Published, then back to draft; a date moved to another month.
    await blog.app.db
      .updateTable('posts')
      .set({ status: 'published', published_at: '2024-02-29T23:59:59.000Z' })
      .where('id', '=', draft.id)
      .execute()
    await expectCountsRight()
    await blog.app.db.updateTable('posts').set({ published_at: '2025-01-01T00:00:00.000Z' }).where('id', '=', draft.id).execute()
    await expectCountsRight()
    await blog.app.db.updateTable('posts').set({ status: 'draft' }).where('id', '=', a.id).execute()
    await expectCountsRight()

    // Moved to other categories, a category deleted, posts deleted (their categories cascade).
    const [gamma] = await ensureCategories(blog.app.db, ['Gamma'])
    await setPostCategories(blog.app.db, b.id, [gamma!])
    await expectCountsRight()
    const beta = await blog.app.db.selectFrom('categories').select('id').where('name', '=', 'Bêta').executeTakeFirstOrThrow()
    await deleteCategory(blog.app.db, beta.id)
    await expectCountsRight()
    await deletePost(blog.app.db, c.id)
    await deletePost(blog.app.db, scheduled.id)
    await expectCountsRight()
    await expectCountsRight(new Date(Date.now() + 120_000).toISOString())
  })

  it('publish a post without counting the blog whole again', async () => {
    await post('Ancien', '2024-05-05T10:00:00.000Z', ['Delta'])
    await post('Autre', '2024-05-06T10:00:00.000Z', ['Epsilon'])
    const delta = await blog.app.db.selectFrom('categories').select('id').where('name', '=', 'Delta').executeTakeFirstOrThrow()
    // Figures no whole count would give, in the rows of a category and a month the new post does not touch: a
    // blog that counted again would show 1 and 2.
    await blog.app.db.updateTable('category_counts').set({ posts: 41 }).where('category_id', '=', delta.id).execute()
    await blog.app.db.updateTable('month_counts').set({ posts: 40 }).where('month', '=', '2024-05').execute()
    await post('Nouveau', new Date(Date.now() - 1000).toISOString(), ['Epsilon'])
    const home = (await blog.app.inject('/')).body
    expect(home).toMatch(/>Delta<\/a> <span class="count">\(41\)/)
    expect(home).toMatch(/>Epsilon<\/a> <span class="count">\(2\)/)
    const may = await blog.app.inject('/archive/2024/05')
    expect(may.statusCode).toBe(200)
    // The month's pager counts 40 posts: 4 pages of 10 (the default), though 2 are listed.
    expect((await blog.app.inject('/archive/2024/05?page=4')).statusCode).toBe(200)
  })
})
