// Receiving webmentions on the real app: the endpoint's checks and answers, its advertisement on posts and pages
// (cached pages too), and the verification job against a real HTTP server on loopback that plays the other
// sites — replies become comments through the usual moderation, likes and mentions reactions, a changed source
// is updated, a gone or unlinked one removed; hostile sources (huge, slow, private, not linking) are refused.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { PER_SOURCE_HOST_PER_MINUTE } from '../../src/webmention/webmention.plugin.ts'
import { buildTestApp, SITE_URL, type TestBlog } from '../helpers/app.ts'

interface Answer {
  status?: number
  type?: string
  body?: string | Buffer
  /** Milliseconds before the answer starts. */
  delay?: number
}

/** The other sites: one HTTP server on 127.0.0.1 whose pages each test sets. */
class Sites {
  pages = new Map<string, Answer>()
  server: Server
  base = ''
  constructor() {
    this.server = createServer((req, res) => {
      const page = this.pages.get(req.url ?? '') ?? { status: 404, body: 'not found' }
      const send = () => {
        res.writeHead(page.status ?? 200, { 'content-type': page.type ?? 'text/html; charset=utf-8' })
        res.end(page.body ?? '')
      }
      if (page.delay) setTimeout(send, page.delay).unref()
      else send()
    })
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
  set(path: string, answer: Answer) {
    this.pages.set(path, answer)
    return `${this.base}${path}`
  }
  close() {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(resolve))
  }
}

const entry = (inner: string) =>
  `<!doctype html><html lang="fr"><head><title>x</title></head><body><article class="h-entry">${inner}</article></body></html>`
const replyTo = (target: string, text: string, author = 'Zoé') =>
  entry(
    `<a class="p-author h-card" href="/zoe">${author}</a> <a class="u-in-reply-to" href="${target}">en réponse</a><div class="e-content"><p>${text}</p></div>`,
  )

async function send(app: FastifyInstance, form: Record<string, string>, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/webmention',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  })
}

describe('receiving webmentions', () => {
  const sites = new Sites()
  let blog: TestBlog
  let app: FastifyInstance
  let target: string

  beforeAll(async () => {
    await sites.start()
  })
  afterAll(() => sites.close())

  beforeEach(async () => {
    sites.pages.clear()
    blog = await buildTestApp({ demo: false, env: { OUTBOUND_ALLOW_PRIVATE: '1' } })
    app = blog.app
    const post = await createPost(app.db, {
      title: 'Le billet',
      body: 'Du texte.',
      status: 'published',
      publishedAt: '2026-12-01T10:00:00.000Z',
    })
    target = SITE_URL + postPath({ slug: post.slug, published_at: '2026-12-01T10:00:00.000Z' }, app.settings.get().timezone)
    return () => blog.close()
  })

  const mentions = () => app.db.selectFrom('webmentions').selectAll().orderBy('id').execute()
  const comments = () =>
    app.db
      .selectFrom('comments')
      .select(['id', 'body', 'author_name', 'author_url', 'status', 'origin', 'origin_url'])
      .orderBy('id')
      .execute()
  const reactions = () => app.db.selectFrom('reactions').select(['kind', 'source_url', 'author_name']).orderBy('id').execute()

  it('posts and pages advertise the endpoint in a Link header and in the head, from the page cache too', async () => {
    const page = await createPost(app.db, { title: 'À propos', body: 'Nous.', status: 'published', kind: 'page' })
    for (const url of [new URL(target).pathname, `/${page.slug}.html`]) {
      for (const pass of ['miss', 'hit']) {
        const res = await app.inject({ url })
        expect(res.statusCode).toBe(200)
        expect(res.headers['x-page-cache']).toBe(pass)
        expect(res.headers.link).toBe(`<${SITE_URL}/webmention>; rel="webmention"`)
        expect(res.body).toContain(`<link rel="webmention" href="${SITE_URL}/webmention">`)
      }
    }
    const home = await app.inject({ url: '/' })
    expect(home.headers.link).toBeUndefined()
    expect(home.body).not.toContain('rel="webmention"')
  })

  it('refuses at once, with the reason in plain words, what cannot be a webmention of ours; nothing is kept', async () => {
    const source = sites.set('/a', { body: replyTo(target, 'x') })
    const draft = await createPost(app.db, { title: 'Brouillon', body: 'x', status: 'draft' })
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /http\(s\)/],
      [{ source, target: 'ftp://blog.test/x' }, /http\(s\)/],
      [{ source: 'javascript:alert(1)', target }, /http\(s\)/],
      [{ source: 'pas une adresse', target }, /http\(s\)/],
      [{ source: target, target }, /même adresse/],
      [{ source, target: 'https://ailleurs.example/archive/2026/12/01/le-billet.html' }, /n’est pas un billet/],
      [{ source, target: `${SITE_URL}/` }, /n’est pas un billet/],
      [{ source, target: `${SITE_URL}/archive/2026/12/01/inconnu.html` }, /n’est pas un billet/],
      [{ source, target: `${SITE_URL}/archive/draft/${draft.slug}.html` }, /n’est pas un billet/],
      [{ source, target: target.replace('/12/01/', '/11/30/') }, /n’est pas un billet/],
      [{ source: 'x'.repeat(3000), target }, /http\(s\)/],
    ]
    for (const [form, reason] of cases) {
      const res = await send(app, form)
      expect(res.statusCode, JSON.stringify(form)).toBe(400)
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.body).toMatch(reason)
    }
    expect(await mentions()).toEqual([])
    expect(await app.db.selectFrom('jobs').selectAll().execute()).toEqual([])
  })

  it('a reply: 202 with a status page, verified later, a comment through moderation; sent again after an edit: updated; gone: removed', async () => {
    const source = sites.set('/notes/1', { body: replyTo(target, 'Très juste, merci.') })
    const res = await send(app, { source, target })
    expect(res.statusCode).toBe(202)
    const status = res.headers.location as string
    expect(status).toMatch(new RegExp(`^${SITE_URL}/webmention/status/\\d+$`))
    const pending = await app.inject({ url: new URL(status).pathname })
    expect(pending.statusCode).toBe(200)
    expect(pending.body).toContain('En attente de vérification')
    expect(pending.body).toContain('<meta name="robots" content="noindex">')
    expect(await comments()).toEqual([])

    expect(await app.jobs.runDue()).toBe(1)
    const [comment] = await comments()
    expect(comment).toMatchObject({
      body: 'Très juste, merci.',
      author_name: 'Zoé',
      author_url: `${sites.base}/zoe`,
      origin: 'webmention',
      origin_url: source,
    })
    const accepted = await app.inject({ url: new URL(status).pathname })
    expect(accepted.body).toContain('Acceptée – une réponse (un commentaire, soumis à la modération)')

    // Approved by the moderator, the reader sees it under the post.
    await app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', comment!.id).execute()
    expect((await app.inject({ url: new URL(target).pathname })).body).toContain('Très juste, merci.')

    // The source edited, sent again: the same comment, its new text.
    sites.set('/notes/1', { body: replyTo(target, 'Très juste, merci ! (corrigé)') })
    expect((await send(app, { source, target })).statusCode).toBe(202)
    await app.jobs.runDue()
    expect(await comments()).toMatchObject([{ id: comment!.id, body: 'Très juste, merci ! (corrigé)' }])
    expect(await mentions()).toHaveLength(1)

    // Deleted there (410): removed here.
    sites.set('/notes/1', { status: 410, body: 'gone' })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await comments()).toEqual([])
    expect((await app.inject({ url: new URL(target).pathname })).body).not.toContain('Très juste')
    expect(await mentions()).toMatchObject([{ state: 'refused', result: 'gone' }])
  })

  it('likes, reposts, bookmarks are counted and mentions listed, once per source; a like turned reply moves', async () => {
    const like = sites.set('/like', { body: entry(`<a class="u-like-of" href="${target}">♥</a>`) })
    const repost = sites.set('/repost', { body: entry(`<a class="u-repost-of" href="${target}">↻</a>`) })
    const bookmark = sites.set('/bookmark', { body: entry(`<a class="u-bookmark-of" href="${target}">★</a>`) })
    const mention = sites.set('/mention', { body: `<p>Lisez <a href="${target}">ce billet</a>.</p>` })
    for (const source of [like, repost, bookmark, mention, like]) expect((await send(app, { source, target })).statusCode).toBe(202)
    await app.jobs.runDue()
    // Verified side by side (the jobs' batch): in any order. A page naming nobody is named by its host.
    const host = new URL(sites.base).host
    expect((await reactions()).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'bookmark', source_url: bookmark, author_name: host },
      { kind: 'boost', source_url: repost, author_name: host },
      { kind: 'like', source_url: like, author_name: host },
      { kind: 'mention', source_url: mention, author_name: host },
    ])
    expect(await comments()).toEqual([])
    // Counted under the post, the mention listed.
    const page = (await app.inject({ url: new URL(target).pathname })).body
    expect(page).toContain('1 j’aime · 1 partage · 1 signet')
    expect(page).toContain(`<a href="${mention}" rel="nofollow ugc noopener"><bdi>${host}</bdi></a>`)

    sites.set('/like', { body: replyTo(target, 'Finalement, une réponse.') })
    await send(app, { source: like, target })
    await app.jobs.runDue()
    expect((await reactions()).map((r) => r.kind).sort()).toEqual(['bookmark', 'boost', 'mention'])
    expect(await comments()).toMatchObject([{ body: 'Finalement, une réponse.', origin_url: like }])
  })

  it('a source that does not link to the target, or stops linking, is refused and what it made removed', async () => {
    const source = sites.set('/nolink', { body: entry('<p>Rien à voir.</p>') })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await mentions()).toMatchObject([{ state: 'refused', result: 'no-link' }])
    const status = await app.inject({ url: `/webmention/status/${(await mentions())[0]!.id}` })
    expect(status.body).toContain('la source ne contient pas de lien vers la cible')

    sites.set('/nolink', { body: `<p><a href="${target}">lien</a></p>` })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await reactions()).toHaveLength(1)
    sites.set('/nolink', { body: '<p>Lien retiré.</p>' })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await reactions()).toEqual([])
  })

  it('a reply to one of our comments answers it: its address as the target, or its anchor in in-reply-to', async () => {
    const { id: parent } = await app.db
      .insertInto('comments')
      .values({
        post_id: (await app.db.selectFrom('posts').select('id').executeTakeFirstOrThrow()).id,
        parent_id: null,
        author_name: 'Marc',
        author_email: null,
        author_url: null,
        body: 'Premier.',
        status: 'approved',
        created_at: '2026-12-02T10:00:00.000Z',
        ip: null,
        body_key: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const commentUrl = `${SITE_URL}/comment/${parent}`
    const one = sites.set('/r1', { body: replyTo(commentUrl, 'Réponse à Marc.') })
    expect((await send(app, { source: one, target: commentUrl })).statusCode).toBe(202)
    const two = sites.set('/r2', { body: replyTo(`${target}#comment-${parent}`, 'Moi aussi, Marc.') })
    expect((await send(app, { source: two, target })).statusCode).toBe(202)
    await app.jobs.runDue()
    const rows = await app.db
      .selectFrom('comments')
      .select(['body', 'parent_id'])
      .where('origin', '=', 'webmention')
      .orderBy('body')
      .execute()
    expect(rows).toEqual([
      { body: 'Moi aussi, Marc.', parent_id: parent },
      { body: 'Réponse à Marc.', parent_id: parent },
    ])
    // A comment readers cannot see is no target.
    await app.db.updateTable('comments').set({ status: 'pending' }).where('id', '=', parent).execute()
    expect((await send(app, { source: one, target: commentUrl })).statusCode).toBe(400)
  })

  it('the same source sent twice before it is verified: one comment', async () => {
    const source = sites.set('/twice', { body: replyTo(target, 'Une seule fois.') })
    await send(app, { source, target })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await comments()).toHaveLength(1)
    expect(await mentions()).toHaveLength(1)
  })

  it('a source over 1 MB is refused; a source that does not answer within 10 s too', async () => {
    const huge = sites.set('/huge', { body: `<a href="${target}">x</a>` + 'x'.repeat(2 * 1024 * 1024) })
    await send(app, { source: huge, target })
    await app.jobs.runDue()
    expect(await mentions()).toMatchObject([{ source: huge, state: 'refused', result: 'refused-fetch' }])

    const slow = sites.set('/slow', { body: `<a href="${target}">x</a>`, delay: 11_000 })
    await send(app, { source: slow, target })
    const started = Date.now()
    await app.jobs.runDue()
    expect(Date.now() - started).toBeLessThan(10_900)
    expect((await mentions()).find((m) => m.source === slow)).toMatchObject({ state: 'refused', result: 'refused-fetch' })
    expect(await reactions()).toEqual([])
  }, 20_000)

  it('a 5xx or an unreachable source is tried again later (the job’s backoff), then accepted', async () => {
    const source = sites.set('/flaky', { status: 503, body: 'busy' })
    await send(app, { source, target })
    await app.jobs.runDue()
    expect(await mentions()).toMatchObject([{ state: 'pending', detail: 'HTTP 503' }])
    const job = await app.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow()
    expect(job).toMatchObject({ state: 'pending', attempts: 1 })
    sites.set('/flaky', { body: `<a href="${target}">x</a>` })
    await app.db
      .updateTable('jobs')
      .set({ run_at: new Date(0).toISOString() })
      .where('id', '=', job.id)
      .execute()
    await app.jobs.runDue()
    expect(await mentions()).toMatchObject([{ state: 'accepted', result: 'mention' }])
  })

  it(`at most ${PER_SOURCE_HOST_PER_MINUTE} a minute from one site; another site is not held back`, async () => {
    const source = (n: number) => `https://bavard.example/${n}`
    for (let n = 0; n < PER_SOURCE_HOST_PER_MINUTE; n++) expect((await send(app, { source: source(n), target })).statusCode).toBe(202)
    const over = await send(app, { source: source(99), target })
    expect(over.statusCode).toBe(429)
    expect(over.body).toContain('Trop de webmentions de ce site')
    expect((await send(app, { source: 'https://calme.example/1', target })).statusCode).toBe(202)
    expect(await mentions()).toHaveLength(PER_SOURCE_HOST_PER_MINUTE + 1)
  })
})

describe('a source on a private address, without OUTBOUND_ALLOW_PRIVATE', () => {
  const sites = new Sites()
  let blog: TestBlog
  beforeAll(async () => {
    await sites.start()
    blog = await buildTestApp({ demo: false })
  })
  afterAll(async () => {
    await blog.close()
    await sites.close()
  })

  it('is never fetched: refused', async () => {
    let asked = 0
    sites.server.on('request', () => asked++)
    const post = await createPost(blog.app.db, { title: 'Cible', body: 'x', status: 'published', publishedAt: '2026-12-01T10:00:00.000Z' })
    const target = SITE_URL + postPath({ slug: post.slug, published_at: '2026-12-01T10:00:00.000Z' }, blog.app.settings.get().timezone)
    const source = sites.set('/inside', { body: `<a href="${target}">x</a>` })
    expect((await send(blog.app, { source, target })).statusCode).toBe(202)
    await blog.app.jobs.runDue()
    expect(await blog.app.db.selectFrom('webmentions').select(['state', 'result']).execute()).toEqual([
      { state: 'refused', result: 'refused-fetch' },
    ])
    expect(await blog.app.db.selectFrom('reactions').selectAll().execute()).toEqual([])
    expect(asked).toBe(0)
  })
})
