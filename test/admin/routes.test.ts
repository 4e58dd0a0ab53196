// Every /admin route, as the app itself lists them (not a hand-kept list), refuses a visitor without a session,
// and every state-changing one refuses a request without a valid CSRF token, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient, createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

/** A concrete address for a route pattern: the seed post has id 1; category 1 exists in the demo; image 1 is added below. */
function concrete(url: string): string {
  return url.replace(/:id\b/g, '1')
}

/** `METHOD /path` for every route in the tree that printRoutes() draws. */
function printedRoutes(tree: string): string[] {
  const out: string[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:└──|├──) (\S+)(?: \(([^)]*)\))?$/.exec(line)
    if (!m) continue
    const depth = m[1]!.length / 4
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!
    stack[depth] = path
    stack.length = depth + 1
    for (const method of m[3] ? m[3].split(', ') : []) out.push(`${method} ${path}`)
  }
  return out
}

/** A count of every row the admin can change, to prove a refused request changed nothing. */
async function snapshot(blog: TestBlog) {
  const db = blog.app.db
  const tables = [
    'posts',
    'comments',
    'categories',
    'post_categories',
    'post_tags',
    'settings',
    'users',
    'post_redirects',
    'media',
  ] as const
  const out: Record<string, unknown> = {}
  for (const t of tables) out[t] = await db.selectFrom(t).selectAll().execute()
  return out
}

describe('the admin routes', () => {
  let blog: TestBlog
  let routes: Array<{ method: string; url: string }>
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    await blog.app.db
      .insertInto('media')
      .values({
        hash: 'a'.repeat(32),
        name: `${'a'.repeat(32)}-640x480.jpg`,
        type: 'image/jpeg',
        width: 640,
        height: 480,
        bytes: 1,
        created_at: new Date().toISOString(),
      })
      .execute()
    routes = blog.app.adminRoutes
  })
  afterAll(() => blog.close())

  it('are listed from the router, and the list matches what the router answers', () => {
    const keys = routes.map((r) => `${r.method} ${r.url}`)
    expect(keys).toEqual(expect.arrayContaining(['GET /admin', 'POST /admin/posts', 'POST /admin/comments', 'POST /admin/settings']))
    expect(routes.length).toBeGreaterThan(20)
    for (const r of routes) {
      expect(blog.app.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true)
    }
    // Cross-check with the router's own dump: the same /admin routes, none missing from the list.
    expect(new Set(printedRoutes(blog.app.printRoutes({ commonPrefix: false })).filter((k) => / \/admin(\/|$)/.test(k)))).toEqual(
      new Set(keys),
    )
  })

  it('refuse a visitor without a session (GET: 303 to sign-in; anything else: 401 or 403)', async () => {
    const before = await snapshot(blog)
    for (const r of routes) {
      const url = concrete(r.url)
      const res = await blog.app.inject({
        method: r.method as 'GET',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : 'title=x&action=publish&open=1&name=x&ids=1&row=delete:1',
      })
      const label = `${r.method} ${url}`
      if (r.url === '/admin/login' && (r.method === 'GET' || r.method === 'HEAD')) {
        expect(res.statusCode, label).toBe(200) // the sign-in page itself
      } else if (r.url === '/admin/invite/:token' && (r.method === 'GET' || r.method === 'HEAD')) {
        expect(res.statusCode, label).toBe(404) // an invitation's page, public: this made-up link is not one
      } else if (r.method === 'GET' || r.method === 'HEAD') {
        expect(res.statusCode, label).toBe(303)
        expect(res.headers.location, label).toBe(`/admin/login?next=${encodeURIComponent(url)}`)
      } else {
        expect([401, 403], label).toContain(res.statusCode)
        // A refusal sends no session cookie: one would replace (sign out) the admin's own in a browser.
        expect(res.headers['set-cookie'], label).toBeUndefined()
      }
    }
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuse every state-changing request without a valid CSRF token, even from a signed-in admin', async () => {
    const client = await signedIn(blog.app)
    const other = await signedIn(blog.app) // a real token, but of another session
    const before = await snapshot(blog)
    const changing = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method))
    expect(changing.length).toBeGreaterThan(8)
    for (const r of changing) {
      const url = concrete(r.url)
      for (const token of [undefined, '', 'forged-token', other.csrf]) {
        const form: Record<string, string> = {
          title: 'x',
          action: 'publish',
          open: '1',
          name: 'x',
          ids: '1',
          row: 'delete:1',
          username: 'alice',
          password: 'correct horse battery',
        }
        const body = new URLSearchParams(form)
        if (token !== undefined) body.set('_csrf', token)
        const res = await blog.app.inject({
          method: r.method as 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: client.cookie },
          payload: body.toString(),
        })
        expect(res.statusCode, `${r.method} ${url} with token ${JSON.stringify(token)}`).toBe(403)
        expect(res.body).toContain('Ce formulaire a expiré')
        expect(res.headers['set-cookie'], `${r.method} ${url}`).toBeUndefined()
      }
    }
    expect(await snapshot(blog)).toEqual(before)
    // The session is still fine: the same request with the right token goes through.
    const ok = await client.post('/admin/posts/1/thread', { open: '1' })
    expect(ok.statusCode).toBe(303)
  })

  it('mark every admin page noindex and uncacheable, with its own layout (no public sidebar)', async () => {
    const client = await signedIn(blog.app)
    for (const r of routes.filter((r) => r.method === 'GET')) {
      const res = await client.get(concrete(r.url))
      // A signed-in admin asking for the sign-in page is sent on to the dashboard.
      // A signed-in admin asking for an invitation's page with a made-up link: not one (404), in the admin layout.
      expect(res.statusCode, r.url).toBe(r.url === '/admin/login' ? 303 : r.url === '/admin/invite/:token' ? 404 : 200)
      if (res.statusCode === 303) continue
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.body).toMatch(/^<!DOCTYPE html>/)
      expect(res.body).toContain('<meta name="robots" content="noindex, nofollow">')
      expect(res.body).not.toContain('class="sidebar')
    }
  })

  it('answers 404 for an admin address of something that does not exist', async () => {
    const client = await signedIn(blog.app)
    for (const url of ['/admin/posts/99999', '/admin/posts/abc', '/admin/posts/99999/delete']) {
      expect((await client.get(url)).statusCode, url).toBe(404)
    }
    expect((await client.post('/admin/posts/99999', { title: 'x' })).statusCode).toBe(404)
    expect((await client.post('/admin/categories/99999/delete')).statusCode).toBe(404)
  })

  it('keeps the visitor out when the session cookie is absent or garbage', async () => {
    for (const cookie of ['carnet_session=', 'carnet_session=garbage', 'carnet_session=a%3Bb']) {
      const res = await blog.app.inject({ url: '/admin/posts', headers: { cookie } })
      expect(res.statusCode).toBe(303)
    }
  })
})

describe('admin pages', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    await blog.app.db
      .insertInto('comments')
      .values(
        ['Un', 'Deux'].map((name) => ({
          post_id: 1,
          parent_id: null,
          author_name: name,
          author_email: null,
          author_url: 'https://example.org',
          body: 'Voir https://example.org',
          status: 'pending' as const,
          created_at: new Date().toISOString(),
          ip: '192.0.2.9',
        })),
      )
      .execute()
  })
  afterAll(() => blog.close())

  it('are valid HTML, forms with errors included', async () => {
    const { HtmlValidate } = await import('html-validate')
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'] })
    const visitor = new AdminClient(blog.app)
    const pages: Array<[string, string]> = [
      ['login', (await visitor.get('/admin/login')).body],
      ['login failed', (await visitor.post('/admin/login', { username: 'x', password: 'y', next: '' })).body],
    ]
    const admin = await signedIn(blog.app)
    for (const r of blog.app.adminRoutes.filter((r) => r.method === 'GET' && r.url !== '/admin/login')) {
      pages.push([r.url, (await admin.get(concrete(r.url))).body])
    }
    pages.push(['preview', (await admin.post('/admin/posts', { title: 'T', body: '# Titre\n\nTexte', action: 'preview' })).body])
    pages.push(['post errors', (await admin.post('/admin/posts', { title: '', body: 'x', publishedAt: 'bad', action: 'publish' })).body])
    pages.push(['settings errors', (await admin.post('/admin/settings', { title: '', language: 'xx' })).body])
    pages.push(['category errors', (await admin.post('/admin/categories/1', { name: '', slug: '' })).body])
    pages.push(['csrf refused', (await admin.post('/admin/categories/1', { _csrf: 'forged' })).body])
    for (const [name, html] of pages) {
      const report = await validator.validateString(html)
      const problems = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.message} (line ${m.line})`))
      expect(problems, name).toEqual([])
    }
  })
})
