// The sitemap's files at the app's own size (URLS_PER_FILE, not lowered here): 2,500 posts make three files of
// posts; no file holds more than the limit, every visible post is in exactly one of them with its page's last
// change, each file's lastmod is the latest of its addresses'; a file number from before (files used to hold
// 10,000 addresses: /sitemap-posts-3.xml of a blog that has since lost posts, or a number past the end) answers 404.
// A post's address is the one postPath gives, its day in the blog's time zone (here one with half-hour offsets and
// summer time) found once per UTC day: Intl's calls are counted.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { URLS_PER_FILE } from '../../src/feeds/sitemap.routes.ts'
import { postPath } from '../../src/lib/urls.ts'
import { parseXml } from '../helpers/feeds.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const TZ = 'America/St_Johns'
const SITE = 'http://blog.test'
const POSTS = 2_500
/** Every 3 h 17 min from 2015-01-01: 342 days, both of the year's clock changes, every hour of the day. */
const STEP = (3 * 60 + 17) * 60_000
const FIRST = Date.parse('2015-01-01T00:05:00.000Z')
const w3c = (iso: string) => iso.replace(/\.\d+Z$/, 'Z')

describe('the sitemap at its own size', () => {
  let blog: TestBlog

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, env: { BLOG_TIMEZONE: TZ } })
    const rows = Array.from({ length: POSTS }, (_, i) => {
      const at = new Date(FIRST + i * STEP).toISOString()
      // Every 10th post edited a year later.
      const updated = i % 10 === 0 ? new Date(FIRST + i * STEP + 365 * 86_400_000).toISOString() : at
      return {
        slug: `billet-${i}`,
        title: `Billet ${i}`,
        status: 'published' as const,
        published_at: at,
        created_at: at,
        updated_at: updated,
      }
    })
    for (let i = 0; i < rows.length; i += 250)
      await blog.app.db
        .insertInto('posts')
        .values(rows.slice(i, i + 250))
        .execute()
    // Neither a draft nor a scheduled post is listed.
    const soon = new Date(Date.now() + 86_400_000).toISOString()
    await blog.app.db
      .insertInto('posts')
      .values([
        { slug: 'brouillon', title: 'Brouillon', status: 'draft', published_at: null, created_at: soon, updated_at: soon },
        { slug: 'programme', title: 'Programmé', status: 'published', published_at: soon, created_at: soon, updated_at: soon },
      ])
      .execute()
    // An approved comment on every 97th post, two years on; a pending one on every 89th (no change to readers).
    const ids = await blog.app.db.selectFrom('posts').select(['id', 'slug']).execute()
    const comments = ids
      .filter((p) => /^billet-\d+$/.test(p.slug))
      .flatMap((p) => {
        const i = Number(p.slug.slice(7))
        const at = new Date(FIRST + i * STEP + 730 * 86_400_000).toISOString()
        return [
          ...(i % 97 === 0
            ? [{ post_id: p.id, parent_id: null, author_name: 'Lucie', body: 'Merci', status: 'approved' as const, created_at: at }]
            : []),
          ...(i % 89 === 0
            ? [{ post_id: p.id, parent_id: null, author_name: 'Marc', body: 'Oui', status: 'pending' as const, created_at: at }]
            : []),
        ]
      })
    await blog.app.db.insertInto('comments').values(comments).execute()
  }, 60_000)
  afterAll(() => blog.close())

  async function urlsOf(path: string) {
    const res = await blog.app.inject(path)
    expect(res.statusCode, path).toBe(200)
    return (parseXml(res.body).urlset.url as Array<{ loc: string; lastmod: string }>).map((u) => ({
      path: u.loc.replace(SITE, ''),
      lastmod: u.lastmod,
    }))
  }

  it('finds each post’s day in the time zone once per UTC day, not once per post', async () => {
    // First of all: no post's day has been computed yet (postPath keeps those it computed).
    const intl = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts')
    try {
      const urls = await urlsOf('/sitemap-posts-2.xml')
      expect(urls).toHaveLength(URLS_PER_FILE)
      const days = new Set(
        Array.from({ length: URLS_PER_FILE }, (_, i) => new Date(FIRST + (URLS_PER_FILE + i) * STEP).toISOString().slice(0, 10)),
      )
      // Two per UTC day (its offset at both ends), one per post of a day the clocks change, a few for the index.
      expect(intl.mock.calls.length).toBeLessThanOrEqual(2 * days.size + 30)
      expect(intl.mock.calls.length).toBeLessThan(URLS_PER_FILE / 2)
    } finally {
      intl.mockRestore()
    }
  })

  it('cuts the posts into files of at most URLS_PER_FILE, each post once, with the right last changes', async () => {
    expect(URLS_PER_FILE).toBeLessThanOrEqual(2_000)
    const res = await blog.app.inject('/sitemap.xml')
    expect(res.statusCode).toBe(200)
    const index = (parseXml(res.body).sitemapindex.sitemap as Array<{ loc: string; lastmod: string }>).map((s) => ({
      path: s.loc.replace(SITE, ''),
      lastmod: s.lastmod,
    }))
    const files = index.filter((f) => f.path.startsWith('/sitemap-posts-'))
    expect(files.map((f) => f.path)).toEqual(
      Array.from({ length: Math.ceil(POSTS / URLS_PER_FILE) }, (_, i) => `/sitemap-posts-${i + 1}.xml`),
    )
    // Each visible post's address and last change, oldest first, as the post's own page and postPath say.
    const expected = Array.from({ length: POSTS }, (_, i) => {
      const at = new Date(FIRST + i * STEP).toISOString()
      let lastmod = at
      if (i % 10 === 0) lastmod = new Date(FIRST + i * STEP + 365 * 86_400_000).toISOString()
      if (i % 97 === 0) lastmod = new Date(FIRST + i * STEP + 730 * 86_400_000).toISOString()
      return { path: postPath({ slug: `billet-${i}`, published_at: at }, TZ), lastmod: w3c(lastmod) }
    })
    const listed: Array<{ path: string; lastmod: string }> = []
    for (const f of files) {
      const urls = await urlsOf(f.path)
      expect(urls.length, f.path).toBeGreaterThan(0)
      expect(urls.length, f.path).toBeLessThanOrEqual(URLS_PER_FILE)
      expect(f.lastmod, f.path).toBe(urls.map((u) => u.lastmod).reduce((a, b) => (b > a ? b : a)))
      listed.push(...urls)
    }
    expect(listed).toEqual(expected)
    expect(new Set(listed.map((u) => u.path)).size).toBe(POSTS)
    // A few addresses answer (the day in the time zone is the page's own).
    for (const i of [0, 1_000, 1_234, 2_499]) expect((await blog.app.inject(expected[i]!.path)).statusCode, expected[i]!.path).toBe(200)
  })

  it('answers 404 for a file number past the end, as a crawler may ask from an older index', async () => {
    for (const n of [Math.ceil(POSTS / URLS_PER_FILE) + 1, 10, 100]) {
      const res = await blog.app.inject(`/sitemap-posts-${n}.xml`)
      expect(res.statusCode, String(n)).toBe(404)
    }
  })
})
