// Changing a writer's role and removing a writer: the removal asks who gets their posts (a select of the other
// writers) and is audited; the last owner can be neither removed nor demoted; administrators never touch owners.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AdminClient, createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { createUser } from '../../src/admin/users.ts'
import { createPost } from '../../src/content/posts.write.ts'

const PASSWORD = 'correct horse battery'

describe('removing and changing writers', () => {
  let blog: TestBlog
  let owner: AdminClient
  const idOf = async (username: string) =>
    (await blog.app.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    await createUser(blog.app.db, 'bea', PASSWORD, 'author')
    await createUser(blog.app.db, 'carl', PASSWORD, 'editor')
    for (const title of ['Un', 'Deux']) {
      await createPost(blog.app.db, { title, body: 'texte', status: 'published', authorId: await idOf('bea') })
    }
    owner = await signedIn(blog.app)
  })
  afterEach(() => blog.close())

  it('asks to whom the posts go, gives them, removes the writer and says so in the audit log', async () => {
    const page = await owner.get(`/admin/users/${await idOf('bea')}/delete`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Ses 2 notes iront à :')
    expect(page.body).toMatch(/<select id="heir" name="heir" required>[\s\S]*alice \(Propriétaire\)[\s\S]*carl \(Éditeur\)/)
    expect(page.body).not.toMatch(/<option value="\d+">bea/)
    const carl = await idOf('carl')
    const res = await owner.post(`/admin/users/${await idOf('bea')}/delete`, { heir: String(carl) })
    expect(res.statusCode).toBe(303)
    expect((await owner.get(res.headers.location as string)).body).toContain('Rédacteur retiré')
    expect(await blog.app.db.selectFrom('users').select('username').where('username', '=', 'bea').execute()).toEqual([])
    const posts = await blog.app.db.selectFrom('posts').select(['title', 'author_id']).orderBy('id').execute()
    expect(posts).toEqual([
      { title: 'Un', author_id: carl },
      { title: 'Deux', author_id: carl },
    ])
    const log = await blog.app.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'details'])
      .where('action', '=', 'user.remove')
      .execute()
    expect(log).toEqual([{ action: 'user.remove', target: 'bea', details: JSON.stringify({ role: 'author', postsTo: 'carl', posts: 2 }) }])
  })

  it('refuses an heir who is not another writer, changing nothing', async () => {
    const bea = await idOf('bea')
    const before = await blog.app.db.selectFrom('posts').selectAll().execute()
    for (const heir of [String(bea), '999', 'x', '']) {
      const res = await owner.post(`/admin/users/${bea}/delete`, { heir })
      expect(res.statusCode, heir).toBe(400)
      expect(res.body).toContain('name="heir"')
    }
    expect(await blog.app.db.selectFrom('posts').selectAll().execute()).toEqual(before)
    expect(await idOf('bea')).toBe(bea)
  })

  it('never removes or demotes the last owner; a second owner makes it possible', async () => {
    const alice = await idOf('alice')
    const page = await owner.get(`/admin/users/${alice}/delete`)
    expect(page.body).toContain('Le dernier propriétaire ne peut être ni retiré ni rétrogradé.')
    expect(page.body).not.toContain('name="heir"')
    const removed = await owner.post(`/admin/users/${alice}/delete`, { heir: String(await idOf('carl')) })
    expect(removed.statusCode).toBe(409)
    const demoted = await owner.post(`/admin/users/${alice}/role`, { role: 'editor' })
    expect(demoted.statusCode).toBe(409)
    expect(demoted.body).toContain('Le dernier propriétaire ne peut être ni retiré ni rétrogradé.')
    expect((await blog.app.db.selectFrom('users').select('role').where('id', '=', alice).executeTakeFirstOrThrow()).role).toBe('owner')

    expect((await owner.post(`/admin/users/${await idOf('carl')}/role`, { role: 'owner' })).statusCode).toBe(303)
    expect((await owner.post(`/admin/users/${alice}/role`, { role: 'editor' })).statusCode).toBe(303)
    const roles = await blog.app.db.selectFrom('users').select(['username', 'role']).orderBy('id').execute()
    expect(roles).toEqual([
      { username: 'alice', role: 'editor' },
      { username: 'bea', role: 'author' },
      { username: 'carl', role: 'owner' },
    ])
    // Her session ended with the change: she signs in again, with her new rights.
    expect((await owner.get('/admin/users')).statusCode).toBe(303)
  })

  it('an administrator manages writers but not owners', async () => {
    await createUser(blog.app.db, 'adm', PASSWORD, 'administrator')
    const adm = new AdminClient(blog.app)
    await adm.signIn('adm', PASSWORD)
    const list = await adm.get('/admin/users')
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain(`action="/admin/users/${await idOf('alice')}/role"`)
    expect(list.body).toContain(`action="/admin/users/${await idOf('bea')}/role"`)
    expect(list.body).not.toContain('<option value="owner"')
    expect((await adm.post(`/admin/users/${await idOf('alice')}/role`, { role: 'editor' })).statusCode).toBe(403)
    expect((await adm.get(`/admin/users/${await idOf('alice')}/delete`)).statusCode).toBe(403)
    expect((await adm.post(`/admin/users/${await idOf('bea')}/role`, { role: 'owner' })).statusCode).toBe(400)
    expect((await adm.post(`/admin/users/${await idOf('bea')}/role`, { role: 'editor' })).statusCode).toBe(303)
    expect((await blog.app.db.selectFrom('users').select('role').where('username', '=', 'alice').executeTakeFirstOrThrow()).role).toBe(
      'owner',
    )
  })
})
