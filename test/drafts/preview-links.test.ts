// Preview links (issue 29): a draft shared for review through a secret, revocable address: it shows the current
// draft, says noindex and no-store, never enters the page cache (on either of two instances), and answers 404 once
// revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

describe('preview links', () => {
  let blog: TestBlog
  let other: TestBlog
  let alice: AdminClient
  let id: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    // A second instance on the same database (as behind a load balancer).
    other = await buildTestApp({ demo: false, dir: blog.dir, env: { SESSION_KEY: blog.config.sessionKey ?? '' } })
    await createAdmin(blog.app)
    alice = await signedIn(blog.app)
    const res = await alice.post('/admin/posts', { title: 'Brouillon à relire', body: 'Premier **jet**.', action: 'draft', version: '0' })
    id = Number(/\/admin\/posts\/(\d+)/.exec(res.headers.location as string)![1])
  })
  afterAll(async () => {
    await other.close()
    await blog.close()
  })

  const linkOf = async () => {
    const editor = await alice.get(`/admin/posts/${id}`)
    const m = /value="http:\/\/blog\.test(\/preview\/[A-Za-z0-9_-]+)" readonly/.exec(editor.body)
    return m?.[1]
  }

  it('shows the current draft to whoever has the link, noindex and no-store', async () => {
    expect(await linkOf()).toBeUndefined()
    const created = await alice.post(`/admin/posts/${id}/preview-links`)
    expect(created.statusCode).toBe(303)
    const path = (await linkOf())!
    expect(path).toMatch(/^\/preview\/[A-Za-z0-9_-]{43}$/)
    for (const app of [blog.app, other.app]) {
      const res = await app.inject(path)
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['x-page-cache']).toBeUndefined()
      expect(res.headers.etag).toBeUndefined()
      expect(res.body).toContain('<meta name="robots" content="noindex">')
      expect(res.body).toContain('<strong>jet</strong>')
      expect(visibleText(mainOf(res.body))).toContain('Aperçu d’un brouillon : cette page n’est pas publiée.')
    }
    // The draft is still not public.
    expect((await blog.app.inject('/')).body).not.toContain('Brouillon à relire')
    // Edited: the link shows the new text at once, on both instances.
    const { version } = await blog.app.db.selectFrom('posts').select('version').where('id', '=', id).executeTakeFirstOrThrow()
    await alice.post(`/admin/posts/${id}`, {
      title: 'Brouillon à relire',
      body: 'Second jet, *corrigé*.',
      action: 'draft',
      version: String(version),
    })
    for (const app of [blog.app, other.app]) expect((await app.inject(path)).body).toContain('<em>corrigé</em>')
  })

  it('answers 404 once revoked, and for a made-up token', async () => {
    const path = (await linkOf())!
    const editor = await alice.get(`/admin/posts/${id}`)
    const revoke = /action="(\/admin\/posts\/\d+\/preview-links\/\d+\/revoke)"/.exec(editor.body)![1]!
    const res = await alice.post(revoke)
    expect(res.statusCode).toBe(303)
    expect(visibleText(mainOf((await alice.get(res.headers.location as string)).body))).toContain('Lien d’aperçu révoqué')
    for (const app of [blog.app, other.app]) expect((await app.inject(path)).statusCode).toBe(404)
    expect((await blog.app.inject('/preview/' + 'x'.repeat(43))).statusCode).toBe(404)
    expect((await blog.app.inject('/preview/short')).statusCode).toBe(404)
    expect(await linkOf()).toBeUndefined()
  })

  it('refuses to make or revoke links without a session', async () => {
    const res = await blog.app.inject({ method: 'POST', url: `/admin/posts/${id}/preview-links` })
    expect(res.statusCode).toBe(401)
    expect(await blog.app.db.selectFrom('preview_links').selectAll().execute()).toEqual([])
  })
})
