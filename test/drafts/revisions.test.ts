// Revisions (issue 29): every save from the editor keeps a version with who and when; the admin lists them, shows
// the difference between two as marked lines, restores one (a new revision, the current one kept), and thins them
// beyond the last 50 to one a day. Two writers on one post: a save based on an older version is refused, both shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { updatePost } from '../../src/content/posts.write.ts'
import { KEEP_ALL, thinRevisions } from '../../src/content/revisions.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

describe('revisions', () => {
  let blog: TestBlog
  let alice: AdminClient
  let bob: AdminClient
  let id: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    await createAdmin(blog.app, 'bob', 'another good password')
    alice = await signedIn(blog.app)
    bob = await (async () => {
      const { AdminClient } = await import('../helpers/admin.ts')
      const client = new AdminClient(blog.app)
      expect((await client.signIn('bob', 'another good password')).statusCode).toBe(303)
      return client
    })()
  })
  afterAll(() => blog.close())

  const revisions = () => blog.app.db.selectFrom('post_revisions').selectAll().where('post_id', '=', id).orderBy('id').execute()
  const post = () => blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const form = (version: number, fields: Record<string, string> = {}) => ({
    title: 'Carnet de Palmyre',
    slug: 'carnet-de-palmyre',
    body: 'Première ligne.\nDeuxième ligne.\nTroisième ligne.',
    tags: 'Syrie',
    signature: 'A.',
    publishedAt: '',
    action: 'draft',
    version: String(version),
    ...fields,
  })

  it('keeps a revision at every save, with who and when, and lists them', async () => {
    const created = await alice.post('/admin/posts', form(0))
    expect(created.statusCode).toBe(303)
    id = Number(/\/admin\/posts\/(\d+)/.exec(created.headers.location as string)![1])
    expect((await post()).version).toBe(1)
    const edited = await bob.post(`/admin/posts/${id}`, form(1, { body: 'Première ligne.\nLigne changée par Bob.\nTroisième ligne.' }))
    expect(edited.statusCode).toBe(303)
    expect((await post()).version).toBe(2)
    const rows = await revisions()
    expect(rows.map((r) => [r.version, r.user_name, r.body_source.split('\n')[1]])).toEqual([
      [1, 'alice', 'Deuxième ligne.'],
      [2, 'bob', 'Ligne changée par Bob.'],
    ])
    expect(JSON.parse(rows[0]!.tags)).toEqual(['Syrie'])
    const list = await alice.get(`/admin/posts/${id}/revisions`)
    expect(list.statusCode).toBe(200)
    const text = visibleText(mainOf(list.body))
    expect(text).toContain('alice')
    expect(text).toContain('bob')
    expect(text).toContain('version actuelle')
    expect(text).toContain(`Les ${KEEP_ALL} dernières sont toutes gardées ; au-delà, la dernière de chaque jour.`)
    // The editor links to them.
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))).toContain('Révisions: 2 révisions')
  })

  it('shows the difference between two revisions with <ins>/<del> and words', async () => {
    const [first, second] = await revisions()
    const res = await alice.get(`/admin/posts/${id}/revisions/compare?from=${second!.id}&to=${first!.id}`)
    expect(res.statusCode).toBe(200)
    const main = mainOf(res.body)
    // Older first whatever the order picked.
    expect(main).toMatch(
      /<del><span class="diff-mark" aria-hidden="true">−<\/span><span class="visually-hidden">retiré : <\/span>Deuxième ligne.<\/del>/,
    )
    expect(main).toMatch(
      /<ins><span class="diff-mark" aria-hidden="true">\+<\/span><span class="visually-hidden">ajouté : <\/span>Ligne changée par Bob.<\/ins>/,
    )
    expect(visibleText(main)).toContain('Première ligne.')
    expect(visibleText(main)).toContain('Lignes ajoutées : « + », soulignées ; lignes retirées : « − », barrées.')
  })

  it('restores a revision as a new one, the current version kept', async () => {
    const [first] = await revisions()
    const page = await alice.get(`/admin/posts/${id}/revision?rev=${first!.id}`)
    expect(page.statusCode).toBe(200)
    expect(visibleText(mainOf(page.body))).toContain('Ce que la restauration changerait au texte actuel')
    const res = await alice.post(`/admin/posts/${id}/revisions/restore`, { rev: String(first!.id), version: '2' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`/admin/posts/${id}?done=restored`)
    expect((await post()).body_source).toBe('Première ligne.\nDeuxième ligne.\nTroisième ligne.')
    expect((await post()).version).toBe(3)
    const rows = await revisions()
    expect(rows).toHaveLength(3)
    expect(rows[1]!.body_source).toContain('Bob') // the version replaced is still there
    expect(rows[2]!.restored_from).toBe(first!.id)
    expect(rows[2]!.user_name).toBe('alice')
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}?done=restored`)).body))).toContain('Révision restaurée')
    // A restore based on a version since replaced changes nothing.
    const stale = await alice.post(`/admin/posts/${id}/revisions/restore`, { rev: String(rows[1]!.id), version: '2' })
    expect(stale.headers.location).toBe(`/admin/posts/${id}/revision?rev=${rows[1]!.id}&moved=1`)
    expect((await post()).version).toBe(3)
  })

  it('refuses a save based on an older version, showing both versions complete, and loses nothing', async () => {
    // Bob opened the post at version 3 and saved; Alice, who opened it at version 3 too, saves after him.
    expect((await bob.post(`/admin/posts/${id}`, form(3, { body: 'Texte de Bob, enregistré.' }))).statusCode).toBe(303)
    const before = await post()
    const mine = 'Texte d’Alice, tapé pendant une heure.\nAvec <b>du code</b>.'
    const res = await alice.post(`/admin/posts/${id}`, form(3, { title: 'Titre d’Alice', body: mine }))
    expect(res.statusCode).toBe(409)
    const main = mainOf(res.body)
    const text = visibleText(main)
    expect(text).toContain('Quelqu’un a enregistré cette note pendant que vous écriviez')
    expect(text).toContain('Version enregistrée')
    expect(text).toContain('Enregistrée par bob le')
    expect(text).toContain('Votre version (non enregistrée)')
    // Theirs, read-only, complete; mine, in the editable form, complete.
    expect(main).toContain('<textarea id="theirs-body" rows="20" readonly dir="auto">Texte de Bob, enregistré.</textarea>')
    expect(main).toContain('Texte d’Alice, tapé pendant une heure.\nAvec &lt;b&gt;du code&lt;/b&gt;.</textarea>')
    expect(main).toContain('value="Titre d’Alice"')
    // The form now says version 4: saving again is deliberate, and goes through.
    expect(main).toContain('name="version" value="4"')
    expect(await post()).toEqual(before)
    const again = await alice.post(`/admin/posts/${id}`, form(4, { title: 'Titre d’Alice', body: mine }))
    expect(again.statusCode).toBe(303)
    expect((await post()).body_source).toBe(mine)
    // Bob's text is in the revisions.
    expect((await revisions()).some((r) => r.body_source === 'Texte de Bob, enregistré.')).toBe(true)
  })

  it('refuses the second of two saves based on the same version even when they race', async () => {
    const { version } = await post()
    const [a, b] = await Promise.all([
      alice.post(`/admin/posts/${id}`, form(version, { body: 'Course A' })),
      bob.post(`/admin/posts/${id}`, form(version, { body: 'Course B' })),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([303, 409])
    expect((await post()).version).toBe(version + 1)
    // The write itself checks the version (the page's check before it could pass for both).
    const before = await post()
    const fields = {
      title: 'x',
      slug: before.slug,
      body: 'Écrasé ?',
      signature: '',
      status: 'draft' as const,
      publishedAt: null,
      categoryIds: [],
      tags: [],
    }
    expect(await updatePost(blog.app.db, id, { ...fields, expectedVersion: version })).toBe(false)
    expect(await post()).toEqual(before)
    expect(await updatePost(blog.app.db, id, { ...fields, expectedVersion: before.version })).toBe(true)
    expect((await post()).version).toBe(before.version + 1)
  })

  it('keeps the last 50, then one a day', async () => {
    await blog.app.db.deleteFrom('post_revisions').where('post_id', '=', id).execute()
    const p = await post()
    const rows = []
    // 30 days with 3 saves each (the oldest), then 60 saves today: 150 revisions.
    for (let day = 30; day >= 1; day--) {
      for (let k = 0; k < 3; k++) rows.push(new Date(Date.UTC(2026, 10, 30 - day, 10, k)).toISOString())
    }
    for (let k = 0; k < 60; k++) rows.push(new Date(Date.UTC(2026, 11, 6, 8, 0, k)).toISOString())
    await blog.app.db
      .insertInto('post_revisions')
      .values(
        rows.map((created_at, i) => ({
          post_id: id,
          version: i + 1,
          title: p.title,
          slug: p.slug,
          body_source: `v${i + 1}`,
          format: p.format,
          status: p.status,
          published_at: null,
          user_id: null,
          restored_from: null,
          created_at,
        })),
      )
      .execute()
    await blog.app.db.transaction().execute((trx) => thinRevisions(trx, id))
    const kept = await revisions()
    // The last 50 (all of today's last 50), the last of today's 10 older ones, and the last of each of the 30 days.
    expect(kept).toHaveLength(50 + 1 + 30)
    expect(kept.at(-1)!.body_source).toBe('v150')
    expect(kept.slice(-50).map((r) => r.body_source)).toEqual(Array.from({ length: 50 }, (_, i) => `v${101 + i}`))
    expect(kept[0]!.body_source).toBe('v3') // the last of the oldest day
    // A save thins too: today's 51st newest was kept for today, the 52nd goes; older days keep their one.
    const res = await alice.post(`/admin/posts/${id}`, form(p.version, { body: 'Encore une' }))
    expect(res.statusCode).toBe(303)
    const after = await revisions()
    expect(after).toHaveLength(50 + 1 + 30)
    expect(after.at(-1)!.body_source).toBe('Encore une')
    expect(after.map((r) => r.body_source)).not.toContain('v100')
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}/revisions`)).body))).toContain('alice')
  })
})
