// The request pipeline's hook order is declared by its plugins' dependencies: a wrong registration order is
// refused at start-up, and the real app's answers come out of the hooks in the right order.
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import compression from '../../src/cache/compression.ts'
import httpCache from '../../src/cache/http-cache.ts'
import { pageCacheStore } from '../../src/cache/page-cache.ts'
import errors from '../../src/http/errors.ts'
import security from '../../src/http/security.ts'
import staticFiles from '../../src/http/static.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

/** A stand-in that only carries a plugin's name (its hooks do not matter here, only the order). */
const named = (name: string) => fp(async () => {}, { name })

describe('the pipeline plugins refuse a wrong order', () => {
  // Each is registered after stand-ins for all it needs but the plugin whose hook must run before its own.
  const cases: Array<[string, FastifyPluginAsync, string[], string]> = [
    ['security before the page cache lookup', security, [], 'page-cache'],
    ['static files before @fastify/compress', staticFiles, ['security'], '@fastify/compress'],
    ['static files before security', staticFiles, ['@fastify/compress'], 'security'],
    ['http-cache before static files', httpCache, ['database', 'freshness', 'security'], 'static'],
    ['the page cache store before http-cache', pageCacheStore, ['page-cache', 'security'], 'http-cache'],
    ['compression before the page cache store', compression, ['http-cache'], 'page-cache-store'],
    ['the error pages before the rate limiter', errors, ['render'], '@fastify/rate-limit'],
  ]
  it.each(cases)('%s', async (_name, plugin, present, missing) => {
    const app = Fastify({ logger: false })
    for (const name of present) await app.register(named(name))
    await expect(app.register(plugin)).rejects.toThrow(`The dependency '${missing}'`)
    await app.close().catch(() => {})
  })

  it('the error pages come after render and the rate limiter', async () => {
    const app = Fastify({ logger: false })
    await app.register(named('render'))
    await app.register(rateLimit, { global: false })
    await app.register(errors)
    await app.ready()
    await app.close()
  })
})

describe('the real pipeline', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'on' } })
  })
  afterAll(() => blog.close())

  it('a page cache hit carries the security headers', async () => {
    await blog.app.inject('/')
    const hit = await blog.app.inject('/')
    expect(hit.headers['x-page-cache']).toBe('hit')
    expect(hit.headers['content-security-policy']).toBe(blog.app.securityHeaders['content-security-policy'])
    expect(hit.headers['x-frame-options']).toBe('DENY')
  })

  it('an ETag, then 304 for it, with the security headers', async () => {
    const first = await blog.app.inject('/')
    const etag = first.headers.etag as string
    expect(etag).toBeTruthy()
    const again = await blog.app.inject({ url: '/', headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect(again.headers['content-security-policy']).toBeTruthy()
  })

  it('an uncached page is compressed after its ETag was computed, with the same ETag as the cache gives', async () => {
    const plain = await blog.app.inject({ url: '/?page=2' })
    const br = await blog.app.inject({ url: '/?page=2', headers: { 'accept-encoding': 'br' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.etag).toBe(plain.headers.etag)
    expect(br.headers['content-security-policy']).toBeTruthy()
  })

  it('static files get their caching headers and the security headers', async () => {
    const css = await blog.app.inject('/favicon.ico')
    expect(css.statusCode).toBe(200)
    expect(css.headers['cache-control']).toBe('public, max-age=3600')
    expect(css.headers['x-content-type-options']).toBe('nosniff')
  })
})
