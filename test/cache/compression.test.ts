import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseEncoding, Compressor, CELL_IN, CELLS } from '../../src/cache/compression.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

describe('compression of answers built per request', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'off' } })
  })
  afterAll(() => blog.close())

  it('sends a page (big enough to go to the worker) as gzip to browsers, br to br-only clients, the same page once decoded', async () => {
    const plain = await blog.app.inject(SEED_PATH)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.rawPayload.length).toBeGreaterThan(8 * 1024)
    expect(plain.headers.vary).toContain('accept-encoding')
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': i % 2 ? 'br' : 'gzip, deflate, br, zstd' } }),
      ),
    )
    answers.forEach((res, i) => {
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-encoding']).toBe(i % 2 ? 'br' : 'gzip')
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length)
      const decoded = i % 2 ? brotliDecompressSync(res.rawPayload) : gunzipSync(res.rawPayload)
      expect(decoded.toString()).toBe(plain.body)
      expect(res.headers.etag).toBe(plain.headers.etag)
    })
  })

  it('compresses error pages and feeds too, and never what the client refuses', async () => {
    const missing = await blog.app.inject({ url: '/nulle-part', headers: { 'accept-encoding': 'gzip' } })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(missing.rawPayload).toString()).toContain('Page introuvable')
    const feed = await blog.app.inject({ url: '/feed.atom', headers: { 'accept-encoding': 'gzip' } })
    expect(feed.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(feed.rawPayload).toString()).toContain('<feed')
    const refused = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip;q=0, br;q=0' } })
    expect(refused.headers['content-encoding']).toBeUndefined()
    expect(refused.body).toContain('<!DOCTYPE html>')
  })
})

describe('chooseEncoding', () => {
  it('prefers gzip for answers compressed once per request and br for kept copies, within what the client takes', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('gzip')
    expect(chooseEncoding('gzip, deflate, br, zstd', 'br')).toBe('br')
    expect(chooseEncoding('br')).toBe('br')
    expect(chooseEncoding('gzip', 'br')).toBe('gzip')
    expect(chooseEncoding('*')).toBe('gzip')
    expect(chooseEncoding('gzip;q=0, *')).toBe('br')
    expect(chooseEncoding('identity')).toBeNull()
    expect(chooseEncoding(undefined)).toBeNull()
  })
})

describe('the compression worker', () => {
  it('compresses as many bodies at once as it has cells, each to its own bytes, hands back the rest, and starts again after it was stopped', async () => {
    const compressor = new Compressor()
    const bodies = Array.from({ length: CELLS + 1 }, (_, i) => Buffer.from(`page ${i} `.repeat(2000 + i)))
    const handed = bodies.map((b, i) => compressor.compress(b, i % 2 ? 'br' : 'gzip'))
    // One more than there are cells: the last is the caller's to compress.
    expect(handed[CELLS]).toBeNull()
    const out = await Promise.all(handed.slice(0, CELLS))
    out.forEach((c, i) => {
      expect((i % 2 ? brotliDecompressSync(c!) : gunzipSync(c!)).equals(bodies[i]!)).toBe(true)
    })
    // The cells are free again.
    const again = await Promise.all(bodies.slice(0, CELLS).map((b) => compressor.compress(b, 'gzip')))
    again.forEach((c, i) => expect(gunzipSync(c!).equals(bodies[i]!)).toBe(true))
    // Bigger than a cell: the caller's.
    expect(compressor.compress(Buffer.alloc(CELL_IN + 1, 'a'), 'gzip')).toBeNull()
    await compressor.close()
    const restarted = await compressor.compress(bodies[0]!, 'gzip')
    expect(gunzipSync(restarted!).equals(bodies[0]!)).toBe(true)
    await compressor.close()
  })

  it('rejects what it was compressing when it stops, so the caller can compress it itself', async () => {
    const compressor = new Compressor()
    const pending = compressor.compress(Buffer.alloc(CELL_IN, 'a'), 'br')
    const rejected = expect(pending).rejects.toThrow(/closed/)
    await compressor.close()
    await rejected
  })
})
