import { readdirSync, readFileSync } from 'node:fs'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseEncoding } from '../../src/cache/compression.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

describe('compression of answers built per request', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'off' } })
  })
  afterAll(() => blog.close())

  it('starts no thread of its own to compress big answers: zlib compresses them on libuv threads', async () => {
    // A worker thread did it until 2026-12-07: its V8 isolate held 12–13 MB of the server's memory (bench/RESULTS.md).
    const workers = () =>
      readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'WorkerThread').length
    const before = workers()
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip' } })),
    )
    for (const res of answers) expect(res.headers['content-encoding']).toBe('gzip')
    expect(answers[0]!.rawPayload.length).toBeGreaterThan(1024)
    expect(workers()).toBe(before)
  })

  it('sends a page (big enough to be compressed off the event loop) as gzip to browsers, br to br-only clients, the same page once decoded', async () => {
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
