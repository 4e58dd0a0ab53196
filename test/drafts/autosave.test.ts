// Autosave and expired sessions (issue 29): the editor's working copy is kept without touching the post and offered
// back ("Modifications non enregistrées du … à 14:03 : restaurer ou abandonner"); a save posted without JavaScript
// after the session ended keeps its text, and goes through once its writer signs in again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient, createAdmin, csrfOf, signedIn, sessionCookieOf } from '../helpers/admin.ts'
import { buildTestApp, mainOf, SITE_URL, visibleText, type TestBlog } from '../helpers/app.ts'
import { multipart } from '../helpers/multipart.ts'

describe('autosave', () => {
  let blog: TestBlog
  let alice: AdminClient
  let id: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    alice = await signedIn(blog.app)
    const res = await alice.post('/admin/posts', { title: 'Publiée', body: 'Le texte publié.', action: 'publish', version: '0' })
    id = Number(/\/admin\/posts\/(\d+)/.exec(res.headers.location as string)![1])
  })
  afterAll(() => blog.close())

  const post = () => blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  it('keeps a working copy without touching the published post, and offers it back', async () => {
    const before = await post()
    await alice.get(`/admin/posts/${id}`)
    const res = await alice.post(`/admin/posts/${id}/autosave`, {
      title: 'Publiée, en cours',
      body: 'Le texte publié.\nUne phrase tapée avant que l’onglet ne plante.',
      format: 'markdown',
      tags: 'x',
      slug: before.slug,
      signature: '',
      publishedAt: '',
      version: String(before.version),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().label).toMatch(/^Copie de travail gardée à \d\d:\d\d\.$/)
    expect(await post()).toEqual(before)
    expect((await blog.app.inject('/')).body).not.toContain('avant que l’onglet')

    const editor = await alice.get(`/admin/posts/${id}`)
    const main = mainOf(editor.body)
    expect(visibleText(main)).toMatch(/Modifications non enregistrées du \d\d\/\d\d\/\d{4} à \d\d:\d\d Restaurer Abandonner/)
    // The editor itself still shows the saved text until the writer chooses.
    expect(main).toContain('Le texte publié.</textarea>')

    const restored = await alice.get(`/admin/posts/${id}?restore=autosave`)
    expect(restored.body).toContain('Le texte publié.\nUne phrase tapée avant que l’onglet ne plante.</textarea>')
    expect(restored.body).toContain('value="Publiée, en cours"')
    expect(visibleText(mainOf(restored.body))).toContain('Modifications restaurées : relisez-les, puis enregistrez.')
    expect(await post()).toEqual(before)

    // Saving it: the post changes, the working copy has served.
    const saved = await alice.post(`/admin/posts/${id}`, {
      title: 'Publiée, en cours',
      body: 'Le texte publié.\nUne phrase tapée avant que l’onglet ne plante.',
      slug: before.slug,
      action: 'publish',
      version: String(before.version),
    })
    expect(saved.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('post_autosaves').selectAll().execute()).toEqual([])
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))).not.toContain('Modifications non enregistrées du')
  })

  it('says when a working copy was typed over a version saved since; restored and saved, it shows both', async () => {
    const { version, slug } = await post()
    await alice.post(`/admin/posts/${id}/autosave`, {
      title: 'Publiée, en cours',
      body: 'Typé sur l’ancienne version.',
      slug,
      version: String(version),
    })
    // Someone saves meanwhile.
    const other = await alice.post(`/admin/posts/${id}`, {
      title: 'Publiée, en cours',
      body: 'Enregistré entre-temps.',
      slug,
      action: 'publish',
      version: String(version),
    })
    expect(other.statusCode).toBe(303)
    // (That save was alice's own: her copy is gone; put it back as a crashed tab would have left it.)
    await alice.post(`/admin/posts/${id}/autosave`, {
      title: 'Publiée, en cours',
      body: 'Typé sur l’ancienne version.',
      slug,
      version: String(version),
    })
    const editor = visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))
    expect(editor).toContain('La note a été enregistrée depuis par quelqu’un')
    const restored = await alice.get(`/admin/posts/${id}?restore=autosave`)
    expect(restored.body).toContain(`name="version" value="${version}"`)
    const save = await alice.post(`/admin/posts/${id}`, {
      title: 'Publiée, en cours',
      body: 'Typé sur l’ancienne version.',
      slug,
      action: 'publish',
      version: String(version),
    })
    expect(save.statusCode).toBe(409)
    expect((await post()).body_source).toBe('Enregistré entre-temps.')
    await alice.post(`/admin/posts/${id}/autosave/discard`)
  })

  it('offers nothing when the working copy says what the post says', async () => {
    const { version, slug, title, body_source } = await post()
    const page = (await alice.get(`/admin/posts/${id}`)).body
    const publishedAt = /name="publishedAt" type="datetime-local" value="([^"]*)"/.exec(page)![1]!
    // The whole form as the editor sends it, tags typed differently.
    const form = { title, body: body_source, format: 'markdown', slug, tags: ' ', signature: '', publishedAt, version: String(version) }
    await alice.post(`/admin/posts/${id}/autosave`, form)
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))).not.toContain('Modifications non enregistrées du')
    await alice.post(`/admin/posts/${id}/autosave`, { ...form, body: `${body_source} Et un mot de plus.` })
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))).toContain('Modifications non enregistrées du')
    await alice.post(`/admin/posts/${id}/autosave/discard`)
  })

  it('discards a working copy on request', async () => {
    const { version } = await post()
    await alice.post(`/admin/posts/${id}/autosave`, { title: 'Autre', body: 'À jeter', version: String(version) })
    const discard = await alice.post(`/admin/posts/${id}/autosave/discard`)
    expect(discard.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('post_autosaves').selectAll().execute()).toEqual([])
    expect(visibleText(mainOf((await alice.get(`/admin/posts/${id}?done=discarded`)).body))).toContain('Modifications abandonnées.')
  })

  it('keeps a working copy of a post not saved yet, offered on the new post page', async () => {
    await alice.get('/admin/posts/new')
    const res = await alice.post('/admin/posts/autosave', { title: 'Jamais enregistrée', body: 'Un début.', version: '0' })
    expect(res.statusCode).toBe(200)
    expect(await blog.app.db.selectFrom('posts').select('id').execute()).toHaveLength(1)
    const page = await alice.get('/admin/posts/new')
    expect(visibleText(mainOf(page.body))).toContain('Modifications non enregistrées du')
    expect((await alice.get('/admin/posts/new?restore=autosave')).body).toContain('Un début.</textarea>')
  })

  it('speaks English on an English blog', async () => {
    await blog.app.settings.update({ language: 'en' })
    try {
      const { version } = await post()
      await alice.get(`/admin/posts/${id}`)
      const res = await alice.post(`/admin/posts/${id}/autosave`, { title: 'Publiée', body: 'Typed in English.', version: String(version) })
      expect(res.json().label).toMatch(/^Working copy kept at \d{1,2}:\d\d\s?[AP]M\.$/u)
      const text = visibleText(mainOf((await alice.get(`/admin/posts/${id}`)).body))
      expect(text).toMatch(/Unsaved changes from .+ at \d{1,2}:\d\d\s?[AP]M Restore Discard/u)
      expect(text).toContain('Revisions:')
      expect(text).toContain('Preview links')
    } finally {
      await blog.app.settings.update({ language: 'fr' })
      await alice.post(`/admin/posts/${id}/autosave/discard`)
    }
  })

  it('refuses an autosave without a session or a valid token, changing nothing', async () => {
    const stranger = await blog.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}/autosave`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'title=x&body=y',
    })
    expect(stranger.statusCode).toBe(401)
    const forged = await alice.post(`/admin/posts/${id}/autosave`, { _csrf: 'forged', title: 'x', body: 'y' })
    expect(forged.statusCode).toBe(403)
    expect(await blog.app.db.selectFrom('post_autosaves').selectAll().where('post_key', '=', id).execute()).toEqual([])
  })
})

describe('a save posted after the session ended', () => {
  let blog: TestBlog
  let id: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    const alice = await signedIn(blog.app)
    const res = await alice.post('/admin/posts', { title: 'Brouillon', body: 'Début.', action: 'draft', version: '0' })
    id = Number(/\/admin\/posts\/(\d+)/.exec(res.headers.location as string)![1])
  })
  afterAll(() => blog.close())

  const post = () => blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const typed = 'Une heure de travail.\nRien ne doit se perdre.'

  /** The editor's form posted from the blog's own page (as a browser says it) with no valid session. */
  function postExpired(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return blog.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: SITE_URL,
        'sec-fetch-site': 'same-origin',
        cookie: 'carnet_session=expired-or-garbage',
        ...headers,
      },
      payload: new URLSearchParams(fields).toString(),
    })
  }

  it('keeps the text on the sign-in page, and saves it once signed in again', async () => {
    const before = await post()
    const res = await postExpired(`/admin/posts/${id}`, {
      _csrf: 'a-token-of-the-expired-session',
      title: 'Brouillon fini',
      body: typed,
      action: 'draft',
      version: String(before.version),
    })
    expect(res.statusCode).toBe(401)
    const text = visibleText(mainOf(res.body))
    expect(text).toContain('Votre session a expiré. Votre texte est gardé : reconnectez-vous et il sera enregistré.')
    expect(res.body).toMatch(/name="resume" value="[A-Za-z0-9_-]{40,}"/)
    // The text is held on the server, never in an address; the post is untouched.
    expect(res.headers.location).toBeUndefined()
    expect(res.body).not.toContain('Rien ne doit se perdre')
    expect(await post()).toEqual(before)
    expect(await blog.app.db.selectFrom('pending_saves').selectAll().execute()).toHaveLength(1)

    // Signing in from that page: first a wrong password (the held save waits), then the right one.
    const client = new AdminClient(blog.app)
    client.cookie = sessionCookieOf(res)!
    client.csrf = csrfOf(res.body)
    const resume = /name="resume" value="([^"]+)"/.exec(res.body)![1]!
    const wrong = await client.post('/admin/login', { username: 'alice', password: 'wrong password!', next: `/admin/posts/${id}`, resume })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain(`name="resume" value="${resume}"`)
    const signIn = await client.post('/admin/login', {
      username: 'alice',
      password: 'correct horse battery',
      next: `/admin/posts/${id}`,
      resume,
    })
    expect(signIn.statusCode).toBe(303)
    expect(signIn.headers.location).toBe(`/admin/posts/${id}?done=saved`)
    const after = await post()
    expect(after.title).toBe('Brouillon fini')
    expect(after.body_source).toBe(typed)
    expect(after.version).toBe(before.version + 1)
    // Used once.
    expect(await blog.app.db.selectFrom('pending_saves').selectAll().execute()).toEqual([])
    const again = await new AdminClient(blog.app).post('/admin/login', {
      _csrf: client.csrf,
      username: 'alice',
      password: 'correct horse battery',
      resume,
    })
    expect(again.statusCode).not.toBe(200)
    expect((await post()).version).toBe(after.version)
    // The new session works.
    expect((await client.get(`/admin/posts/${id}?done=saved`)).statusCode).toBe(200)
  })

  it('resumed after signing in, a save based on a version replaced meanwhile shows both versions', async () => {
    const { version } = await post()
    const res = await postExpired(`/admin/posts/${id}`, {
      title: 'Vieille base',
      body: 'Mon texte.',
      action: 'draft',
      version: String(version - 1),
    })
    expect(res.statusCode).toBe(401)
    const client = new AdminClient(blog.app)
    client.cookie = sessionCookieOf(res)!
    client.csrf = csrfOf(res.body)
    const resume = /name="resume" value="([^"]+)"/.exec(res.body)![1]!
    const signIn = await client.post('/admin/login', { username: 'alice', password: 'correct horse battery', next: '/admin', resume })
    expect(signIn.statusCode).toBe(409)
    expect(signIn.body).toContain('Mon texte.</textarea>')
    expect(visibleText(mainOf(signIn.body))).toContain('Version enregistrée')
    // Signed in all the same: the conflict page's session reached the browser.
    expect(sessionCookieOf(signIn)).toBeDefined()
    client.cookie = sessionCookieOf(signIn)!
    expect((await client.get('/admin/posts')).statusCode).toBe(200)
  })

  it('keeps a new post typed after the session ended', async () => {
    const res = await postExpired('/admin/posts', { title: 'Toute nouvelle', body: 'Tapée hors session.', action: 'draft', version: '0' })
    expect(res.statusCode).toBe(401)
    const client = new AdminClient(blog.app)
    client.cookie = sessionCookieOf(res)!
    client.csrf = csrfOf(res.body)
    const resume = /name="resume" value="([^"]+)"/.exec(res.body)![1]!
    const signIn = await client.post('/admin/login', { username: 'alice', password: 'correct horse battery', next: '/admin', resume })
    expect(signIn.statusCode).toBe(303)
    const row = await blog.app.db.selectFrom('posts').selectAll().where('title', '=', 'Toute nouvelle').executeTakeFirstOrThrow()
    expect(row.body_source).toBe('Tapée hors session.')
  })

  it('holds a save whose token predates signing in again in another tab, until confirmed', async () => {
    const client = await signedIn(blog.app)
    const { version } = await post()
    const res = await client.post(`/admin/posts/${id}`, {
      _csrf: 'token-of-an-older-session',
      title: 'Autre onglet',
      body: 'Gardé.',
      action: 'draft',
      version: String(version),
    })
    // inject sends no Origin: without it, no hold (plain refusal) …
    expect(res.statusCode).toBe(403)
    const held = await blog.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_URL, cookie: client.cookie },
      payload: new URLSearchParams({
        _csrf: 'token-of-an-older-session',
        title: 'Autre onglet',
        body: 'Gardé.',
        action: 'draft',
        version: String(version),
      }).toString(),
    })
    // … with it, the text is held and the page offers to save it.
    expect(held.statusCode).toBe(403)
    expect(visibleText(mainOf(held.body))).toContain('Votre texte est gardé')
    const { HtmlValidate } = await import('html-validate')
    const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(held.body)
    expect(report.results.flatMap((r) => r.messages.map((m) => m.message))).toEqual([])
    const resume = /name="resume" value="([^"]+)"/.exec(held.body)![1]!
    const cookie = sessionCookieOf(held) ?? client.cookie
    const confirm = await blog.app.inject({
      method: 'POST',
      url: '/admin/posts/resume',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrfOf(held.body), resume }).toString(),
    })
    expect(confirm.statusCode).toBe(303)
    expect((await post()).body_source).toBe('Gardé.')
  })

  it('keeps the text of "Add the image" sent after the session ended (without JavaScript), shown again after signing in', async () => {
    const before = await post()
    const form = multipart([
      ['_csrf', 'old-token'],
      ['title', 'Avec une image'],
      ['body', 'Le texte autour de l’image.'],
      ['version', String(before.version)],
      ['images', { filename: 'photo.jpg', type: 'image/jpeg', data: Buffer.from('not really an image') }],
    ])
    const res = await blog.app.inject({
      method: 'POST',
      url: `/admin/posts/${id}/upload`,
      headers: { 'content-type': form.contentType, origin: SITE_URL, cookie: 'carnet_session=expired' },
      payload: form.payload,
    })
    expect(res.statusCode).toBe(401)
    expect(visibleText(mainOf(res.body))).toContain('reconnectez-vous pour le retrouver, puis ajoutez l’image de nouveau')
    const client = new AdminClient(blog.app)
    client.cookie = sessionCookieOf(res)!
    client.csrf = csrfOf(res.body)
    const resume = /name="resume" value="([^"]+)"/.exec(res.body)![1]!
    const signIn = await client.post('/admin/login', { username: 'alice', password: 'correct horse battery', next: '/admin', resume })
    // The editor with the text as typed, not saved.
    expect(signIn.statusCode).toBe(200)
    expect(signIn.body).toContain('Le texte autour de l’image.</textarea>')
    expect(signIn.body).toContain('value="Avec une image"')
    expect(await post()).toEqual(before)
    expect(await blog.app.db.selectFrom('media').selectAll().execute()).toEqual([])
  })

  it('keeps only the editor’s fields, and at most the last 100 held saves', async () => {
    await blog.app.db.deleteFrom('pending_saves').execute()
    await postExpired(`/admin/posts/${id}`, { title: 'T', body: 'B', action: 'draft', other: 'x'.repeat(10_000) })
    const [row] = await blog.app.db.selectFrom('pending_saves').selectAll().execute()
    expect(JSON.parse(row!.form)).toEqual({ title: 'T', body: 'B', action: 'draft' })
    // 100 older ones, then one more: the oldest goes.
    await blog.app.db.deleteFrom('pending_saves').execute()
    await blog.app.db
      .insertInto('pending_saves')
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          token_hash: `h${String(i).padStart(3, '0')}`,
          post_id: id,
          form: JSON.stringify({ title: `T${i}` }),
          created_at: new Date(Date.now() - 3_600_000 + i * 1000).toISOString(),
        })),
      )
      .execute()
    await postExpired(`/admin/posts/${id}`, { title: 'La plus récente', body: 'B', action: 'draft' })
    const titles = (await blog.app.db.selectFrom('pending_saves').select('form').execute()).map((r) => JSON.parse(r.form).title)
    expect(titles).toHaveLength(100)
    expect(titles).toContain('La plus récente')
    expect(titles).not.toContain('T0')
    expect(titles).toContain('T1')
    await blog.app.db.deleteFrom('pending_saves').execute()
  })

  it('answers 404 for a post deleted meanwhile, holding nothing', async () => {
    const res = await postExpired('/admin/posts/99999', { title: 'Perdue ?', body: 'x', action: 'draft' })
    expect(res.statusCode).toBe(404)
    expect(await blog.app.db.selectFrom('pending_saves').selectAll().execute()).toEqual([])
  })

  it('does not hold a save posted from another site', async () => {
    const before = await post()
    const res = await postExpired(
      `/admin/posts/${id}`,
      { title: 'Planté', body: 'Par un autre site.', action: 'draft' },
      {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    )
    expect(res.statusCode).toBe(401)
    expect(res.body).not.toContain('name="resume"')
    expect(sessionCookieOf(res)).toBeUndefined()
    expect(await blog.app.db.selectFrom('pending_saves').selectAll().execute()).toEqual([])
    expect(await post()).toEqual(before)
  })
})
