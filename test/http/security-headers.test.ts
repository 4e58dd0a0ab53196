import fastifyHelmet from '@fastify/helmet'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { helmetOptions, securityHeaders } from '../../src/http/security.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

describe('security headers', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp()
  })
  afterAll(() => blog.close())

  it.each(['/', SEED_PATH, '/nope', '/static/css/carnet.css', '/favicon.ico'])('%s carries them', async (url) => {
    const res = await blog.app.inject(url)
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    // Plain-http test site: no HSTS.
    expect(res.headers['strict-transport-security']).toBeUndefined()
  })

  it('no page has inline script or inline event handlers', async () => {
    for (const url of ['/', SEED_PATH, '/category/syrie', '/archive/2017/10/', '/nope']) {
      const html = (await blog.app.inject(url)).body
      const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!)
      for (const attrs of scripts) {
        // Only external files or non-executable data blocks (JSON-LD).
        expect(attrs, url).toMatch(/\bsrc=|type="application\/ld\+json"/)
      }
      expect(html, url).not.toMatch(/\son[a-z]+\s*=/i)
      expect(html, url).not.toMatch(/style="/)
    }
  })

  it('sends HSTS when the site is served over https', async () => {
    const secure = await buildTestApp({ env: { SITE_URL: 'https://blog.example.org' } })
    try {
      const res = await secure.app.inject('/')
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000')
      expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests')
    } finally {
      await secure.close()
    }
  })

  // The headers are computed once from Helmet (see src/http/security.ts): they must be exactly the ones
  // @fastify/helmet sends per request with the same options, names, values and order.
  it.each([false, true])('are exactly what @fastify/helmet sends (https: %s)', async (https) => {
    const reference = Fastify()
    await reference.register(fastifyHelmet, helmetOptions(https) as Parameters<typeof fastifyHelmet>[1])
    reference.get('/', async () => 'x')
    const res = await reference.inject('/')
    await reference.close()
    const sent = Object.entries(res.headers).filter(([name]) => !['content-type', 'content-length', 'date', 'connection'].includes(name))
    expect(sent.length).toBeGreaterThan(8)
    expect(Object.entries(securityHeaders(helmetOptions(https)))).toEqual(sent)
  })
})
