// A big page (a sitemap file of 10,000 addresses is about 1.5 MB) is compressed off the event loop: per answer
// above the compression worker's cells, and by the page cache for the copies it keeps. What is sent must decode
// to the page's bytes, whatever the client takes and however many ask at once. That the loop stays free
// meanwhile is measured by bench/big-pages.ts, not timed here.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASYNC_COPY_BYTES } from '../../src/cache/page-cache.ts'
import { CELL_IN } from '../../src/cache/compression.ts'
import { CACHEABLE } from '../../src/cache/policy.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

/** A sitemap-like page of `n` addresses, the same at every call. */
function bigPage(n: number): string {
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
  for (let i = 0; i < n; i++) {
    const slug = Array.from({ length: 4 }, () => (next() % 1_000_000).toString(36)).join('-')
    lines.push(
      `<url><loc>http://blog.test/archive/20${10 + (i % 15)}/${slug}.html</loc><lastmod>2016-0${1 + (i % 9)}-1${i % 10}T10:00:00Z</lastmod></url>`,
    )
  }
  return [...lines, '</urlset>', ''].join('\n')
}

describe('big pages', () => {
  let blog: TestBlog
  const page = bigPage(10_000)

  beforeAll(async () => {
    blog = await buildTestApp({
      demo: false,
      beforeReady(app) {
        app.get('/probe/big', { config: CACHEABLE }, async (request, reply) => reply.type('application/xml; charset=utf-8').send(page))
      },
    })
  })
  afterAll(() => blog.close())

  const get = (encoding?: string, method: 'GET' | 'HEAD' = 'GET') =>
    blog.app.inject({ method, url: '/probe/big', headers: encoding ? { 'accept-encoding': encoding } : {} })

  it('is sent compressed, first as rendered, then from the copies the cache keeps, each decoding to the same bytes', async () => {
    expect(Buffer.byteLength(page)).toBeGreaterThan(Math.max(CELL_IN, ASYNC_COPY_BYTES))
    blog.app.pageStore.clear()
    const first = await get('gzip, deflate, br, zstd')
    expect(first.headers['x-page-cache']).toBe('miss')
    expect(first.headers['content-encoding']).toBe('gzip')
    expect(Number(first.headers['content-length'])).toBe(first.rawPayload.length)
    expect(gunzipSync(first.rawPayload).toString()).toBe(page)
    // Browsers asking at once while the br copy is made: every one gets it whole.
    const browsers = await Promise.all(Array.from({ length: 6 }, () => get('gzip, deflate, br, zstd')))
    for (const res of browsers) {
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-page-cache']).toBe('hit')
      expect(res.headers['content-encoding']).toBe('br')
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length)
      expect(brotliDecompressSync(res.rawPayload).toString()).toBe(page)
    }
    expect(new Set(browsers.map((r) => r.rawPayload.toString('base64'))).size).toBe(1)
    // A gzip-only client, one that takes nothing (the page decoded again from the br copy), a HEAD.
    const gzipOnly = await get('gzip')
    expect(gzipOnly.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzipOnly.rawPayload).toString()).toBe(page)
    const plain = await get()
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body).toBe(page)
    const head = await get('br', 'HEAD')
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBe(browsers[0]!.headers['content-length'])
    expect(head.rawPayload.length).toBe(0)
  })

  it('counts no bytes for a copy finished after its page was dropped', async () => {
    blog.app.pageStore.clear()
    // The miss's gzip answer is what the page keeps (its text is decoded from it for the br copy).
    const miss = await get('gzip')
    const kept = blog.app.pageStore.bytes
    expect(kept).toBe(miss.rawPayload.length)
    // The br copy is being made when the cache is emptied (as a write does): right after the hit found its page.
    const store = blog.app.pageStore
    const get_ = store.get.bind(store)
    store.get = (key) => {
      const entry = get_(key)
      if (entry) queueMicrotask(() => store.clear())
      return entry
    }
    const res = await get('br').finally(() => (store.get = get_))
    expect(res.headers['x-page-cache']).toBe('hit')
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(page)
    expect(blog.app.pageStore.bytes).toBe(0)
  })
})
