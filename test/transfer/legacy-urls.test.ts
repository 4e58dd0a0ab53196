// An imported post's old WordPress addresses answer 301 to its permanent link; real routes win; drafts and
// unknown addresses stay 404, short links (`/?p=<id>`) included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { addLegacyUrls, legacyKey } from '../../src/transfer/legacy-urls.ts'
import { messages } from '../../src/i18n/index.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'

describe('legacyKey', () => {
  it('keeps WordPress short links and drops query strings, trailing slashes and hosts', () => {
    expect(legacyKey('http://old.example/?p=12')).toBe('/?p=12')
    expect(legacyKey('/index.php?page_id=7&x=1')).toBe('/?p=7')
    expect(legacyKey('https://old.example/2010/05/02/hello-world/?utm=1')).toBe('/2010/05/02/hello-world')
    expect(legacyKey('/caf%C3%A9/')).toBe('/café')
    expect(legacyKey('/?s=search')).toBeUndefined()
    expect(legacyKey('mailto:x@y')).toBeUndefined()
  })
})

describe('old addresses', () => {
  let blog: TestBlog
  const permalink = '/archive/2010/05/02/hello-world.html'
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    const { id } = await createPost(blog.app.db, {
      title: 'Hello world',
      slug: 'hello-world',
      body: 'Hi',
      status: 'published',
      publishedAt: '2010-05-02T10:00:00.000Z',
    })
    await addLegacyUrls(blog.app.db, id, [
      'http://old.example/2010/05/02/hello-world/',
      'http://old.example/?p=12',
      '/2010/05/02/hello-world/',
      '/hello-world/',
      '/search/',
    ])
    const draft = await createPost(blog.app.db, { title: 'Brouillon', slug: 'brouillon', body: 'x', status: 'draft' })
    await addLegacyUrls(blog.app.db, draft.id, ['/?p=13', '/brouillon/'])
  })
  afterAll(() => blog.close())

  for (const url of [
    '/2010/05/02/hello-world/',
    '/2010/05/02/hello-world',
    '/2010/05/02/hello-world/?utm_source=x',
    '/hello-world/',
    '/?p=12',
    '/index.php?p=12',
  ]) {
    it(`${url} answers 301 to the permanent link`, async () => {
      const res = await blog.app.inject({ url })
      expect(res.statusCode).toBe(301)
      expect(res.headers.location).toBe(permalink)
    })
  }

  it('lets the permanent link itself answer', async () => {
    expect((await blog.app.inject({ url: permalink })).statusCode).toBe(200)
  })

  it('lets real routes win over an old address', async () => {
    const res = await blog.app.inject({ url: '/search?q=hello' })
    expect(res.statusCode).toBe(200)
  })

  it('does not reveal a draft: its old addresses, like unknown ones, answer the 404 page', async () => {
    for (const url of ['/brouillon/', '/nothing-here/']) expect((await blog.app.inject({ url })).statusCode, url).toBe(404)
  })

  // WordPress's short links name one post or page: the home page in their place would be a soft 404 (search
  // engines keep it as a duplicate of the home page, readers land on something else than what they followed).
  for (const url of ['/?p=13', '/?page_id=13', '/?p=99', '/?page_id=99', '/index.php?p=13', '/index.php?p=99', '/?p=99&preview=true']) {
    it(`${url} (a draft or no post) answers the 404 page, not the home page`, async () => {
      const res = await blog.app.inject({ url })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(visibleText(res.body)).toContain(messages('fr').notFoundTitle)
    })
  }

  it('leaves the home page and its other query strings alone', async () => {
    for (const url of ['/', '/?utm_source=x', '/?page=1']) {
      const res = await blog.app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).toContain('Hello world')
    }
  })
})
