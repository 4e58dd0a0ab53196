// Missing pages are rendered in full and never cached: a client that asks for too many of them in a minute gets
// the error page with 429 and Retry-After; real pages are never limited, nor are old addresses that redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { NOT_FOUND_PER_MINUTE } from '../../src/http/errors.ts'
import { messages } from '../../src/i18n/index.ts'
import { addLegacyUrls } from '../../src/transfer/legacy-urls.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'

describe('the 404 page is rate-limited', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterAll(() => blog.close())

  it(`answers 429 with the error page after ${NOT_FOUND_PER_MINUTE} missing pages in a minute`, async () => {
    const t = messages('fr')
    for (let i = 0; i < NOT_FOUND_PER_MINUTE; i++) {
      const missing = await blog.app.inject(`/nowhere-${i}`)
      expect(missing.statusCode).toBe(404)
    }
    const refused = await blog.app.inject('/nowhere-else')
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(refused.headers['content-type']).toMatch(/^text\/html/)
    expect(refused.headers['content-security-policy']).toBeTruthy()
    expect(visibleText(refused.body)).toContain(t.tooManyTitle)
    expect(visibleText(refused.body)).toContain(t.tooManyText)

    // Another client is not affected.
    const other = await blog.app.inject({ url: '/nowhere-else', remoteAddress: '192.0.2.7' })
    expect(other.statusCode).toBe(404)
  })

  it('real pages are not limited', async () => {
    for (let i = 0; i < NOT_FOUND_PER_MINUTE + 5; i++) {
      const home = await blog.app.inject('/')
      expect(home.statusCode).toBe(200)
    }
  })

  it('old addresses that redirect are not missing pages: a crawler re-checking a moved blog gets every 301', async () => {
    const old = Array.from({ length: 100 }, (_, i) => `/2011/03/${String((i % 28) + 1).padStart(2, '0')}/billet-${i}/`)
    const { id } = await createPost(blog.app.db, {
      title: 'Déménagé',
      slug: 'demenage',
      body: 'x',
      status: 'published',
      publishedAt: '2011-03-01T10:00:00.000Z',
    })
    await addLegacyUrls(blog.app.db, id, [...old, '/?p=4242'])
    const crawler = { remoteAddress: '198.51.100.9' }
    for (const url of [...old, '/?p=4242']) {
      const res = await blog.app.inject({ url, ...crawler })
      expect(res.statusCode, url).toBe(301)
    }
    // None of them counted: the same client still gets the whole allowance of real 404s.
    for (let i = 0; i < NOT_FOUND_PER_MINUTE; i++) {
      expect((await blog.app.inject({ url: `/gone-${i}`, ...crawler })).statusCode).toBe(404)
    }
    expect((await blog.app.inject({ url: '/gone-again', ...crawler })).statusCode).toBe(429)
    // Once limited, an old address still redirects.
    expect((await blog.app.inject({ url: old[0]!, ...crawler })).statusCode).toBe(301)
  })
})
