// /sitemap.xml is a sitemap index (sitemaps.org) of files of at most N addresses each; the limit is lowered here
// (50,000 is the protocol's, 10,000 the app's) so that a few posts make several files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { allSitemapUrls, parseXml } from '../helpers/feeds.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const PER_FILE = 3
const TZ = 'Europe/Paris'
const SITE = 'http://blog.test'

describe('sitemap index', () => {
  let blog: TestBlog
  const paths: string[] = []

  const publish = async (title: string, at: string, categories: string[] = []) => {
    const { slug } = await createPost(blog.app.db, { title, body: 'x', status: 'published', publishedAt: at, createdAt: at, categories })
    paths.push(postPath({ slug, published_at: at }, TZ))
    return slug
  }

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, build: { sitemapUrlsPerFile: PER_FILE } })
    // PER_FILE + 1 visible posts, oldest first, in three months; a draft and a scheduled post that no file lists.
    await publish('Premier', '2016-01-05T10:00:00.000Z', ['Voyages'])
    await publish('Deuxième', '2016-01-20T10:00:00.000Z')
    await publish('Troisième', '2016-02-10T10:00:00.000Z')
    await publish('Quatrième', '2016-03-01T10:00:00.000Z')
    await createPost(blog.app.db, { title: 'Brouillon caché', body: 'x', status: 'draft' })
    const soon = new Date(Date.now() + 86_400_000).toISOString()
    await createPost(blog.app.db, { title: 'Programmé caché', body: 'x', status: 'published', publishedAt: soon })
    // A comment on the second post, later than the fourth post: the first file's last change.
    const second = await blog.app.db.selectFrom('posts').select('id').where('title', '=', 'Deuxième').executeTakeFirstOrThrow()
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: second.id,
        parent_id: null,
        author_name: 'Lucie',
        body: 'Merci',
        status: 'approved',
        created_at: '2016-04-01T08:00:00.000Z',
      })
      .execute()
  })
  afterAll(() => blog.close())

  async function index() {
    const res = await blog.app.inject('/sitemap.xml')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
    const doc = parseXml(res.body)
    expect(doc.sitemapindex['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9')
    expect(doc.urlset).toBeUndefined()
    return (doc.sitemapindex.sitemap as Array<{ loc: string; lastmod: string }>).map((s) => ({
      path: s.loc.replace(SITE, ''),
      lastmod: s.lastmod,
    }))
  }

  async function file(path: string) {
    const res = await blog.app.inject(path)
    expect(res.statusCode, path).toBe(200)
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
    const urls = parseXml(res.body).urlset.url as Array<{ loc: string; lastmod: string }>
    expect(urls.length, path).toBeLessThanOrEqual(PER_FILE)
    return urls.map((u) => ({ path: u.loc.replace(SITE, ''), lastmod: u.lastmod }))
  }

  it('points to files of at most N addresses each, every visible page once, with their last changes', async () => {
    expect(await index()).toEqual([
      // The home page, the category and the three months (newest first): five addresses, two files; January's
      // last change is the comment's.
      { path: '/sitemap-lists-1.xml', lastmod: '2016-04-01T08:00:00Z' },
      { path: '/sitemap-lists-2.xml', lastmod: '2016-04-01T08:00:00Z' },
      // N + 1 posts: two files, the first with the comment's time.
      { path: '/sitemap-posts-1.xml', lastmod: '2016-04-01T08:00:00Z' },
      { path: '/sitemap-posts-2.xml', lastmod: '2016-03-01T10:00:00Z' },
    ])
    expect(await file('/sitemap-posts-1.xml')).toEqual([
      { path: paths[0], lastmod: '2016-01-05T10:00:00Z' },
      { path: paths[1], lastmod: '2016-04-01T08:00:00Z' },
      { path: paths[2], lastmod: '2016-02-10T10:00:00Z' },
    ])
    expect(await file('/sitemap-posts-2.xml')).toEqual([{ path: paths[3], lastmod: '2016-03-01T10:00:00Z' }])
    expect([...(await file('/sitemap-lists-1.xml')), ...(await file('/sitemap-lists-2.xml'))]).toEqual([
      { path: '/', lastmod: '2016-04-01T08:00:00Z' },
      // A category changes with the posts on its first page.
      { path: '/category/voyages', lastmod: '2016-01-05T10:00:00Z' },
      { path: '/archive/2016/03/', lastmod: '2016-03-01T10:00:00Z' },
      { path: '/archive/2016/02/', lastmod: '2016-02-10T10:00:00Z' },
      { path: '/archive/2016/01/', lastmod: '2016-04-01T08:00:00Z' },
    ])
    // Every address answers, and none is a hidden post.
    const all = await allSitemapUrls(blog.app)
    expect(all).toHaveLength(9)
    for (const u of all) expect((await blog.app.inject(u.loc.replace(SITE, ''))).statusCode, u.loc).toBe(200)
    expect(JSON.stringify(all)).not.toMatch(/cache/)
  })

  it('answers 404 for a file past the end or of no kind', async () => {
    for (const path of ['/sitemap-posts-3.xml', '/sitemap-posts-0.xml', '/sitemap-nothing-1.xml', '/sitemap-lists-9.xml']) {
      expect((await blog.app.inject(path)).statusCode, path).toBe(404)
    }
  })

  it('changes only the last file of posts when a post is published', async () => {
    const before = await file('/sitemap-posts-1.xml')
    await publish('Cinquième', '2016-05-01T10:00:00.000Z')
    const after = await index()
    expect(after.find((f) => f.path === '/sitemap-posts-1.xml')!.lastmod).toBe('2016-04-01T08:00:00Z')
    expect(after.find((f) => f.path === '/sitemap-posts-2.xml')!.lastmod).toBe('2016-05-01T10:00:00Z')
    expect(after.some((f) => f.path === '/sitemap-posts-3.xml')).toBe(false)
    expect(await file('/sitemap-posts-1.xml')).toEqual(before)
    expect((await file('/sitemap-posts-2.xml')).map((u) => u.path)).toEqual([paths[3], paths[4]])
  })

  it('follows the comments: approved, held back, approved again, deleted', async () => {
    const lastmod = async () => (await index()).find((f) => f.path === '/sitemap-posts-1.xml')!.lastmod
    const comment = () => blog.app.db.updateTable('comments').where('author_name', '=', 'Lucie')
    await comment().set({ status: 'pending' }).execute()
    expect(await lastmod()).toBe('2016-02-10T10:00:00Z')
    await comment().set({ status: 'approved' }).execute()
    expect(await lastmod()).toBe('2016-04-01T08:00:00Z')
    await blog.app.db.deleteFrom('comments').where('author_name', '=', 'Lucie').execute()
    expect(await lastmod()).toBe('2016-02-10T10:00:00Z')
  })

  it('moves the lastmod of the file of a post commented or edited, and only that one; a comment leaves the posts’ figures', async () => {
    const version = async () =>
      (await blog.app.db.selectFrom('site_state').select('posts_version').where('id', '=', 1).executeTakeFirstOrThrow()).posts_version
    const lastmods = async () => Object.fromEntries((await index()).map((f) => [f.path, f.lastmod]))
    const before = await lastmods()
    const posts = await blog.app.db.selectFrom('posts').select(['id', 'title']).execute()
    const id = (title: string) => posts.find((p) => p.title === title)!.id
    // A comment on the fourth post (second file): that file moves; the posts' version (what the sidebar's and
    // the pagers' counts are kept by) does not.
    const v = await version()
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: id('Quatrième'),
        parent_id: null,
        author_name: 'Marc',
        body: 'Oui',
        status: 'approved',
        created_at: '2016-06-01T08:00:00.000Z',
      })
      .execute()
    expect(await version()).toBe(v)
    // (The home page, in the first file of lists, and March, in the second, list it too.)
    const changed = {
      '/sitemap-posts-2.xml': '2016-06-01T08:00:00Z',
      '/sitemap-lists-1.xml': '2016-06-01T08:00:00Z',
      '/sitemap-lists-2.xml': '2016-06-01T08:00:00Z',
    }
    expect(await lastmods()).toEqual({ ...before, ...changed })
    // An edit of the first post: the first file moves.
    await blog.app.db.updateTable('posts').set({ updated_at: '2016-07-01T08:00:00.000Z' }).where('id', '=', id('Premier')).execute()
    const after = await lastmods()
    expect(after['/sitemap-posts-1.xml']).toBe('2016-07-01T08:00:00Z')
    expect(after['/sitemap-posts-2.xml']).toBe('2016-06-01T08:00:00Z')
    expect((await file('/sitemap-posts-1.xml'))[0]).toEqual({ path: paths[0], lastmod: '2016-07-01T08:00:00Z' })
  })

  it('is named in robots.txt', async () => {
    const res = await blog.app.inject('/robots.txt')
    expect(res.body.split('\n')).toContain(`Sitemap: ${SITE}/sitemap.xml`)
  })
})
