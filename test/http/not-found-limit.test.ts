// Missing pages are rendered in full and never cached: a client that asks for too many of them in a minute gets
// the error page with 429 and Retry-After; real pages are never limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOT_FOUND_PER_MINUTE } from '../../src/http/errors.ts'
import { messages } from '../../src/i18n/index.ts'
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
})
