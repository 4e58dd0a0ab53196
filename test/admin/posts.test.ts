// Writing posts in the admin shows up on the public pages as it should.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, listedTitles, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

function permalinkOf(html: string, title: string): string {
  const m = new RegExp(`<h2 class="post-title"><a class="p-name u-url" href="([^"]+)"[^>]*>${title}</a>`).exec(html)
  if (!m) throw new Error(`${title} is not listed`)
  return m[1]!
}

/** `YYYY-MM-DDTHH:MM` in Europe/Paris for an instant (the blog's zone in tests). */
function parisInput(date: Date): string {
  const p = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Paris',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(date)
  const g = (t: string) => p.find((x) => x.type === t)!.value
  return `${g('year')}-${g('month')}-${g('day')}T${g('hour')}:${g('minute')}`
}

describe('writing posts', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    await admin.post('/admin/categories', { name: 'Carnets de route', slug: '' })
    await admin.post('/admin/categories', { name: 'Politique', slug: '' })
  })
  afterAll(() => blog.close())

  const categoryId = async (name: string) =>
    String((await blog.app.db.selectFrom('categories').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id)
  const postRow = (title: string) => blog.app.db.selectFrom('posts').selectAll().where('title', '=', title).executeTakeFirstOrThrow()

  it('offers a new post with the username as signature and the categories as checkboxes', async () => {
    const page = await admin.get('/admin/posts/new')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('name="signature" type="text" value="alice"')
    expect(page.body).toMatch(/<input type="checkbox" name="categories\[\]" value="\d+"> Carnets de route/)
    expect(page.body).toContain('type="datetime-local"')
  })

  it('previews the Markdown, sanitized, keeping everything typed', async () => {
    const res = await admin.post('/admin/posts', {
      title: 'Un titre <em>brut</em>',
      body: '## Intertitre\n\nDu **gras** et <script>alert(1)</script> un [lien](javascript:alert(1)).',
      tags: 'un, deux',
      slug: '',
      signature: 'J. R. B.',
      publishedAt: '',
      'categories[]': await categoryId('Politique'),
      action: 'preview',
    })
    expect(res.statusCode).toBe(200)
    const main = mainOf(res.body)
    expect(main).toContain('<h2>Intertitre</h2>')
    expect(main).toContain('<strong>gras</strong>')
    expect(main).not.toContain('<script>alert')
    expect(main).not.toContain('href="javascript:')
    // Everything typed is back in the form, escaped.
    expect(main).toContain('value="Un titre &lt;em&gt;brut&lt;/em&gt;"')
    expect(main).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(main).toContain('value="un, deux"')
    expect(main).toContain('value="J. R. B."')
    expect(main).toMatch(/value="\d+" checked> Politique/)
    expect(await blog.app.db.selectFrom('posts').selectAll().execute()).toEqual([])
  })

  it('refuses a form with errors with 400, messages beside the fields, and the text kept', async () => {
    const res = await admin.post('/admin/posts', {
      title: '   ',
      body: 'Tout ce texte compte.',
      publishedAt: '2026-02-30T10:00',
      action: 'publish',
    })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Donnez un titre')
    expect(res.body).toContain('Date invalide')
    expect(res.body).toContain('Tout ce texte compte.</textarea>')
    const past = await admin.post('/admin/posts', { title: 'Trop tard', body: 'x', publishedAt: '2020-01-01T10:00', action: 'schedule' })
    expect(past.statusCode).toBe(400)
    expect(past.body).toContain('choisissez une date future')
    expect(await blog.app.db.selectFrom('posts').selectAll().execute()).toEqual([])
  })

  it('saves a draft that readers cannot see, then publishes it', async () => {
    const draft = await admin.post('/admin/posts', {
      title: 'Premier brouillon',
      body: 'Le corps du **brouillon**.',
      tags: 'Syrie, Alep',
      signature: 'Jean',
      'categories[]': [await categoryId('Carnets de route'), await categoryId('Politique')],
      action: 'draft',
    })
    expect(draft.statusCode).toBe(303)
    expect(draft.headers.location).toMatch(/^\/admin\/posts\/\d+\?done=saved$/)
    const row = await postRow('Premier brouillon')
    expect(row.status).toBe('draft')
    expect(row.slug).toBe('premier-brouillon')
    expect(listedTitles((await blog.app.inject('/')).body)).not.toContain('Premier brouillon')
    const list = await admin.get('/admin/posts')
    expect(visibleText(mainOf(list.body))).toContain('Premier brouillon Brouillon')
    expect((await admin.get('/admin/posts?state=draft')).body).toContain('Premier brouillon')
    expect((await admin.get('/admin/posts?state=published')).body).not.toContain('Premier brouillon')

    const edit = await admin.get(draft.headers.location as string)
    expect(edit.body, mainOf(edit.body)).toContain('Note enregistrée.')
    const published = await admin.post(`/admin/posts/${row.id}`, {
      title: 'Premier brouillon',
      slug: 'premier-brouillon',
      body: 'Le corps du **brouillon**.',
      tags: 'Syrie, Alep',
      signature: 'Jean',
      'categories[]': [await categoryId('Carnets de route')],
      publishedAt: '',
      action: 'publish',
    })
    expect(published.statusCode).toBe(303)
    const home = (await blog.app.inject('/')).body
    expect(listedTitles(home)).toEqual(['Premier brouillon'])
    const page = await blog.app.inject(permalinkOf(home, 'Premier brouillon'))
    expect(page.statusCode).toBe(200)
    const text = visibleText(mainOf(page.body))
    expect(text).toContain('Le corps du brouillon.')
    expect(page.body).toContain('<strong>brouillon</strong>')
    expect(text).toContain('Syrie')
    expect(text).toContain('Jean')
    expect(text).toContain('Publié dans Carnets de route |')
    // Unticked category: gone from the post, the category page still lists the other one.
    expect(listedTitles((await blog.app.inject('/category/carnets-de-route')).body)).toEqual(['Premier brouillon'])
    expect(listedTitles((await blog.app.inject('/category/politique')).body)).toEqual([])
    // The next new post is signed like this one.
    expect((await admin.get('/admin/posts/new')).body).toContain('name="signature" type="text" value="Jean"')
  })

  it('edits a published post, keeping its date, and a changed slug answers the old address with a 301', async () => {
    const row = await postRow('Premier brouillon')
    const oldPath = permalinkOf((await blog.app.inject('/')).body, 'Premier brouillon')
    const form = (await admin.get(`/admin/posts/${row.id}`)).body
    const publishedAt = /name="publishedAt" type="datetime-local" value="([^"]+)"/.exec(form)![1]!
    const res = await admin.post(`/admin/posts/${row.id}`, {
      title: 'Premier carnet',
      slug: 'premier-carnet',
      body: 'Un texte revu.',
      tags: '',
      signature: 'Jean',
      publishedAt,
      action: 'publish',
    })
    expect(res.statusCode).toBe(303)
    const after = await postRow('Premier carnet')
    expect(after.published_at).toBe(row.published_at)
    const newPath = oldPath.replace('premier-brouillon', 'premier-carnet')
    const moved = await blog.app.inject(oldPath)
    expect(moved.statusCode).toBe(301)
    expect(moved.headers.location).toBe(newPath)
    const page = await blog.app.inject(newPath)
    expect(page.statusCode).toBe(200)
    expect(visibleText(mainOf(page.body))).toContain('Un texte revu.')
    expect(listedTitles((await blog.app.inject('/')).body)).toEqual(['Premier carnet'])

    // Back to the first slug: it is the post's own again, the second one redirects, and nothing loops.
    await admin.post(`/admin/posts/${row.id}`, {
      title: 'Premier carnet',
      slug: 'premier-brouillon',
      body: 'Un texte revu.',
      signature: 'Jean',
      publishedAt,
      action: 'publish',
    })
    expect((await blog.app.inject(oldPath)).statusCode).toBe(200)
    const back = await blog.app.inject(newPath)
    expect(back.statusCode).toBe(301)
    expect(back.headers.location).toBe(oldPath)
    expect(await blog.app.db.selectFrom('post_redirects').selectAll().execute()).toEqual([{ old_slug: 'premier-carnet', post_id: row.id }])
  })

  it('refuses a slug another post already has', async () => {
    await admin.post('/admin/posts', { title: 'Deuxième', body: 'x', action: 'draft' })
    const second = await postRow('Deuxième')
    const res = await admin.post(`/admin/posts/${second.id}`, {
      title: 'Deuxième',
      slug: 'premier-brouillon',
      body: 'texte gardé',
      action: 'draft',
    })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('déjà celle d’une autre note')
    expect(res.body).toContain('texte gardé</textarea>')
    expect((await postRow('Deuxième')).slug).toBe('deuxieme')
  })

  it('accepts a post longer than the 64 KB readers may send', async () => {
    const body = Array.from({ length: 2000 }, (_, i) => `Paragraphe ${i} : une phrase assez longue pour peser.`).join('\n\n')
    expect(body.length).toBeGreaterThan(100_000)
    const res = await admin.post('/admin/posts', { title: 'Très longue note', body, action: 'draft' })
    expect(res.statusCode).toBe(303)
    expect((await postRow('Très longue note')).body_source).toBe(body)
    await blog.app.db.deleteFrom('posts').where('title', '=', 'Très longue note').execute()
  })

  it('schedules a post: invisible until its time, then visible without a restart', async () => {
    const when = new Date(Date.now() + 2 * 60 * 60 * 1000)
    const res = await admin.post('/admin/posts', {
      title: 'Note programmée',
      body: 'Plus tard.',
      publishedAt: parisInput(when),
      action: 'schedule',
    })
    expect(res.statusCode).toBe(303)
    const row = await postRow('Note programmée')
    expect(row.status).toBe('published')
    // The time typed is the blog's zone (Europe/Paris), stored in UTC.
    expect(Math.abs(new Date(row.published_at!).getTime() - when.getTime())).toBeLessThan(60_000)
    expect(listedTitles((await blog.app.inject('/')).body)).not.toContain('Note programmée')
    expect(visibleText(mainOf((await admin.get('/admin/posts?state=scheduled')).body))).toContain('Note programmée Programmée')
    // A few seconds ahead: still nobody sees it, not even at its own address.
    await blog.app.db
      .updateTable('posts')
      .set({ published_at: new Date(Date.now() + 5000).toISOString() })
      .where('id', '=', row.id)
      .execute()
    const soonPath = postPath({ slug: row.slug, published_at: new Date(Date.now() + 5000).toISOString() }, 'Europe/Paris')
    expect((await blog.app.inject(soonPath)).statusCode).toBe(404)
    expect(listedTitles((await blog.app.inject('/')).body)).not.toContain('Note programmée')

    // Its time comes (moved in the database rather than waited for): readers see it at once.
    await blog.app.db
      .updateTable('posts')
      .set({ published_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', row.id)
      .execute()
    const home = (await blog.app.inject('/')).body
    expect(listedTitles(home)).toContain('Note programmée')
    expect((await blog.app.inject(permalinkOf(home, 'Note programmée'))).statusCode).toBe(200)
  })

  it('takes a post back to draft: its page disappears', async () => {
    const row = await postRow('Note programmée')
    const path = permalinkOf((await blog.app.inject('/')).body, 'Note programmée')
    await admin.post(`/admin/posts/${row.id}`, { title: 'Note programmée', slug: row.slug, body: 'Plus tard.', action: 'draft' })
    expect((await blog.app.inject(path)).statusCode).toBe(404)
    expect(listedTitles((await blog.app.inject('/')).body)).not.toContain('Note programmée')
  })

  it('deletes a post after a confirmation page', async () => {
    const row = await postRow('Premier carnet')
    const path = permalinkOf((await blog.app.inject('/')).body, 'Premier carnet')
    const confirm = await admin.get(`/admin/posts/${row.id}/delete`)
    expect(confirm.statusCode).toBe(200)
    expect(visibleText(mainOf(confirm.body))).toContain('Supprimer « Premier carnet » ?')
    // Nothing is deleted by looking at the confirmation page.
    expect((await blog.app.inject(path)).statusCode).toBe(200)
    const res = await admin.post(`/admin/posts/${row.id}/delete`)
    expect(res.statusCode).toBe(303)
    expect((await blog.app.inject(path)).statusCode).toBe(404)
    // Its old address is gone with it.
    expect((await blog.app.inject(path.replace('premier-brouillon', 'premier-carnet'))).statusCode).toBe(404)
    expect(listedTitles((await blog.app.inject('/')).body)).not.toContain('Premier carnet')
    expect(visibleText(mainOf((await admin.get('/admin/posts?done=deleted')).body))).toContain('Note supprimée.')
  })

  it('logs every change in the audit log, shown on the admin home, without secrets', async () => {
    const log = await blog.app.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
    expect(log.map((r) => r.action)).toEqual(
      expect.arrayContaining(['user.login', 'category.create', 'post.create', 'post.update', 'post.delete']),
    )
    expect(log.every((r) => r.username === 'alice')).toBe(true)
    const all = JSON.stringify(log)
    expect(all).not.toContain('correct horse battery')
    expect(all).not.toContain(admin.cookie.split('=')[1]!.slice(0, 20))
    const home = visibleText(mainOf((await admin.get('/admin')).body))
    expect(home).toContain('post.delete')
    expect(home).toContain('Premier carnet')
  })
})

describe('closing a thread from the admin', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  it('reopens the seed thread from the list, then closes it from the edit page', async () => {
    const seed = await blog.app.db.selectFrom('posts').select(['id', 'comments_open']).where('id', '=', 1).executeTakeFirstOrThrow()
    expect(seed.comments_open).toBe(0)
    expect((await blog.app.inject(SEED_PATH)).body).toContain('Les commentaires sont fermés.')

    const list = await admin.get('/admin/posts')
    expect(list.body).toContain(`action="/admin/posts/${seed.id}/thread"`)
    const reopen = await admin.post(`/admin/posts/${seed.id}/thread`, { open: '1', back: '/admin/posts' })
    expect(reopen.statusCode).toBe(303)
    expect(reopen.headers.location).toBe('/admin/posts')
    expect((await blog.app.inject(SEED_PATH)).body).not.toContain('Les commentaires sont fermés.')
    expect(visibleText(mainOf((await admin.get(`/admin/posts/${seed.id}`)).body))).toContain('Discussion: Ouverte')

    const close = await admin.post(`/admin/posts/${seed.id}/thread`, { open: '0', back: `/admin/posts/${seed.id}` })
    expect(close.headers.location).toBe(`/admin/posts/${seed.id}`)
    expect((await blog.app.inject(SEED_PATH)).body).toContain('Les commentaires sont fermés.')
    const actions = (await blog.app.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action)
    expect(actions).toEqual(expect.arrayContaining(['thread.reopen', 'thread.close']))
  })

  it('removes the comment form, and a comment POST gets 403 with no new row; reopening brings it back', async () => {
    const other = await blog.app.db
      .selectFrom('posts')
      .select(['id', 'slug'])
      .where('id', '!=', 1)
      .orderBy('published_at', 'desc')
      .executeTakeFirstOrThrow()
    const home = (await blog.app.inject('/')).body
    const path = /<h2 class="post-title"><a class="p-name u-url" href="([^"]+)"/.exec(home)![1]!
    const open = await blog.app.inject(path)
    const section = (html: string) => /<section id="comments"[\s\S]*?<\/section>/.exec(html)?.[0] ?? ''
    const formTag = /<form\b[^>]*>/i.exec(section(open.body))?.[0]
    expect(formTag).toBeDefined()
    expect(open.body).not.toContain('Les commentaires sont fermés.')
    await admin.post(`/admin/posts/${other.id}/thread`, { open: '0' })
    const closed = await blog.app.inject(path)
    expect(closed.body).toContain('Les commentaires sont fermés.')
    expect(section(closed.body)).not.toMatch(/<form\b/i)
    const count = async () => (await blog.app.db.selectFrom('comments').selectAll().execute()).length
    const before = await count()
    const action = (/action="([^"]*)"/.exec(formTag!)?.[1] || path).replace(/&amp;/g, '&')
    const post = await blog.app.inject({
      method: 'POST',
      url: action,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://blog.test' },
      payload: 'author=Lecteur&body=Encore+ouvert+%3F',
    })
    expect(post.statusCode).toBe(403)
    expect(await count()).toBe(before)
    await admin.post(`/admin/posts/${other.id}/thread`, { open: '1' })
    expect(section((await blog.app.inject(path)).body)).toMatch(/<form\b/i)
  })
})
