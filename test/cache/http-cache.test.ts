import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { otherConnection } from '../helpers/other-connection.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

const SEED_TITLE = "Syrie : Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie"

describe('conditional requests', () => {
  let blog: TestBlog
  let seedId: number
  beforeAll(async () => {
    blog = await buildTestApp()
    seedId = (await blog.app.db.selectFrom('posts').select('id').where('title', '=', SEED_TITLE).executeTakeFirstOrThrow()).id
  })
  afterAll(() => blog.close())
  afterEach(() => vi.useRealTimers())

  const get = (url: string, headers: Record<string, string> = {}) => blog.app.inject({ url, headers })
  const comment = (status: 'approved' | 'pending', author = 'Zoé') =>
    blog.app.db
      .insertInto('comments')
      .values({ post_id: seedId, author_name: author, body: 'Un mot de plus.', status, created_at: new Date().toISOString() })
      .execute()

  it('answers a repeated request with If-None-Match with 304, and with 200 after a new comment', async () => {
    const first = await get(SEED_PATH)
    expect(first.statusCode).toBe(200)
    const etag = first.headers.etag as string
    expect(etag).toMatch(/^W\/"[\w-]+"$/)
    expect(first.headers['cache-control']).toBe('no-cache')

    const again = await get(SEED_PATH, { 'if-none-match': etag })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect(again.headers.etag).toBe(etag)

    await comment('approved')
    const after = await get(SEED_PATH, { 'if-none-match': etag })
    expect(after.statusCode).toBe(200)
    expect(after.body).toContain('Zoé')
    expect(after.headers.etag).not.toBe(etag)
  })

  it('changes the validators of every page that shows a change: moderation, edit, closed thread, settings', async () => {
    const etagOf = async (url: string) => (await get(url)).headers.etag as string
    const pages = ['/', SEED_PATH, '/category/syrie', '/feed.atom', '/comments/feed.rss']
    let before = await Promise.all(pages.map(etagOf))
    const changed = async () => {
      const now = await Promise.all(pages.map(etagOf))
      const diff = pages.filter((_, i) => now[i] !== before[i])
      before = now
      return diff
    }
    // A held comment shows nowhere: nothing changes.
    await comment('pending', 'En attente')
    expect(await changed()).toEqual([])
    // Approving it shows it on the post, in the sidebar of every page and in the comment feeds.
    await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('author_name', '=', 'En attente').execute()
    expect(await changed()).toEqual(['/', SEED_PATH, '/category/syrie', '/comments/feed.rss'])
    // An edit of the post's body.
    await blog.app.db.updateTable('posts').set({ body_html: '<p>Corrigé.</p>' }).where('id', '=', seedId).execute()
    expect(await changed()).toEqual([SEED_PATH, '/feed.atom'])
    // Opening its thread (the form appears).
    await blog.app.db.updateTable('posts').set({ comments_open: 1 }).where('id', '=', seedId).execute()
    expect(await changed()).toContain(SEED_PATH)
    // A new title in the settings shows on every page.
    await blog.app.settings.update({ title: 'Autre carnet' })
    expect(await changed()).toEqual(pages)
  })

  it('answers 304 to a feed, a sitemap and robots.txt with a matching ETag', async () => {
    for (const url of ['/feed.rss', '/feed.atom', '/comments/feed.atom', '/sitemap.xml', '/robots.txt', '/search?q=deir']) {
      const first = await get(url)
      expect(first.headers.etag, url).toBeTruthy()
      expect((await get(url, { 'if-none-match': first.headers.etag as string })).statusCode, url).toBe(304)
      expect((await get(url, { 'if-none-match': `"other", ${first.headers.etag}` })).statusCode, url).toBe(304)
      expect((await get(url, { 'if-none-match': 'W/"other"' })).statusCode, url).toBe(200)
    }
  })

  it('sends Last-Modified once its second is over, honours If-Modified-Since, and moves it on a write', async () => {
    // Only Date is faked. The app's clock is put an hour behind the database's, and the blog's last change far
    // in the past, so that the process start is the newest event; then the app's clock moves ten seconds on.
    const real = Date.now()
    vi.useFakeTimers({ toFake: ['Date'], now: real - 3_600_000 })
    const old = await buildTestApp()
    try {
      const seed = await old.app.db.selectFrom('posts').select('id').where('title', '=', SEED_TITLE).executeTakeFirstOrThrow()
      await old.app.db.updateTable('site_state').set({ changed_at: '2020-01-01T00:00:00.000Z' }).execute()
      vi.setSystemTime(real - 3_600_000 + 10_000)
      const first = await old.app.inject(SEED_PATH)
      const lastModified = first.headers['last-modified'] as string
      expect(lastModified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
      expect(Date.parse(lastModified)).toBeLessThanOrEqual(Date.now())
      expect(Date.parse(lastModified)).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'))
      const ims = (since: string, extra: Record<string, string> = {}) =>
        old.app.inject({ url: SEED_PATH, headers: { 'if-modified-since': since, ...extra } })

      expect((await ims(lastModified)).statusCode).toBe(304)
      expect((await ims(new Date(Date.parse(lastModified) + 60_000).toUTCString())).statusCode).toBe(304)
      expect((await ims(new Date(Date.parse(lastModified) - 1000).toUTCString())).statusCode).toBe(200)
      expect((await ims('not a date')).statusCode).toBe(200)
      // If-None-Match wins over If-Modified-Since.
      expect((await ims(lastModified, { 'if-none-match': 'W/"other"' })).statusCode).toBe(200)

      // A new comment, written at the database's (real) time: an hour after the app's "now".
      await old.app.db
        .insertInto('comments')
        .values({ post_id: seed.id, author_name: 'Yann', body: 'Encore.', status: 'approved', created_at: new Date().toISOString() })
        .execute()
      // Newer than the app's clock: no Last-Modified can be trusted yet, the old one no longer matches.
      const during = await ims(lastModified)
      expect(during.statusCode).toBe(200)
      expect(during.headers['last-modified']).toBeUndefined()
      // Once the clocks agree again, the new Last-Modified is the comment's second.
      vi.setSystemTime(real + 10_000)
      const after = await ims(lastModified)
      expect(after.statusCode).toBe(200)
      expect(Date.parse(after.headers['last-modified'] as string)).toBeGreaterThan(Date.parse(lastModified))
      expect((await ims(after.headers['last-modified'] as string)).statusCode).toBe(304)
    } finally {
      vi.useRealTimers()
      await old.close()
    }
  })

  it('sends no Last-Modified while the last change is less than a second old', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 20_000 })
    const before = await get(SEED_PATH)
    expect(before.headers['last-modified']).toBeTruthy()
    // The change happens "now" for the app too.
    await blog.app.db.updateTable('site_state').set({ changed_at: new Date().toISOString() }).execute()
    const res = await get(SEED_PATH, { 'if-modified-since': before.headers['last-modified'] as string })
    expect(res.statusCode).toBe(200)
    expect(res.headers['last-modified']).toBeUndefined()
    expect(res.headers.etag).toBeTruthy()
    vi.useRealTimers()
    await blog.app.db.updateTable('site_state').set({ changed_at: new Date().toISOString() }).execute()
  })

  it('sees writes made by another process on the same database file', async () => {
    const first = await get(SEED_PATH)
    const stateBefore = await blog.app.db.selectFrom('site_state').select('changed_at').executeTakeFirstOrThrow()
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run(
        `insert into comments (post_id, author_name, body, status, created_at) values (?, 'Autre processus', 'Bonjour', 'approved', ?)`,
        seedId,
        new Date(Date.now() + 5000).toISOString(),
      )
    } finally {
      await other.close()
    }
    const stateAfter = await blog.app.db.selectFrom('site_state').select('changed_at').executeTakeFirstOrThrow()
    expect(stateAfter.changed_at > stateBefore.changed_at).toBe(true)
    const res = await get(SEED_PATH, { 'if-none-match': first.headers.etag as string })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Autre processus')
  })

  it('leaves errors, redirects and posted forms alone', async () => {
    const missing = await get('/nope')
    expect(missing.statusCode).toBe(404)
    expect(missing.headers.etag).toBeUndefined()
    const wrongDate = await get(SEED_PATH.replace('/2017/10/01/', '/2017/10/02/'))
    expect(wrongDate.statusCode).toBe(301)
    expect(wrongDate.headers.etag).toBeUndefined()
  })
})

describe('what is never cached', () => {
  let blog: TestBlog
  let app: TestBlog['app']
  beforeAll(async () => {
    blog = await buildTestApp({
      demo: false,
      // Stand-ins for the admin and for a page that sets a cookie (both come from other features).
      beforeReady(app) {
        app.get('/admin/probe', async (request, reply) => reply.type('text/html; charset=utf-8').send('<p>admin</p>'))
        app.get('/cookie-probe', async (request, reply) =>
          reply.type('text/html; charset=utf-8').header('set-cookie', 'a=b; Path=/; HttpOnly').send('<p>personal</p>'),
        )
      },
    })
    app = blog.app
  })
  afterAll(() => blog.close())

  it('does not add validators to the admin or to answers that set a cookie', async () => {
    for (const url of ['/admin/probe', '/cookie-probe']) {
      const res = await app.inject(url)
      expect(res.statusCode, url).toBe(200)
      expect(res.headers.etag, url).toBeUndefined()
      expect(res.headers['last-modified'], url).toBeUndefined()
      expect(res.headers['cache-control'], url).toBeUndefined()
      expect((await app.inject({ url, headers: { 'if-none-match': '*' } })).statusCode, url).toBe(200)
    }
  })

  it('leaves static files to their own caching', async () => {
    const res = await app.inject('/favicon.ico')
    expect(res.headers['cache-control']).toBe('public, max-age=3600')
  })
})
