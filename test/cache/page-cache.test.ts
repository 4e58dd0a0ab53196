// The page cache must never show a page that a write or the passing of time has changed. Each test fills the
// cache (the second request is a hit), changes something the way a feature or another process would, and
// checks that the next request shows the change.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { CACHEABLE, cacheable } from '../../src/cache/policy.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { buildTestApp, listedTitles, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

const MINUTE = 60 * 1000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

// The same changes with the page cache off: the post page's data is still kept per freshness generation
// (app.freshness.pageMemo), and must follow every change just the same.
describe.each(['on', 'off'] as const)('the page cache (PAGE_CACHE=%s)', (mode) => {
  let blog: TestBlog
  let postId: number
  let path: string
  const cacheOnly = it.runIf(mode === 'on')

  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: mode } })
    const post = await createPost(blog.app.db, {
      title: 'Un billet à commenter',
      body: 'Le texte du billet.',
      status: 'published',
      publishedAt: new Date(Date.now() - HOUR).toISOString(),
      categories: ['Essais'],
    })
    postId = post.id
    path = postPath({ slug: post.slug, published_at: new Date(Date.now() - HOUR).toISOString() }, 'Europe/Paris')
  })
  afterAll(() => blog.close())
  afterEach(() => vi.useRealTimers())

  /** Requests a page twice: the second answer must come from the cache, so that what follows tests invalidation. */
  async function cached(url: string) {
    const first = await blog.app.inject(url)
    expect(first.statusCode).toBe(200)
    const second = await blog.app.inject(url)
    expect(second.headers['x-page-cache']).toBe(mode === 'on' ? 'hit' : undefined)
    expect(second.body).toBe(first.body)
    return second.body
  }

  async function page(url: string) {
    const res = await blog.app.inject(url)
    expect(res.statusCode).toBe(200)
    return visibleText(mainOf(res.body))
  }

  const addComment = (body: string, status: 'approved' | 'pending' = 'approved') =>
    blog.app.db
      .insertInto('comments')
      .values({ post_id: postId, parent_id: null, author_name: 'Lucie', body, status, created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()

  cacheOnly('serves a page from memory the second time', async () => {
    const first = await blog.app.inject(path)
    expect(first.headers['x-page-cache']).toBe('miss')
    const second = await blog.app.inject(path)
    expect(second.headers['x-page-cache']).toBe('hit')
    expect(second.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(second.body).toBe(first.body)
    // A hit is the same answer: security headers, validators and caching policy included.
    for (const name of [
      'content-security-policy',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'etag',
      'cache-control',
      'last-modified',
    ]) {
      expect(second.headers[name], name).toBe(first.headers[name])
    }
    expect(second.headers['cache-control']).toBe('no-cache')
  })

  it('shows a new comment at once', async () => {
    expect(visibleText(await cached(path))).not.toContain('Premier commentaire')
    await addComment('Premier commentaire')
    expect(await page(path)).toContain('Premier commentaire')
  })

  it('follows moderation: a comment approved appears, one marked as spam disappears', async () => {
    const { id } = await addComment('Commentaire en attente', 'pending')
    expect(visibleText(await cached(path))).not.toContain('Commentaire en attente')
    await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', id).execute()
    expect(visibleText(await cached(path))).toContain('Commentaire en attente')
    await blog.app.db.updateTable('comments').set({ status: 'spam' }).where('id', '=', id).execute()
    expect(await page(path)).not.toContain('Commentaire en attente')
  })

  it("shows a post edit on the post page, on the home page and on its category's page", async () => {
    await cached(path)
    await cached('/')
    expect(listedTitles(await cached('/category/essais'))).toContain('Un billet à commenter')
    await blog.app.db.updateTable('posts').set({ title: 'Un billet retouché' }).where('id', '=', postId).execute()
    expect(await page(path)).toContain('Un billet retouché')
    expect(listedTitles((await blog.app.inject('/')).body)).toContain('Un billet retouché')
    expect(listedTitles((await blog.app.inject('/category/essais')).body)).toContain('Un billet retouché')
  })

  it('shows a thread closed by an admin', async () => {
    expect(visibleText(await cached(path))).not.toContain('Les commentaires sont fermés.')
    await blog.app.db.updateTable('posts').set({ comments_open: 0 }).where('id', '=', postId).execute()
    expect(await page(path)).toContain('Les commentaires sont fermés.')
    await blog.app.db.updateTable('posts').set({ comments_open: 1 }).where('id', '=', postId).execute()
    expect(await page(path)).not.toContain('Les commentaires sont fermés.')
  })

  it('shows a settings change', async () => {
    await cached('/')
    await blog.app.settings.update({ title: 'Un autre carnet' })
    const res = await blog.app.inject('/')
    expect(res.body).toContain('<title>Un autre carnet</title>')
  })

  it('shows a write made by another connection to the same file (another process, a command-line tool)', async () => {
    await cached(path)
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run('update posts set title = ? where id = ?', 'Modifié ailleurs', postId)
    } finally {
      await other.close()
    }
    expect(await page(path)).toContain('Modifié ailleurs')
  })

  it('shows a scheduled post when its time comes, with no write', async () => {
    // Minutes, not hours: sooner than the cache's 5-minute safety expiry, so only the scheduled time can explain it.
    const at = new Date(Date.now() + 2 * MINUTE).toISOString()
    await createPost(blog.app.db, { title: 'Billet programmé', body: 'Bientôt.', status: 'published', publishedAt: at })
    expect(listedTitles(await cached('/'))).not.toContain('Billet programmé')
    // The post page links to the next post.
    expect(visibleText(await cached(path))).not.toContain('Billet programmé')
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(at) + 1000 })
    expect(listedTitles((await blog.app.inject('/')).body)).toContain('Billet programmé')
    expect(await page(path)).toContain('Billet programmé')
  })

  it('closes a thread when its automatic closing time passes, with no write', async () => {
    await blog.app.settings.update({ commentsAutoCloseDays: 1 })
    const publishedAt = new Date(Date.now() - DAY + 2 * MINUTE).toISOString()
    const post = await createPost(blog.app.db, { title: 'Bientôt fermé', body: 'Texte.', status: 'published', publishedAt })
    const url = postPath({ slug: post.slug, published_at: publishedAt }, 'Europe/Paris')
    expect(visibleText(await cached(url))).not.toContain('Les commentaires sont fermés.')
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3 * MINUTE })
    expect(await page(url)).toContain('Les commentaires sont fermés.')
    vi.useRealTimers()
    await blog.app.settings.update({ commentsAutoCloseDays: 0 })
  })

  cacheOnly('is bypassed for a commenter or an admin, and never stores errors or posts', async () => {
    await cached(path)
    for (const cookie of ['carnet_commenter=abc', 'theme=dark; carnet_session=xyz']) {
      const res = await blog.app.inject({ url: path, headers: { cookie } })
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-page-cache']).toBeUndefined()
    }
    // Another cookie does not make a page private.
    expect((await blog.app.inject({ url: path, headers: { cookie: 'theme=dark' } })).headers['x-page-cache']).toBe('hit')
    for (let i = 0; i < 2; i++) {
      const missing = await blog.app.inject('/nulle-part')
      expect(missing.statusCode).toBe(404)
      expect(missing.headers['x-page-cache']).toBeUndefined()
    }
    expect((await blog.app.inject({ method: 'POST', url: path })).headers['x-page-cache']).toBeUndefined()
    expect((await blog.app.inject('/admin')).headers['x-page-cache']).toBeUndefined()
  })

  cacheOnly('answers HEAD from the cache without a body, and If-None-Match with 304', async () => {
    await cached(path)
    const head = await blog.app.inject({ method: 'HEAD', url: path })
    expect(head.statusCode).toBe(200)
    expect(head.headers['x-page-cache']).toBe('hit')
    expect(head.body).toBe('')
    const etag = (await blog.app.inject(path)).headers.etag as string
    expect(etag).toMatch(/^W\/"/)
    const again = await blog.app.inject({ url: path, headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
  })

  cacheOnly('keeps only the br copy once browsers asked for it, and still answers every client the same page', async () => {
    blog.app.pageStore.clear()
    const plain = await cached(SEED_PATH)
    const withIdentity = blog.app.pageStore.bytes
    expect(withIdentity).toBe(Buffer.byteLength(plain))
    const br = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain)
    // The uncompressed copy is gone: the br copy is all that is kept.
    expect(blog.app.pageStore.bytes).toBe(br.rawPayload.length)
    const gz = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip' } })
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain)
    const again = await blog.app.inject(SEED_PATH)
    expect(again.headers['x-page-cache']).toBe('hit')
    expect(again.headers['content-length']).toBe(String(Buffer.byteLength(plain)))
    expect(again.body).toBe(plain)
    expect(blog.app.pageStore.bytes).toBe(br.rawPayload.length + gz.rawPayload.length + Buffer.byteLength(plain))
  })

  cacheOnly('holds no more memory than it counts: each copy kept in memory of its own size', async () => {
    // zlib's results are slices of 64 KB output chunks and small Buffers slices of a shared 64 KB slab: kept as
    // they come, a page's 4 KB br copy held 64 KB, and a full store several times its byte bound.
    blog.app.pageStore.clear()
    const browser = { 'accept-encoding': 'gzip, deflate, br, zstd' }
    expect((await blog.app.inject({ url: SEED_PATH, headers: browser })).headers['x-page-cache']).toBe('miss')
    expect((await blog.app.inject({ url: SEED_PATH, headers: browser })).headers['content-encoding']).toBe('br')
    expect((await blog.app.inject(SEED_PATH)).headers['x-page-cache']).toBe('hit')
    await cached('/')
    expect([...blog.app.pageStore.entries()].map(([key]) => key.split(' ')[1])).toEqual([SEED_PATH, '/'])
    const copies = [...blog.app.pageStore.entries()].flatMap(([, entry]) =>
      [entry.identity, entry.br, entry.gzip].filter((copy) => copy !== undefined),
    )
    expect(copies.length).toBeGreaterThanOrEqual(4)
    for (const copy of copies)
      expect({ length: copy.length, holds: copy.buffer.byteLength }).toEqual({ length: copy.length, holds: copy.length })
    expect(copies.reduce((sum, copy) => sum + copy.buffer.byteLength, 0)).toBe(blog.app.pageStore.bytes)
  })

  cacheOnly("keeps a miss's gzip answer instead of the page's text, and answers every client from it", async () => {
    // Most pages are asked for once between two writes (the long tail of a blog's posts): what each keeps until
    // the next write is its compressed answer, not its text (4 to 8 times bigger).
    blog.app.pageStore.clear()
    const browser = { 'accept-encoding': 'gzip, deflate, br, zstd' }
    const miss = await blog.app.inject({ url: SEED_PATH, headers: browser })
    expect(miss.headers['x-page-cache']).toBe('miss')
    expect(miss.headers['content-encoding']).toBe('gzip')
    const plain = gunzipSync(miss.rawPayload).toString()
    expect(blog.app.pageStore.bytes).toBe(miss.rawPayload.length)
    expect(miss.rawPayload.length).toBeLessThan(Buffer.byteLength(plain) / 2)
    const gz = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['x-page-cache']).toBe('hit')
    expect(gz.rawPayload.equals(miss.rawPayload)).toBe(true)
    const br = await blog.app.inject({ url: SEED_PATH, headers: browser })
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain)
    const none = await blog.app.inject(SEED_PATH)
    expect(none.headers['x-page-cache']).toBe('hit')
    expect(none.body).toBe(plain)
  })

  cacheOnly('sends br or gzip to clients that accept them, the same page once decoded', async () => {
    const plain = await cached(SEED_PATH)
    const br = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip, deflate, br' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toContain('accept-encoding')
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain)
    const gz = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain)
    expect(gz.rawPayload.length).toBeLessThan(plain.length / 2)
  })
})

describe('without the page cache (PAGE_CACHE=off)', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'off' } })
  })
  afterAll(() => blog.close())

  it('renders every request, still compressed', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'br' } })
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-page-cache']).toBeUndefined()
      expect(res.headers['content-encoding']).toBe('br')
      expect(brotliDecompressSync(res.rawPayload).toString()).toContain('<!DOCTYPE html>')
    }
  })

  it('compresses each answer (cheap settings, in one call) to the same page once decoded, with a Content-Length', async () => {
    const plain = (await blog.app.inject(SEED_PATH)).body
    expect(plain).toContain('<!DOCTYPE html>')
    // What browsers send: gzip at level 1, the cheapest per answer.
    const gz = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers.vary).toContain('accept-encoding')
    expect(Number(gz.headers['content-length'])).toBe(gz.rawPayload.length)
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain)
    expect(gz.rawPayload.length).toBeLessThan(plain.length / 2)
    // A client that takes only br gets br.
    const br = await blog.app.inject({ url: SEED_PATH, headers: { 'accept-encoding': 'br' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain)
    expect(br.rawPayload.length).toBeLessThan(plain.length / 2)
  })

  it('still shows a write by another connection in the sidebar (kept per generation)', async () => {
    const before = visibleText((await blog.app.inject('/')).body)
    expect(before).not.toContain('Écrit ailleurs')
    const other = await otherConnection(blog.config.databasePath)
    try {
      const now = new Date().toISOString()
      await other.run(
        `insert into posts (slug, title, status, published_at, created_at, updated_at) values ('ailleurs', 'Écrit ailleurs', 'published', ?, ?, ?)`,
        now,
        now,
        now,
      )
    } finally {
      await other.close()
    }
    const after = (await blog.app.inject('/')).body
    expect(listedTitles(after)).toContain('Écrit ailleurs')
    const sidebar = /<aside class="sidebar">([\s\S]*?)<\/aside>/.exec(after)![1]!
    expect(visibleText(sidebar)).toContain('Écrit ailleurs')
  })
})

describe('routes the page cache may keep', () => {
  let blog: TestBlog
  let app: TestBlog['app']
  let visitor = 0
  beforeAll(async () => {
    blog = await buildTestApp({
      demo: false,
      beforeReady(app) {
        // A new page that differs per visitor but sets no cookie: without the option it must never be shared.
        app.get('/probe/personal', async (request, reply) => reply.type('text/html; charset=utf-8').send(`<p>visitor ${++visitor}</p>`))
        app.get('/probe/public', { config: CACHEABLE }, async (request, reply) =>
          reply.type('text/html; charset=utf-8').send(`<p>page ${++visitor}</p>`),
        )
        // Its own key: the query is ignored.
        app.get('/probe/keyed', { config: cacheable(() => 'keyed') }, async (request, reply) =>
          reply.type('text/html; charset=utf-8').send(`<p>keyed ${++visitor}</p>`),
        )
      },
    })
    app = blog.app
  })
  afterAll(() => blog.close())

  it('never stores the answer of a GET route that did not opt in', async () => {
    const first = await app.inject('/probe/personal')
    const second = await app.inject('/probe/personal')
    expect(second.headers['x-page-cache']).toBeUndefined()
    expect(second.body).not.toBe(first.body)
    expect(app.pageStore.size).toBe(0)
  })

  it('stores the answer of a route marked CACHEABLE, under its address or the key it gives', async () => {
    const first = await app.inject('/probe/public')
    const second = await app.inject('/probe/public')
    expect(second.headers['x-page-cache']).toBe('hit')
    expect(second.body).toBe(first.body)
    expect((await app.inject('/probe/public?other')).body).not.toBe(first.body)
    const keyed = await app.inject('/probe/keyed?a=1')
    expect((await app.inject('/probe/keyed?b=2')).body).toBe(keyed.body)
  })
})

describe('static files', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterAll(() => blog.close())

  it('are immutable for a year at a fingerprinted address, revalidated hourly otherwise, and compressed', async () => {
    const home = (await blog.app.inject('/')).body
    const css = /href="(\/static\/css\/carnet\.css\?v=[0-9a-f]+)"/.exec(home)?.[1]
    expect(css).toBeDefined()
    const res = await blog.app.inject({ url: css!, headers: { 'accept-encoding': 'br, gzip' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(res.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(res.rawPayload).toString()).toContain('.widget')
    expect((await blog.app.inject('/static/css/carnet.css')).headers['cache-control']).toBe('public, max-age=3600')
  })
})
