// The author page follows the blog's rules for public pages: cached, and fresh on every instance at the next
// request after a change made through another (a profile saved on A is on B's cached author page, and its
// bylines); in English when the blog is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createUser } from '../../src/admin/users.ts'
import { createPost } from '../../src/content/posts.write.ts'

const PASSWORD = 'correct horse battery'

describe('the author page on two instances', () => {
  let a: TestBlog
  let b: TestBlog
  beforeAll(async () => {
    a = await buildTestApp({ demo: false })
    b = await buildTestApp({ demo: false, dir: a.dir, env: { SESSION_KEY: a.config.sessionKey ?? '' } })
    await createUser(a.app.db, 'sam', PASSWORD)
    await createUser(a.app.db, 'tess', PASSWORD, 'author')
    const ids = await a.app.db.selectFrom('users').select(['id', 'username']).execute()
    for (const u of ids) {
      await createPost(a.app.db, {
        title: `Note de ${u.username}`,
        body: 'texte',
        status: 'published',
        publishedAt: '2026-01-01T00:00:00.000Z',
        authorId: u.id,
      })
    }
  })
  afterAll(async () => {
    await b.close()
    await a.close()
  })

  it('is cached, and a profile saved through A is on B’s page and bylines at the next request', async () => {
    const page = () => b.app.inject('/author/tess')
    expect((await page()).statusCode).toBe(200)
    expect((await page()).headers['x-page-cache']).toBe('hit')
    const tess = new AdminClient(a.app)
    await tess.signIn('tess', PASSWORD)
    await tess.get('/admin/account')
    const saved = await tess.post('/admin/account/profile', { displayName: 'Tess Durand', slug: 'tess', bio: 'Photographe.', portrait: '' })
    expect(saved.statusCode).toBe(303)
    const after = await page()
    expect(after.headers['x-page-cache']).not.toBe('hit')
    expect(after.body).toContain('<p class="p-note author-bio" dir="auto">Photographe.</p>')
    expect((await b.app.inject('/')).body).toContain('rel="author" dir="auto">Tess Durand</a>')
  })

  it('speaks English when the blog does', async () => {
    await a.app.settings.update({ language: 'en' })
    const res = await b.app.inject('/author/tess')
    expect(res.body).toContain('<h1 class="page-heading">Posts by Tess Durand</h1>')
    expect(res.body).toContain('Feeds of their posts: <a href="/author/tess/feed.rss">RSS</a>')
    expect((await b.app.inject('/')).body).toContain(' by <span class="p-author h-card">')
    expect((await b.app.inject('/author/tess/feed.atom')).body).toContain('<title>Carnet – Tess Durand</title>')
  })
})
