// The admin's conversation tools (issue 18): bans by e-mail, IP, network and name, with expiry, 'spam' or
// 'refuse'; hiding all of a commenter's comments; lifting; pins; the "auteur" mark; answers from the
// moderation list. Real SQLite, the real app through inject(), the admin signed in as a browser would be.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { setClock } from '../../src/lib/time.ts'
import { commentPosition } from '../../src/content/posts.repository.ts'
import { toLocalInput } from '../../src/admin/view-models.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentList, commentsOf, decode, inputValue, openPost, send, textareaValue } from '../helpers/comments.ts'

let blog: TestBlog
let admin: AdminClient
let seq = 0

beforeAll(async () => {
  blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
})
afterAll(() => blog.close())
afterEach(() => setClock(null))

/** A comment as a reader's browser posts it; a new text each time (no duplicate refusal). */
function comment(url: string, who: { author: string; email?: string; ip?: string; parent?: number }, extra: Record<string, string> = {}) {
  seq += 1
  const fields: Record<string, string> = { author: who.author, email: who.email ?? '', url: '', body: `Un avis, numéro ${seq}.`, ...extra }
  if (who.parent !== undefined) fields.parent = String(who.parent)
  return send(blog, url, fields, { ip: who.ip ?? `192.0.2.${(seq % 200) + 1}` })
}

async function lastComment(postId: number) {
  return (await commentsOf(blog, postId)).at(-1)!
}

async function auditRows(action: string) {
  return blog.app.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute()
}

async function ban(fields: Record<string, string>) {
  await admin.get('/admin/bans')
  return admin.post('/admin/bans', fields)
}

async function liftAll() {
  await blog.app.db.deleteFrom('bans').execute()
}

describe('bans', () => {
  afterEach(liftAll)

  it('sends a banned e-mail address to spam, whatever its case, and tells the commenter nothing more', async () => {
    const post = await openPost(blog)
    const res = await ban({ email: 'Troll@Exemple.FR', note: 'insultes' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/bans?done=added&n=1')
    const page = await admin.get(res.headers.location as string)
    expect(visibleText(mainOf(page.body))).toContain('Bannissement ajouté.')
    // Listed as typed, with whom it covers (the box was not sent: the exact address) and its note.
    expect(visibleText(mainOf(page.body))).toContain('Troll@Exemple.FR adresse exacte insultes')

    const sent = await comment(post.url, { author: 'Un troll', email: 'troll@exemple.fr' })
    expect(sent.statusCode).toBe(303)
    expect(sent.headers.location).toContain('?moderation=pending')
    expect((await lastComment(post.id)).status).toBe('spam')
    expect(commentList((await blog.app.inject(post.url)).body)).not.toContain('Un troll')
    // Someone else is not touched.
    await comment(post.url, { author: 'Une lectrice', email: 'lectrice@exemple.fr' })
    expect((await lastComment(post.id)).status).toBe('approved')
    const rows = await auditRows('ban.add')
    expect(rows.at(-1)).toMatchObject({ username: 'alice', details: expect.stringContaining('troll@exemple.fr') })
  })

  it('bans one IP address in any spelling, and only it', async () => {
    const post = await openPost(blog)
    expect((await ban({ ip: '203.0.113.50' })).statusCode).toBe(303)
    await comment(post.url, { author: 'A', ip: '::ffff:203.0.113.50' })
    expect((await lastComment(post.id)).status).toBe('spam')
    await comment(post.url, { author: 'B', ip: '203.0.113.51' })
    expect((await lastComment(post.id)).status).toBe('approved')
  })

  it('bans an IPv4 /24 network when asked', async () => {
    const post = await openPost(blog)
    expect((await ban({ ip: '198.51.100.7', network: '1' })).statusCode).toBe(303)
    const page = await admin.get('/admin/bans')
    expect(visibleText(mainOf(page.body))).toContain('198.51.100.0/24')
    await comment(post.url, { author: 'A', ip: '198.51.100.200' })
    expect((await lastComment(post.id)).status).toBe('spam')
    await comment(post.url, { author: 'B', ip: '198.51.101.1' })
    expect((await lastComment(post.id)).status).toBe('approved')
  })

  it('bans an IPv6 /64 network when asked', async () => {
    const post = await openPost(blog)
    expect((await ban({ ip: '2001:DB8:1:2::5', network: '1' })).statusCode).toBe(303)
    await comment(post.url, { author: 'A', ip: '2001:db8:1:2:ffff:eeee:dddd:1' })
    expect((await lastComment(post.id)).status).toBe('spam')
    await comment(post.url, { author: 'B', ip: '2001:db8:1:3::1' })
    expect((await lastComment(post.id)).status).toBe('approved')
  })

  it('bans a name ignoring case and accents, the whole name only', async () => {
    const post = await openPost(blog)
    expect((await ban({ name: 'Zoë Troll' })).statusCode).toBe(303)
    await comment(post.url, { author: 'ZOE  TROLL' })
    expect((await lastComment(post.id)).status).toBe('spam')
    await comment(post.url, { author: 'Zoé Trolle' })
    expect((await lastComment(post.id)).status).toBe('approved')
  })

  it('stops applying a ban when its expiry passes, with no job to run', async () => {
    const post = await openPost(blog)
    const start = Date.now()
    setClock(() => start)
    const tz = blog.app.settings.get().timezone
    const expires = toLocalInput(new Date(start + 60 * 60 * 1000).toISOString(), tz)
    expect((await ban({ email: 'passager@exemple.fr', expires })).statusCode).toBe(303)
    await comment(post.url, { author: 'P', email: 'passager@exemple.fr' })
    expect((await lastComment(post.id)).status).toBe('spam')
    let page = visibleText(mainOf((await admin.get('/admin/bans')).body))
    expect(page.indexOf('passager@exemple.fr')).toBeLessThan(page.indexOf('Bannissements expirés'))

    setClock(() => start + 2 * 60 * 60 * 1000)
    await comment(post.url, { author: 'P', email: 'passager@exemple.fr' })
    expect((await lastComment(post.id)).status).toBe('approved')
    page = visibleText(mainOf((await admin.get('/admin/bans')).body))
    expect(page.indexOf('passager@exemple.fr')).toBeGreaterThan(page.indexOf('Bannissements expirés'))
  })

  it("refuses a banned commenter's comment with the neutral message when banAction is 'refuse', keeping the text", async () => {
    const post = await openPost(blog)
    await blog.app.settings.update({ banAction: 'refuse' })
    try {
      expect((await ban({ ip: '192.0.2.250' })).statusCode).toBe(303)
      const before = (await commentsOf(blog, post.id)).length
      const res = await send(blog, post.url, { author: 'R', email: '', url: '', body: 'Mon texte à garder.' }, { ip: '192.0.2.250' })
      expect(res.statusCode).toBe(400)
      expect(visibleText(res.body)).toContain('Ce commentaire ne peut pas être publié sur ce blog.')
      expect(textareaValue(res.body, 'body')).toBe('Mon texte à garder.')
      expect((await commentsOf(blog, post.id)).length).toBe(before)
    } finally {
      await blog.app.settings.update({ banAction: 'spam' })
    }
  })

  it('offers the ban action among the settings', async () => {
    const page = await admin.get('/admin/settings')
    expect(page.body).toMatch(/name="banAction" value="spam" checked/)
    expect(page.body).toContain('name="banAction" value="refuse"')
  })

  it('hides all their comments in one action; lifting the ban lets new ones through and leaves the hidden ones in spam', async () => {
    const post = await openPost(blog)
    await comment(post.url, { author: 'Pénible', email: 'penible@exemple.fr' })
    await comment(post.url, { author: 'Pénible', email: 'penible@exemple.fr', ip: '198.18.0.9' })
    await comment(post.url, { author: 'Sage', email: 'sage@exemple.fr' })
    expect(commentList((await blog.app.inject(post.url)).body)).toContain('Pénible')

    expect((await ban({ email: 'PENIBLE@exemple.fr' })).statusCode).toBe(303)
    const id = (await blog.app.db.selectFrom('bans').select('id').executeTakeFirstOrThrow()).id
    const res = await admin.post(`/admin/bans/${id}/hide`)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/bans?done=hidden&n=2')
    expect(visibleText(mainOf((await admin.get(res.headers.location as string)).body))).toContain('2 commentaires masqués')
    const rows = await commentsOf(blog, post.id)
    expect(rows.filter((r) => r.author_name === 'Pénible').map((r) => r.status)).toEqual(['spam', 'spam'])
    expect(rows.find((r) => r.author_name === 'Sage')!.status).toBe('approved')
    expect(commentList((await blog.app.inject(post.url)).body)).not.toContain('Pénible')
    expect((await auditRows('ban.hide-all')).at(-1)).toMatchObject({ target: `ban ${id}`, details: expect.stringContaining('"count":2') })

    const lifted = await admin.post(`/admin/bans/${id}/lift`)
    expect(lifted.headers.location).toBe('/admin/bans?done=lifted')
    expect(await blog.app.db.selectFrom('bans').selectAll().execute()).toEqual([])
    expect((await auditRows('ban.lift')).at(-1)).toMatchObject({ target: `ban ${id}` })
    await comment(post.url, { author: 'Pénible', email: 'penible@exemple.fr' })
    expect((await lastComment(post.id)).status).toBe('approved')
    // Lifting does not bring the hidden comments back: they wait in the spam tab.
    expect((await commentsOf(blog, post.id)).filter((r) => r.author_name === 'Pénible').map((r) => r.status)).toEqual([
      'spam',
      'spam',
      'approved',
    ])
  })

  it('hides existing comments at once when the ban form asks', async () => {
    const post = await openPost(blog)
    await comment(post.url, { author: 'Bruyant', ip: '198.51.100.77' })
    const res = await ban({ ip: '198.51.100.1', network: '1', hide: '1' })
    expect(res.headers.location).toBe('/admin/bans?done=hidden&n=1')
    expect((await lastComment(post.id)).status).toBe('spam')
  })

  it('pre-fills the ban form from a comment of the moderation list', async () => {
    const post = await openPost(blog)
    await comment(post.url, { author: 'Écrivain <b>', email: 'ecrivain@exemple.fr', ip: '203.0.113.99' })
    const row = await lastComment(post.id)
    const list = await admin.get(`/admin/comments?status=approved&post=${post.id}`)
    expect(list.body).toContain(`href="/admin/bans?comment=${row.id}#new-ban"`)
    const page = await admin.get(`/admin/bans?comment=${row.id}`)
    expect(inputValue(page.body, 'email')).toBe('ecrivain@exemple.fr')
    expect(inputValue(page.body, 'ip')).toBe('203.0.113.99')
    expect(inputValue(page.body, 'name')).toBe('Écrivain <b>')
  })

  it('answers bad input with 400 and the form as typed, and stores nothing', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ ip: '203.0.113.300', name: 'Quelqu’un', note: 'à garder' }, 'Adresse IP invalide', 'ip'],
      [{ email: 'pas-une-adresse', note: 'à garder' }, 'Adresse e-mail invalide', 'email'],
      [{ name: 'X', expires: '2001-01-01T10:00', note: 'à garder' }, 'Choisissez une date future', 'expires'],
      [{ name: 'X', expires: '2026-02-30T10:00', note: 'à garder' }, 'Date invalide', 'expires'],
      [{ note: 'à garder' }, 'Remplissez au moins un des champs', ''],
    ]
    for (const [fields, message, field] of cases) {
      const res = await ban(fields)
      expect(res.statusCode, message).toBe(400)
      const text = visibleText(mainOf(res.body))
      expect(text).toContain(message)
      if (field)
        expect(res.body).toContain(
          `aria-describedby="${field === 'ip' ? 'ban-ip-help ' : field === 'expires' ? 'ban-expires-help ' : ''}${field}-error" aria-invalid="true"`,
        )
      for (const [name, value] of Object.entries(fields)) {
        if (name === 'note') expect(textareaValue(res.body, 'note')).toBe(value)
        else expect(inputValue(res.body, name)).toBe(value)
      }
    }
    expect(await blog.app.db.selectFrom('bans').selectAll().execute()).toEqual([])
  })

  it('refuses a ban, a lift or a hide without the CSRF token, changing nothing', async () => {
    await admin.get('/admin/bans')
    const res = await admin.post('/admin/bans', { _csrf: '', email: 'x@exemple.fr' })
    expect(res.statusCode).toBe(403)
    expect(await blog.app.db.selectFrom('bans').selectAll().execute()).toEqual([])
    expect((await ban({ email: 'y@exemple.fr' })).statusCode).toBe(303)
    const id = (await blog.app.db.selectFrom('bans').select('id').executeTakeFirstOrThrow()).id
    expect((await admin.post(`/admin/bans/${id}/lift`, { _csrf: 'forged' })).statusCode).toBe(403)
    expect((await admin.post(`/admin/bans/${id}/hide`, { _csrf: '' })).statusCode).toBe(403)
    expect((await blog.app.db.selectFrom('bans').selectAll().execute()).length).toBe(1)
  })
})

describe('pinned comments', () => {
  it('come first in their thread, marked, and in the order /comment/<id> counts', async () => {
    const post = await openPost(blog)
    const ids: Record<string, number> = {}
    for (const name of ['Anne', 'Bruno', 'Chloé']) {
      await comment(post.url, { author: name })
      ids[name] = (await lastComment(post.id)).id
    }
    for (const name of ['Bruno-1', 'Bruno-2']) {
      await comment(post.url, { author: name, parent: ids.Bruno })
      ids[name] = (await lastComment(post.id)).id
    }
    await admin.get(`/admin/comments?status=approved&post=${post.id}`)
    for (const name of ['Chloé', 'Bruno-2']) {
      const res = await admin.post(`/admin/comments/${ids[name]}/pin`, { status: 'approved', post: String(post.id), page: '1' })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe(`/admin/comments?status=approved&post=${post.id}&done=1#c${ids[name]}`)
    }
    const list = commentList((await blog.app.inject(post.url)).body)
    const order = ['Chloé', 'Anne', 'Bruno', 'Bruno-2', 'Bruno-1'].map((n) => list.indexOf(`>${n}<`))
    expect(
      order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
      String(order),
    ).toBe(true)
    // The mark is text, inside the pinned comment's own article.
    const chloe = /<article id="comment-(\d+)" class="h-entry comment-pinned">([\s\S]*?)<\/article>/.exec(list)!
    expect(Number(chloe[1])).toBe(ids.Chloé)
    expect(visibleText(chloe[2]!)).toContain('Épinglé')
    expect(await commentPosition(blog.app.db, ids.Chloé!)).toMatchObject({ position: 0 })
    expect(await commentPosition(blog.app.db, ids.Anne!)).toMatchObject({ position: 1 })
    expect(await commentPosition(blog.app.db, ids['Bruno-2']!)).toMatchObject({ position: 4 })
    expect((await auditRows('comment.pin')).slice(-2).map((r) => r.target)).toEqual([`comment ${ids.Chloé}`, `comment ${ids['Bruno-2']}`])

    const admins = await admin.get(`/admin/comments?status=approved&post=${post.id}`)
    expect(admins.body).toContain(`formaction="/admin/comments/${ids.Chloé}/unpin"`)
    expect((await admin.post(`/admin/comments/${ids.Chloé}/unpin`, { status: 'approved', page: '1' })).statusCode).toBe(303)
    const after = commentList((await blog.app.inject(post.url)).body)
    expect(after.indexOf('>Anne<')).toBeLessThan(after.indexOf('>Chloé<'))
    expect((await auditRows('comment.unpin')).at(-1)!.target).toBe(`comment ${ids.Chloé}`)
  })

  it('opens the thread from a later page of comments, and the pages and comment links agree', async () => {
    const post = await openPost(blog)
    const base = Date.now() - 60 * 60 * 1000
    const rows = await blog.app.db
      .insertInto('comments')
      .values(
        Array.from({ length: 105 }, (_, i) => ({
          post_id: post.id,
          parent_id: null,
          author_name: `Lecteur ${i + 1}`,
          author_email: null,
          author_url: null,
          body: `Texte ${i + 1}.`,
          status: 'approved' as const,
          created_at: new Date(base + i * 1000).toISOString(),
          ip: null,
        })),
      )
      .returning('id')
      .execute()
    const late = rows[103]!.id // on page 2 by date
    await admin.get('/admin/comments?status=approved')
    expect((await admin.post(`/admin/comments/${late}/pin`, { status: 'approved', page: '1' })).statusCode).toBe(303)
    const first = commentList((await blog.app.inject(post.url)).body)
    expect(first.indexOf('>Lecteur 104<')).toBeGreaterThan(0)
    expect(first.indexOf('>Lecteur 104<')).toBeLessThan(first.indexOf('>Lecteur 1<'))
    // Page 1 holds the pinned one and the 99 oldest; page 2 the rest, without the pinned one again.
    expect(first).toContain('>Lecteur 99<')
    expect(first).not.toContain('>Lecteur 100<')
    const second = commentList((await blog.app.inject(`${post.url}?cpage=2`)).body)
    expect(second).toContain('>Lecteur 100<')
    expect(second).toContain('>Lecteur 105<')
    expect(second).not.toContain('>Lecteur 104<')
    const link = async (id: number) => (await blog.app.inject(`/comment/${id}`)).headers.location
    expect(await link(late)).toBe(`${post.url}#comment-${late}`)
    expect(await link(rows[98]!.id)).toBe(`${post.url}#comment-${rows[98]!.id}`)
    expect(await link(rows[99]!.id)).toBe(`${post.url}?cpage=2#comment-${rows[99]!.id}`)
  })

  it('refuses a pin without the CSRF token', async () => {
    const post = await openPost(blog)
    await comment(post.url, { author: 'Dora' })
    const row = await lastComment(post.id)
    expect((await admin.post(`/admin/comments/${row.id}/pin`, { _csrf: '' })).statusCode).toBe(403)
    expect((await lastComment(post.id)).pinned).toBe(0)
  })
})

describe('the author mark and answers', () => {
  it("marks a comment an admin posts signed in, and never one that only types the author's name", async () => {
    const post = await openPost(blog)
    const signed = await send(
      blog,
      post.url,
      { author: 'alice', email: '', url: '', body: 'Merci à tous.' },
      { headers: { cookie: admin.cookie } },
    )
    expect(signed.statusCode).toBe(303)
    const mine = await lastComment(post.id)
    expect(mine).toMatchObject({ user_id: expect.any(Number), status: 'approved' })
    await comment(post.url, { author: 'alice' })
    const forged = await send(
      blog,
      post.url,
      { author: 'alice', email: '', url: '', body: 'Je signe comme elle.' },
      { headers: { cookie: 'carnet_session=forged' } },
    )
    expect(forged.statusCode).toBe(303)
    const rows = await commentsOf(blog, post.id)
    expect(rows.map((r) => r.user_id !== null)).toEqual([true, false, false])
    const list = commentList((await blog.app.inject(post.url)).body)
    const articles = [...list.matchAll(/<article id="comment-\d+"[^>]*>([\s\S]*?)<\/article>/g)].map((m) => visibleText(m[1]!))
    expect(articles[0]).toContain('auteur')
    expect(articles[0]).toContain('Commentaire de l’auteur du blog')
    expect(
      articles.slice(1).filter((a) => a.includes('auteur')),
      articles.join('\n'),
    ).toEqual([])
  })

  it('answers a comment from the moderation list, threaded under it, as the blog author', async () => {
    const { id: postId, slug } = await createPost(blog.app.db, {
      title: 'Note signée',
      body: 'Texte.',
      status: 'published',
      signature: 'Marie D.',
    })
    const post = await blog.app.db.selectFrom('posts').select(['slug', 'published_at']).where('id', '=', postId).executeTakeFirstOrThrow()
    const url = postPath({ slug, published_at: post.published_at }, blog.app.settings.get().timezone)
    await comment(url, { author: 'Question' })
    const parent = await lastComment(postId)
    const list = await admin.get(`/admin/comments?status=approved&post=${postId}`)
    expect(list.body).toContain(
      `<textarea id="answer-body-${parent.id}" name="answer-${parent.id}" rows="3" dir="auto" form="answer-${parent.id}">`,
    )
    expect(list.body).toContain(`<form id="answer-${parent.id}" method="post" action="/admin/comments/${parent.id}/answer">`)
    const res = await admin.post(`/admin/comments/${parent.id}/answer`, {
      body: 'Bonne question : voici.',
      status: 'approved',
      post: String(postId),
      page: '1',
    })
    expect(res.statusCode).toBe(303)
    const answer = await lastComment(postId)
    expect(answer).toMatchObject({
      parent_id: parent.id,
      author_name: 'Marie D.',
      status: 'approved',
      user_id: expect.any(Number),
      ip: null,
    })
    const page = commentList((await blog.app.inject(url)).body)
    const nested = /<ol class="comment-replies">([\s\S]*?)<\/ol>/.exec(page)!
    expect(visibleText(nested[1]!)).toContain('Bonne question : voici.')
    expect(visibleText(nested[1]!)).toContain('auteur')
    expect((await auditRows('comment.answer')).at(-1)).toMatchObject({ target: `comment ${parent.id}`, details: `{"answer":${answer.id}}` })
  })

  it('approves and answers a pending comment in one step', async () => {
    const post = await openPost(blog)
    await blog.app.settings.update({ moderation: 'all' })
    try {
      await comment(post.url, { author: 'Nouvelle' })
    } finally {
      await blog.app.settings.update({ moderation: 'none' })
    }
    const parent = await lastComment(post.id)
    expect(parent.status).toBe('pending')
    const list = await admin.get(`/admin/comments?status=pending&post=${post.id}`)
    expect(visibleText(mainOf(list.body))).toContain('Approuver et répondre')
    const res = await admin.post(`/admin/comments/${parent.id}/answer`, { body: 'Bienvenue !', approve: '1', status: 'pending', page: '1' })
    expect(res.statusCode).toBe(303)
    const rows = await commentsOf(blog, post.id)
    expect(rows.map((r) => [r.author_name === 'Nouvelle' ? 'parent' : 'answer', r.status])).toEqual([
      ['parent', 'approved'],
      ['answer', 'approved'],
    ])
    expect(visibleText(commentList((await blog.app.inject(post.url)).body))).toContain('Bienvenue !')
    expect((await auditRows('comment.approve')).at(-1)!.target).toBe(`comments ${parent.id}`)
    expect((await auditRows('comment.answer')).at(-1)!.details).toContain('"approved":true')
  })

  it('gives an empty answer back with 400 on its own page, keeps what was typed, and stores nothing', async () => {
    const post = await openPost(blog)
    await comment(post.url, { author: 'Q' })
    const parent = await lastComment(post.id)
    await admin.get('/admin/comments')
    const res = await admin.post(`/admin/comments/${parent.id}/answer`, { body: '   ', status: 'approved', page: '1' })
    expect(res.statusCode).toBe(400)
    expect(visibleText(mainOf(res.body))).toContain('Écrivez une réponse.')
    expect(textareaValue(res.body, 'body')).toBe('   ')
    const long = 'é'.repeat(10_001)
    const tooLong = await admin.post(`/admin/comments/${parent.id}/answer`, { body: long, status: 'approved', page: '1' })
    expect(tooLong.statusCode).toBe(400)
    expect(decode(textareaValue(tooLong.body, 'body')!)).toBe(long)
    expect((await commentsOf(blog, post.id)).length).toBe(1)
    // A spam comment is not answered; without the token nothing is.
    await blog.app.db.updateTable('comments').set({ status: 'spam' }).where('id', '=', parent.id).execute()
    expect((await admin.post(`/admin/comments/${parent.id}/answer`, { body: 'Non.', status: 'spam', page: '1' })).statusCode).toBe(400)
    await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', parent.id).execute()
    expect((await admin.post(`/admin/comments/${parent.id}/answer`, { _csrf: '', body: 'Non.' })).statusCode).toBe(403)
    expect((await commentsOf(blog, post.id)).length).toBe(1)
  })
})

describe('the new pages and states', () => {
  it('are valid HTML: bans with errors, active and expired bans, the answer page with an error, the list with marks', async () => {
    const { htmlErrors } = await import('../helpers/browser-checks.ts')
    const post = await openPost(blog)
    await comment(post.url, { author: 'Ω Ünïcode 😀', email: 'u@exemple.fr' })
    const row = await lastComment(post.id)
    await send(blog, post.url, { author: 'alice', email: '', url: '', body: 'Réponse signée.' }, { headers: { cookie: admin.cookie } })
    await blog.app.db.updateTable('comments').set({ pinned: 1 }).where('id', '=', row.id).execute()
    const start = Date.now()
    setClock(() => start)
    const soon = toLocalInput(new Date(start + 60 * 60 * 1000).toISOString(), blog.app.settings.get().timezone)
    await ban({ email: 'expire@exemple.fr', expires: soon, note: 'ملاحظة' })
    await ban({ ip: '2001:db8::1', network: '1' })
    setClock(() => start + 2 * 60 * 60 * 1000)
    const pages: Array<[string, string]> = [
      ['bans, active and expired', (await admin.get('/admin/bans')).body],
      ['bans with errors', (await ban({ ip: 'x', email: 'y', expires: 'z', note: 'n'.repeat(501) })).body],
      ['bans, form empty', (await ban({})).body],
      ['ban form pre-filled', (await admin.get(`/admin/bans?comment=${row.id}`)).body],
      ['moderation list with marks', (await admin.get(`/admin/comments?status=approved&post=${post.id}`)).body],
      ['answer page', (await admin.get(`/admin/comments/${row.id}/answer`)).body],
      ['answer with an error', (await admin.post(`/admin/comments/${row.id}/answer`, { body: '' })).body],
      ['post page with marks', (await blog.app.inject(post.url)).body],
    ]
    expect(visibleText(mainOf(pages[0]![1]))).toContain('2001:db8::/64')
    for (const [name, html] of pages) expect(await htmlErrors(html, name), name).toEqual([])
    await liftAll()
  })
})
