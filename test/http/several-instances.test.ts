// Two app instances on one database file, as two servers behind a proxy would be: nothing a user notices may
// depend on which instance answers (rate limits, sessions, pages kept by the page cache).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { commentList, openPost, send } from '../helpers/comments.ts'
import { AdminClient, createAdmin, signedIn } from '../helpers/admin.ts'
import { LOGIN_MAX_PER_IP } from '../../src/admin/auth.routes.ts'
import { NOT_FOUND_PER_MINUTE } from '../../src/http/errors.ts'

const SESSION_KEY = 'ab'.repeat(32)

describe('two instances on one database', () => {
  let dir: string
  let a: TestBlog
  let b: TestBlog
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-instances-'))
    const env = { SESSION_KEY, COMMENT_RATE_LIMIT: '2', PAGE_CACHE: 'on' }
    a = await buildTestApp({ dir, env, demo: false })
    b = await buildTestApp({ dir, env, demo: false })
  })
  afterEach(async () => {
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  it('a comment rate limit reached through one instance holds on the other', async () => {
    const post = await openPost(a)
    const comment = (n: number) => ({ author: 'Zoë', body: `Commentaire numéro ${n}` })
    expect((await send(a, post.url, comment(1))).statusCode).toBe(303)
    expect((await send(a, post.url, comment(2))).statusCode).toBe(303)
    const third = await send(b, post.url, comment(3))
    expect(third.statusCode).toBe(429)
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0)
    // The comment comes back in the form, as typed.
    expect(third.body).toContain('Commentaire numéro 3')
    // Still refused through the first one; another address is not affected.
    expect((await send(a, post.url, comment(4))).statusCode).toBe(429)
    expect((await send(b, post.url, comment(5), { ip: '198.51.100.9' })).statusCode).toBe(303)
    const rows = await a.app.db.selectFrom('comments').select('body').where('post_id', '=', post.id).orderBy('id').execute()
    expect(rows.map((r) => r.body)).toEqual(['Commentaire numéro 1', 'Commentaire numéro 2', 'Commentaire numéro 5'])
  })

  it('refusals over the limit write nothing: the page cache of the other instance keeps its pages', async () => {
    const post = await openPost(a)
    for (const n of [1, 2]) expect((await send(a, post.url, { author: 'Zoë', body: `Texte ${n} du commentaire` })).statusCode).toBe(303)
    for (let n = 3; n < 5; n++) expect((await send(a, post.url, { author: 'Zoë', body: `Texte ${n} du commentaire` })).statusCode).toBe(429)
    // Once the limit is recorded, refusals write nothing: B's cached page stays.
    expect((await b.app.inject(post.url)).statusCode).toBe(200)
    expect((await b.app.inject(post.url)).headers['x-page-cache']).toBe('hit')
    for (let n = 5; n < 10; n++)
      expect((await send(a, post.url, { author: 'Zoë', body: `Texte ${n} du commentaire` })).statusCode).toBe(429)
    expect((await b.app.inject(post.url)).headers['x-page-cache']).toBe('hit')
  })

  it('the sign-in limit per address counts attempts made through both instances', async () => {
    await createAdmin(a.app)
    for (let i = 0; i < LOGIN_MAX_PER_IP; i++) {
      // Alternating instances, and usernames, so that the per-username limit is not what refuses.
      const client = new AdminClient(i % 2 ? a.app : b.app)
      const res = await client.signIn(`nobody${i}`, 'wrong password here')
      expect(res.statusCode).toBe(401)
    }
    const res = await new AdminClient(a.app).signIn()
    expect(res.statusCode).toBe(429)
  })

  it('an admin signed in on one instance is signed in on the other; signing out on it ends the session on both', async () => {
    await createAdmin(a.app)
    const onA = await signedIn(a.app)
    const onB = new AdminClient(b.app)
    onB.cookie = onA.cookie
    const dashboard = await onB.get('/admin')
    expect(dashboard.statusCode).toBe(200)
    expect(dashboard.body).toContain('alice')
    // Sign out through B with the same cookie; the cookie replayed on A is refused.
    expect((await onB.post('/admin/logout')).statusCode).toBe(303)
    const replay = await a.app.inject({ url: '/admin', headers: { cookie: onA.cookie } })
    expect(replay.statusCode).toBe(303)
    expect(replay.headers.location).toMatch(/^\/admin\/login/)
  })

  it('a comment posted through one instance is on the other one page at once, page cache on', async () => {
    const post = await openPost(a)
    // Both instances have the page in their cache.
    for (const blog of [a, b]) {
      expect((await blog.app.inject(post.url)).statusCode).toBe(200)
      expect((await blog.app.inject(post.url)).headers['x-page-cache']).toBe('hit')
    }
    expect(commentList((await b.app.inject(post.url)).body)).not.toContain('Posté par A')
    expect((await send(a, post.url, { author: 'Rania', body: 'Posté par A, lu sur B' })).statusCode).toBe(303)
    const onB = await b.app.inject(post.url)
    expect(onB.headers['x-page-cache']).toBe('miss')
    expect(commentList(onB.body)).toContain('Posté par A, lu sur B')
    // And the other way round.
    expect((await send(b, post.url, { author: 'Rania', body: 'Posté par B, lu sur A' }, { ip: '198.51.100.2' })).statusCode).toBe(303)
    expect(commentList((await a.app.inject(post.url)).body)).toContain('Posté par B, lu sur A')
  })

  it('settings saved through one instance show on the other at the next request', async () => {
    await createAdmin(a.app)
    expect((await b.app.inject('/')).body).toContain('<title>Carnet')
    await a.app.settings.update({ title: 'Le carnet partagé' })
    expect((await b.app.inject('/')).body).toContain('Le carnet partagé')
  })

  it('the 404 limit is per instance, on purpose (it protects each instance; a miss writes nothing)', async () => {
    const post = await openPost(b)
    expect((await b.app.inject(post.url)).statusCode).toBe(200)
    for (let i = 0; i < NOT_FOUND_PER_MINUTE; i++) expect((await a.app.inject(`/nothing-${i}`)).statusCode).toBe(404)
    expect((await a.app.inject('/nothing-more')).statusCode).toBe(429)
    expect((await b.app.inject('/nothing-more')).statusCode).toBe(404)
    expect((await b.app.inject(post.url)).headers['x-page-cache']).toBe('hit')
  })
})
