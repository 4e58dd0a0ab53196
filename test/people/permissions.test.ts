// Who may do what, walked: every /admin route the app itself lists (its route table, not a hand-kept list), for
// every role, through real sessions opened by the real sign-in form. A route the role's permissions grant is not
// refused; any other answers 403 with the plain "your role does not allow this" page and changes nothing. A route
// that declares no permission fails here (and is refused to everyone by the plugin).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createUser } from '../../src/admin/users.ts'
import { can, ROLES, type Role } from '../../src/admin/permissions.ts'
import { messages } from '../../src/i18n/index.ts'

const PASSWORD = 'correct horse battery'
/** An id that names nothing: an allowed request then finds nothing to change (404 or back to its list). */
const concrete = (url: string) => url.replace(/:id\b/g, '999999').replace(/:token\b/g, 'x')

async function snapshot(blog: TestBlog) {
  const out: Record<string, unknown> = {}
  for (const t of ['posts', 'comments', 'categories', 'settings', 'users', 'media', 'invitations', 'bans'] as const) {
    out[t] = await blog.app.db.selectFrom(t).selectAll().execute()
  }
  return out
}

describe('permissions, every admin route for every role', () => {
  let blog: TestBlog
  const forbidden = messages('fr').admin.forbidden
  beforeAll(async () => {
    blog = await buildTestApp()
    for (const role of ROLES) expect(await createUser(blog.app.db, role, PASSWORD, role)).toBe(true)
  })
  afterAll(() => blog.close())

  it('every route declares its permission', () => {
    const undeclared = blog.app.adminRoutes.filter((r) => !r.public && !r.permission).map((r) => `${r.method} ${r.url}`)
    expect(undeclared).toEqual([])
    expect(blog.app.adminRoutes.length).toBeGreaterThan(40)
  })

  for (const role of ROLES) {
    it(`${role}: allowed where granted, 403 with a clear page elsewhere`, async () => {
      const client = new AdminClient(blog.app)
      const signIn = await client.signIn(role, PASSWORD)
      expect(signIn.statusCode).toBe(303)
      const routes = blog.app.adminRoutes.filter((r) => !r.public && r.method !== 'HEAD')
      // Signing out last, so the session lasts the walk.
      routes.sort((a, b) => Number(a.url === '/admin/logout') - Number(b.url === '/admin/logout'))
      let refused = 0
      for (const r of routes) {
        const before = await snapshot(blog)
        const url = concrete(r.url)
        const res =
          r.method === 'GET' ? await client.get(url) : await client.post(url, { title: 'x', body: 'y', role: 'owner', email: 'a@b.fr' })
        const label = `${role} ${r.method} ${url}`
        const denied = res.statusCode === 403 && res.body.includes(forbidden)
        if (can(role as Role, r.permission!)) {
          expect(denied, `${label}: ${res.statusCode}`).toBe(false)
          expect(res.statusCode, label).not.toBe(401)
        } else {
          refused++
          expect(denied, `${label}: ${res.statusCode}`).toBe(true)
          expect(await snapshot(blog), label).toEqual(before)
        }
      }
      if (role === 'owner' || role === 'administrator') expect(refused).toBe(0)
      else expect(refused).toBeGreaterThan(5)
    })
  }

  it('the menu offers only what the role may do', async () => {
    const client = new AdminClient(blog.app)
    await client.signIn('contributor', PASSWORD)
    const home = await client.get('/admin')
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('href="/admin/posts/new"')
    for (const hidden of ['/admin/settings', '/admin/users', '/admin/comments', '/admin/media', '/admin/transfer']) {
      expect(home.body).not.toContain(`href="${hidden}"`)
    }
    const owner = new AdminClient(blog.app)
    await owner.signIn('owner', PASSWORD)
    expect((await owner.get('/admin')).body).toContain('href="/admin/users"')
  })
})

describe('the roles, as the issue states them', () => {
  const expected: Record<Role, string[]> = {
    owner: ['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories', 'settings', 'transfer', 'users'],
    administrator: ['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories', 'settings', 'transfer', 'users'],
    editor: ['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories'],
    author: ['signed-in', 'posts.write', 'media', 'comments'],
    contributor: ['signed-in', 'posts.write'],
  }
  const all = ['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories', 'settings', 'transfer', 'users'] as const
  for (const role of ROLES) {
    it(`${role}`, () => {
      expect(all.filter((p) => can(role, p))).toEqual(expected[role])
    })
  }
})
