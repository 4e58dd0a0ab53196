// Pages and the menu keep the blog's cache rules on every instance: an edit of a page or of the menu through one
// instance is on the other's (page-cached) pages at its next request, and a scheduled page appears on time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { addMenuItem, setMenuLabel } from '../../src/pages/pages.repository.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

describe('pages and the menu on two instances', () => {
  let a: TestBlog
  let b: TestBlog
  beforeAll(async () => {
    a = await buildTestApp({ demo: false })
    b = await buildTestApp({ demo: false, dir: a.dir, env: { SESSION_KEY: a.config.sessionKey ?? '' } })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
  })

  const get = async (blog: TestBlog, url: string) => blog.app.inject(url)

  it('serves a page from the page cache, and a change through the other instance at once', async () => {
    const { id } = await createPost(a.app.db, { kind: 'page', title: 'À propos', slug: 'about', body: 'Version un.', status: 'published' })
    expect((await get(b, '/about.html')).body).toContain('Version un.')
    const cached = await get(b, '/about.html')
    expect(cached.headers['x-page-cache']).toBe('hit')
    await a.app.db.updateTable('posts').set({ body_html: '<p>Version deux.</p>' }).where('id', '=', id).execute()
    const after = await get(b, '/about.html')
    expect(after.headers['x-page-cache']).not.toBe('hit')
    expect(after.body).toContain('Version deux.')
    expect(after.headers.etag).toBeDefined()
  })

  it('shows a menu change made through one instance on the other’s cached pages', async () => {
    await get(b, '/')
    expect((await get(b, '/')).headers['x-page-cache']).toBe('hit')
    const page = await a.app.db.selectFrom('posts').select('id').where('slug', '=', 'about').executeTakeFirstOrThrow()
    const item = await addMenuItem(a.app.db, { type: 'page', postId: page.id })
    const withMenu = await get(b, '/')
    expect(withMenu.body).toContain('<a href="/about.html" dir="auto">À propos</a>')
    await setMenuLabel(a.app.db, item, 'Qui suis-je ?')
    expect((await get(b, '/')).body).toContain('<a href="/about.html" dir="auto">Qui suis-je ?</a>')
  })

  it('publishes a scheduled page, and its menu item, when its time comes, with no write', async () => {
    const at = new Date(Date.now() + 1500).toISOString()
    const { id } = await createPost(a.app.db, {
      kind: 'page',
      title: 'Bientôt',
      slug: 'bientot',
      body: 'Là.',
      status: 'published',
      publishedAt: at,
    })
    await addMenuItem(a.app.db, { type: 'page', postId: id })
    expect((await get(b, '/bientot.html')).statusCode).toBe(404)
    expect((await get(b, '/')).body).not.toContain('/bientot.html')
    await new Promise((r) => setTimeout(r, 2000))
    expect((await get(b, '/bientot.html')).statusCode).toBe(200)
    expect((await get(b, '/')).body).toContain('<a href="/bientot.html" dir="auto">Bientôt</a>')
  })
})
