// Comments through the real app and a real SQLite file: what a commenter sees, and what the database holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { COMMENTER_COOKIE } from '../../src/reader/commenter-cookie.ts'
import { postPath } from '../../src/lib/urls.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'
import { URL_XSS_PAYLOADS, XSS_PAYLOADS } from '../helpers/xss-payloads.ts'
import {
  commentList,
  commentsArea,
  commentsOf,
  DAY,
  decode,
  inputValue,
  openPost,
  send,
  textareaValue,
  type Fields,
} from '../helpers/comments.ts'

/** No markup a commenter could have written: no script, no event handler attribute, no javascript: link. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i)
  expect(html).not.toMatch(/<(img|svg|iframe|object|embed|math|style)\b/i)
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    // Attribute values are quoted and escaped in our output, so what is outside quotes is attribute names.
    const names = tag.replace(/"[^"]*"/g, '""')
    expect(names, tag).not.toMatch(/\son[a-z]+\s*=/i)
    for (const [, value] of tag.matchAll(/\s(?:href|src|action|formaction)="([^"]*)"/gi)) {
      expect(decode(value!).trim().toLowerCase(), tag).not.toMatch(/^(javascript|data|vbscript):/)
    }
  }
}

const VALID: Fields = {
  author: 'Camille',
  email: 'camille@example.org',
  url: 'https://camille.example.org/',
  body: 'Merci pour cette note.',
}

describe('posting a comment', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('shows a labelled form under an open post, posts, redirects to the anchor and shows the comment and count', async () => {
    const post = await openPost(blog)
    const before = await blog.app.inject(post.url)
    expect(before.statusCode).toBe(200)
    const form = commentsArea(before.body)
    expect(form).toContain(`<form class="comment-form" method="post" action="${post.url}#respond"`)
    for (const [name, label] of [
      ['author', 'Nom'],
      ['email', 'E-mail'],
      ['url', 'Site web'],
      ['body', 'Commentaire'],
    ]) {
      expect(form).toMatch(new RegExp(`<label for="comment-${name}">${label} `))
      expect(form).toMatch(new RegExp(`id="comment-${name}" name="${name}"`))
    }
    expect(form).toContain('name="remember"')
    expect(visibleText(mainOf(before.body))).toContain('Commentaires (0)')

    const res = await send(blog, post.url, { ...VALID, body: 'Merci pour cette note.\n\nVoir https://example.org/a?b=1 aussi.' })
    expect(res.statusCode).toBe(303)
    const rows = await commentsOf(blog, post.id)
    expect(rows).toHaveLength(1)
    expect(res.headers.location).toBe(`${post.url}#comment-${rows[0]!.id}`)
    expect(rows[0]).toMatchObject({
      author_name: 'Camille',
      author_email: 'camille@example.org',
      author_url: 'https://camille.example.org/',
      body: 'Merci pour cette note.\n\nVoir https://example.org/a?b=1 aussi.',
      status: 'approved',
      parent_id: null,
      ip: '203.0.113.7',
    })

    const page = await blog.app.inject(post.url)
    const html = mainOf(page.body)
    expect(html).toContain(`<article id="comment-${rows[0]!.id}">`)
    expect(html).toContain('<a href="https://camille.example.org/" rel="nofollow ugc noopener">Camille</a>')
    expect(html).toContain('<p>Merci pour cette note.</p>')
    expect(html).toContain('<a href="https://example.org/a?b=1" rel="nofollow ugc noopener">https://example.org/a?b=1</a>')
    const text = visibleText(html)
    expect(text).toContain('Commentaires (1)')
    expect(text).toMatch(/Écrit par : Camille \| \d\d\/\d\d\/\d{4}/)
    // Never shown publicly: the e-mail address and the IP address.
    expect(page.body).not.toContain('camille@example.org')
    expect(page.body).not.toContain('203.0.113.7')
    // The count on the home page includes it too.
    expect(visibleText((await blog.app.inject('/')).body)).toContain('Commentaires (1)')
  })

  it('cleans the text: Unicode NFC, control characters removed, spaces trimmed; e-mail and website optional', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, {
      author: '  Jose\u0301\u0007 ',
      email: '',
      url: '',
      body: '\r\n  Cafe\u0301 \u0000ok\u001b\r\nligne 2\t(tab)  \n',
    })
    expect(res.statusCode).toBe(303)
    const [row] = await commentsOf(blog, post.id)
    expect(row).toMatchObject({ author_name: 'José', author_email: null, author_url: null, body: 'Café ok\nligne 2\t(tab)' })
    const html = mainOf((await blog.app.inject(post.url)).body)
    expect(html).toContain('<span class="comment-author">José</span>')
    expect(html).toContain('<p>Café ok<br>\nligne 2\t(tab)</p>')
  })

  it('accepts a comment of exactly 10,000 characters (counted as characters, after trimming)', async () => {
    const post = await openPost(blog)
    const body = 'é'.repeat(9_999) + '😀'
    const res = await send(blog, post.url, { author: 'Long', body: `  ${body}\n\n` })
    expect(res.statusCode).toBe(303)
    expect((await commentsOf(blog, post.id))[0]!.body).toBe(body)
  })

  const invalid: Array<[string, Fields, string, string]> = [
    ['a missing name', { author: '   ' }, 'author', 'Indiquez votre nom.'],
    ['a name over 100 characters', { author: 'n'.repeat(101) }, 'author', 'Votre nom ne doit pas dépasser 100 caractères.'],
    ['an invalid e-mail', { email: 'camille@' }, 'email', 'Cette adresse e-mail n’est pas valide (exemple : nom@exemple.fr).'],
    [
      'an e-mail over 254 characters',
      { email: `${'a'.repeat(64)}@${'b'.repeat(186)}.org` },
      'email',
      'L’adresse e-mail ne doit pas dépasser 254 caractères.',
    ],
    [
      'a javascript: website',
      { url: 'javascript:alert(1)' },
      'url',
      'L’adresse du site doit commencer par http:// ou https:// (exemple : https://exemple.fr).',
    ],
    [
      'an ftp: website',
      { url: 'ftp://example.org/' },
      'url',
      'L’adresse du site doit commencer par http:// ou https:// (exemple : https://exemple.fr).',
    ],
    [
      'a website without scheme',
      { url: 'example.org' },
      'url',
      'L’adresse du site doit commencer par http:// ou https:// (exemple : https://exemple.fr).',
    ],
    [
      'a website over 2,000 characters',
      { url: `https://example.org/${'p'.repeat(1990)}` },
      'url',
      'L’adresse du site ne doit pas dépasser 2 000 caractères.',
    ],
    ['an empty comment', { body: ' \n\t ' }, 'body', 'Écrivez votre commentaire.'],
    [
      'a comment over 10,000 characters',
      { body: 'x'.repeat(10_001) },
      'body',
      'Votre commentaire ne doit pas dépasser 10 000 caractères (il en compte 10 001).',
    ],
  ]

  it.each(invalid)(
    'refuses %s with 400, the message beside the field, the typed values kept, nothing stored',
    async (_, change, field, message) => {
      const post = await openPost(blog)
      const fields: Fields = { ...VALID, ...change, remember: '1' }
      const res = await send(blog, post.url, fields)
      expect(res.statusCode).toBe(400)
      expect(await commentsOf(blog, post.id)).toHaveLength(0)
      // French number formatting puts a narrow no-break space in "10 001".
      const html = commentsArea(res.body).replace(/\u202f/g, ' ')
      // Beside the field, tied to it for assistive technology, and in the summary at the top of the form.
      expect(html).toContain(`<p class="field-error" id="comment-${field}-error">${message}</p>`)
      expect(html).toMatch(new RegExp(`name="${field}"[^>]* aria-invalid="true" aria-describedby="[^"]*comment-${field}-error"`))
      expect(html).toContain(`<li><a href="#comment-${field}">${message}</a></li>`)
      expect(html.match(/aria-invalid/g)).toHaveLength(1)
      // Everything typed is still there.
      for (const name of ['author', 'email', 'url'] as const) expect(inputValue(html, name)).toBe(fields[name])
      expect(textareaValue(html, 'body')).toBe(fields.body)
      expect(html).toMatch(/name="remember" value="1" checked/)
      // The rest of the post page is there too.
      expect(res.body).toContain('Le texte de la note.')
      expect(res.body).toMatch(/<title>Erreur : /)
    },
  )

  const internationalEmails: Array<[string, string, string]> = [
    ['an internationalised domain', 'jean+blog@exämple.fr', 'jean+blog@exämple.fr'],
    ['the same domain in decomposed form (NFD)', 'jean+nfd@exa\u0308mple.fr', 'jean+nfd@exämple.fr'],
    ['its punycode form (what Chromium sends for it)', 'jean+puny@xn--exmple-cua.fr', 'jean+puny@exämple.fr'],
    ['a domain in another script', 'lecteur@пример.рф', 'lecteur@пример.рф'],
  ]
  it.each(internationalEmails)('accepts an e-mail address with %s, stored as people read it', async (_, email, storedAs) => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, email })
    expect(res.statusCode).toBe(303)
    expect((await commentsOf(blog, post.id))[0]!.author_email).toBe(storedAs)
  })

  it.each(['jean@xn--zz.fr', 'jean@exä mple.fr', 'jean@exämple', 'jéan@@exämple.fr'])('refuses the malformed address %s', async (email) => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, email })
    expect(res.statusCode).toBe(400)
    expect(commentsArea(res.body)).toContain('<p class="field-error" id="comment-email-error">Cette adresse e-mail n’est pas valide')
    expect(inputValue(commentsArea(res.body), 'email')).toBe(email)
  })

  it('reports every wrong field at once', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: '', email: 'x', url: 'x', body: '' })
    expect(res.statusCode).toBe(400)
    expect(visibleText(commentsArea(res.body))).toContain('Le formulaire contient 4 erreurs')
    expect(commentsArea(res.body).match(/aria-invalid="true"/g)).toHaveLength(4)
  })

  it('answers 404 to a post to a draft, a scheduled post or an unknown post, and stores nothing', async () => {
    const { slug } = await createPost(blog.app.db, { title: 'Brouillon secret', body: 'x', status: 'draft' })
    const future = new Date(Date.now() + 5 * DAY).toISOString()
    const scheduled = await createPost(blog.app.db, { title: 'Plus tard', body: 'x', status: 'published', publishedAt: future })
    const tz = blog.app.settings.get().timezone
    const before = (await blog.app.db.selectFrom('comments').select('id').execute()).length
    for (const url of [
      `/archive/2026/01/01/${slug}.html`,
      postPath({ slug: scheduled.slug, published_at: future }, tz),
      '/archive/2017/10/01/nulle-part.html',
    ]) {
      const res = await send(blog, url, VALID)
      expect(res.statusCode, url).toBe(404)
    }
    expect((await blog.app.db.selectFrom('comments').select('id').execute()).length).toBe(before)
  })

  it('keeps an unreadable body from becoming a 500', async () => {
    const post = await openPost(blog)
    const json = await blog.app.inject({ method: 'POST', url: post.url, payload: { author: ['a', 'b'], body: { x: 1 } } })
    expect(json.statusCode).toBe(400)
    const broken = await blog.app.inject({ method: 'POST', url: post.url, headers: { 'content-type': 'application/json' }, payload: '{' })
    expect(broken.statusCode).toBe(400)
    const odd = await blog.app.inject({ method: 'POST', url: post.url, headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
    expect(odd.statusCode).toBe(415)
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
  })
})

describe('replies', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('a reply link opens the form for that comment; the reply is stored with its parent and nested under it', async () => {
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Alice', body: 'Premier commentaire.' })
    const [first] = await commentsOf(blog, post.id)

    const page = (await blog.app.inject(post.url)).body
    expect(page).toContain(
      `<a class="comment-reply" href="${post.url}?reply=${first!.id}#respond" rel="nofollow">Répondre<span class="visually-hidden"> à Alice</span></a>`,
    )
    expect(page).not.toContain('name="parent"')

    const replying = await blog.app.inject(`${post.url}?reply=${first!.id}`)
    expect(replying.statusCode).toBe(200)
    const form = commentsArea(replying.body)
    expect(form).toContain('<h3 id="respond-heading">Répondre à Alice</h3>')
    expect(form).toContain(`<input type="hidden" name="parent" value="${first!.id}">`)
    expect(form).toContain(`<a href="${post.url}#respond">Annuler la réponse</a>`)
    // The canonical link stays the post's own.
    expect(replying.body).toContain(`<link rel="canonical" href="http://blog.test${post.url}">`)

    const res = await send(blog, post.url, { author: 'Bruno', body: 'Une réponse.', parent: String(first!.id) })
    expect(res.statusCode).toBe(303)
    const reply = (await commentsOf(blog, post.id))[1]!
    expect(reply.parent_id).toBe(first!.id)
    expect(res.headers.location).toBe(`${post.url}#comment-${reply.id}`)

    const html = mainOf((await blog.app.inject(post.url)).body)
    const parentItem = html.slice(html.indexOf(`<article id="comment-${first!.id}">`))
    expect(parentItem).toMatch(
      new RegExp(
        `^<article id="comment-${first!.id}">[\\s\\S]*?</article>\\s*<ol class="comment-replies">\\s*<li class="comment depth-2">\\s*<article id="comment-${reply.id}">`,
      ),
    )
    expect(visibleText(html)).toContain('Commentaires (2)')
  })

  it('nests at most three levels, storing the real parent of deeper answers, which say whom they answer', async () => {
    const post = await openPost(blog)
    let parent = ''
    const ids: number[] = []
    for (const [i, author] of ['Un', 'Deux', 'Trois', 'Quatre', 'Cinq'].entries()) {
      const res = await send(blog, post.url, { author, body: `Niveau ${i + 1}`, ...(parent ? { parent } : {}) })
      expect(res.statusCode).toBe(303)
      const rows = await commentsOf(blog, post.id)
      ids.push(rows.at(-1)!.id)
      parent = String(rows.at(-1)!.id)
    }
    const rows = await commentsOf(blog, post.id)
    expect(rows.map((r) => r.parent_id)).toEqual([null, ids[0], ids[1], ids[2], ids[3]])
    const html = mainOf((await blog.app.inject(post.url)).body)
    // Quatre and Cinq stand beside Trois, at the third level; each names (and links) the comment it answers.
    for (const id of [ids[3], ids[4]]) expect(html).toMatch(new RegExp(`<li class="comment depth-3">\\s*<article id="comment-${id}">`))
    expect(html).not.toContain('depth-4')
    const article = (id: number) =>
      html.slice(html.indexOf(`<article id="comment-${id}">`), html.indexOf('</article>', html.indexOf(`<article id="comment-${id}">`)))
    expect(article(ids[3]!)).toContain(`<p class="comment-context">en réponse à <a href="#comment-${ids[2]}">Trois</a></p>`)
    expect(article(ids[4]!)).toContain(`<p class="comment-context">en réponse à <a href="#comment-${ids[3]}">Quatre</a></p>`)
    expect(visibleText(article(ids[4]!))).toMatch(/^en réponse à Quatre Niveau 5/)
    // Answers shown under their own parent need no such line.
    for (const id of ids.slice(0, 3)) expect(article(id!)).not.toContain('comment-context')
  })

  it('refuses a reply to a comment of another post or a held one, keeping the text; an unknown ?reply= is ignored', async () => {
    const post = await openPost(blog)
    const other = await openPost(blog)
    await send(blog, other.url, { author: 'Ailleurs', body: 'Sur une autre note.' })
    const [foreign] = await commentsOf(blog, other.id)
    const res = await send(blog, post.url, { author: 'Zoé', body: 'Ma réponse égarée.', parent: String(foreign!.id) })
    expect(res.statusCode).toBe(400)
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
    const form = commentsArea(res.body)
    expect(visibleText(form)).toContain('Le commentaire auquel vous répondiez n’est plus affiché.')
    expect(textareaValue(form, 'body')).toBe('Ma réponse égarée.')
    // Sent again, it becomes a comment of its own.
    expect(form).not.toContain('name="parent"')
    expect((await send(blog, post.url, { author: 'Zoé', body: 'Ma réponse égarée.' })).statusCode).toBe(303)

    const page = await blog.app.inject(`${post.url}?reply=${foreign!.id}`)
    expect(page.statusCode).toBe(200)
    expect(commentsArea(page.body)).toContain('<h3 id="respond-heading">Laisser un commentaire</h3>')
    expect((await blog.app.inject(`${post.url}?reply=abc`)).statusCode).toBe(200)
  })
})

describe('closed threads', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('an admin-closed thread shows the closed message and no form, and a POST gets 403 and stores nothing', async () => {
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Avant', body: 'Posté avant la fermeture.' })
    await blog.app.db.updateTable('posts').set({ comments_open: 0 }).where('id', '=', post.id).execute()

    const page = await blog.app.inject(post.url)
    const area = commentsArea(page.body)
    expect(area).not.toContain('<form')
    expect(area).not.toContain('comment-reply')
    expect(visibleText(area)).toContain('Les commentaires sont fermés.')
    expect(visibleText(area)).toContain('Posté avant la fermeture.')

    // Closed while someone was writing: the page says so and gives the text back, to keep; still no form.
    const res = await send(blog, post.url, { ...VALID, body: 'Écrit avant\nla fermeture.' })
    expect(res.statusCode).toBe(403)
    const refused = commentsArea(res.body)
    expect(visibleText(refused)).toContain('Les commentaires sont fermés. Votre commentaire n’a pas été publié. Le voici, pour le garder :')
    expect(refused).toContain('<textarea id="comment-unsent" rows="8" readonly>Écrit avant\nla fermeture.</textarea>')
    expect(refused).not.toContain('<form')
    expect(res.body).toMatch(/<title>Erreur : /)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
  })

  it('the seed thread refuses comments', async () => {
    const before = (await blog.app.db.selectFrom('comments').select('id').execute()).length
    const res = await send(blog, SEED_PATH, VALID)
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('Les commentaires sont fermés.')
    expect((await blog.app.db.selectFrom('comments').select('id').execute()).length).toBe(before)
  })

  it('the auto-close setting closes posts older than N days, in the blog’s language', async () => {
    const old = await openPost(blog, { daysAgo: 40 })
    const recent = await openPost(blog, { daysAgo: 10 })
    await blog.app.settings.update({ commentsAutoCloseDays: 30, language: 'en' })
    try {
      const oldPage = await blog.app.inject(old.url)
      expect(commentsArea(oldPage.body)).not.toContain('<form')
      expect(visibleText(commentsArea(oldPage.body))).toContain('Comments are closed.')
      const refused = await send(blog, old.url, VALID)
      expect(refused.statusCode).toBe(403)
      expect(refused.body).toContain('Comments are closed.')
      expect(await commentsOf(blog, old.id)).toHaveLength(0)

      expect(commentsArea((await blog.app.inject(recent.url)).body)).toContain('<form')
      expect((await send(blog, recent.url, VALID)).statusCode).toBe(303)
      expect(await commentsOf(blog, recent.id)).toHaveLength(1)
    } finally {
      await blog.app.settings.update({ commentsAutoCloseDays: 0, language: 'fr' })
    }
    // 0 = never: the old post is open again.
    expect((await send(blog, old.url, VALID)).statusCode).toBe(303)
  })
})

describe('moderation', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  async function holdsAndHides(post: { id: number; url: string }, fields: Fields) {
    const res = await send(blog, post.url, fields)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${post.url}?moderation=pending#respond`)
    const row = (await commentsOf(blog, post.id)).at(-1)!
    expect(row.status).toBe('pending')
    const page = await blog.app.inject(post.url)
    expect(page.body).not.toContain(fields.body!)
    expect(visibleText(mainOf(page.body))).not.toContain('en attente de modération')
    const back = await blog.app.inject(res.headers.location as string)
    expect(back.statusCode).toBe(200)
    expect(commentsArea(back.body)).toContain(
      '<p class="comment-pending" role="status">Votre commentaire est en attente de modération.</p>',
    )
    expect(back.body).not.toContain(fields.body!)
    return row
  }

  it('none publishes at once (the default)', async () => {
    expect(blog.app.settings.get().moderation).toBe('none')
    const post = await openPost(blog)
    const res = await send(blog, post.url, VALID)
    expect(res.headers.location).toMatch(/#comment-\d+$/)
    expect((await commentsOf(blog, post.id))[0]!.status).toBe('approved')
  })

  it('all holds every comment: not shown, not counted, its author told it awaits moderation', async () => {
    await blog.app.settings.update({ moderation: 'all' })
    try {
      const post = await openPost(blog)
      await holdsAndHides(post, { ...VALID, author: 'Hortense', body: 'Un commentaire retenu.' })
      await holdsAndHides(post, { ...VALID, author: 'Hortense', body: 'Un autre, du même auteur.' })
      const text = visibleText(mainOf((await blog.app.inject(post.url)).body))
      expect(text).toContain('Commentaires (0)')
      expect(text).toContain('Aucun commentaire pour le moment.')
      // Not in the sidebar's recent comments either.
      expect((await blog.app.inject('/')).body).not.toContain('Hortense')
    } finally {
      await blog.app.settings.update({ moderation: 'none' })
    }
  })

  it('first-time holds a first comment; once one is approved, the same e-mail (any case) or name publishes at once', async () => {
    await blog.app.settings.update({ moderation: 'first-time' })
    try {
      const post = await openPost(blog)
      const held = await holdsAndHides(post, { author: 'Nadia', email: 'Nadia@Example.org', body: 'Ma première fois.' })
      // Still unknown while held: a second comment waits too.
      await holdsAndHides(post, { author: 'Nadia', email: 'nadia@example.org', body: 'Encore moi.' })

      await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', held.id).execute()
      const res = await send(blog, post.url, { author: 'N.', email: 'NADIA@example.org', body: 'Maintenant je suis connue.' })
      expect(res.headers.location).toMatch(/#comment-\d+$/)
      expect((await commentsOf(blog, post.id)).at(-1)!.status).toBe('approved')
      expect(visibleText(mainOf((await blog.app.inject(post.url)).body))).toContain('Commentaires (2)')

      // Without an e-mail, the name decides.
      const byName = await holdsAndHides(post, { author: 'Omar', body: 'Sans adresse.' })
      await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', byName.id).execute()
      expect((await send(blog, post.url, { author: 'Omar', body: 'Me revoilà.' })).headers.location).toMatch(/#comment-\d+$/)
      // A new e-mail is a new commenter, even under a known name.
      await holdsAndHides(post, { author: 'Omar', email: 'autre@example.org', body: 'Avec une adresse neuve.' })
    } finally {
      await blog.app.settings.update({ moderation: 'none' })
    }
  })
})

describe('remember me', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('keeps name, e-mail and website in a cookie that fills the form next time, and forgets them when unchecked', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, remember: '1' })
    expect(res.statusCode).toBe(303)
    const cookie = res.cookies.find((c) => c.name === COMMENTER_COOKIE)!
    expect(cookie).toBeDefined()
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookie.secure).toBeFalsy()
    expect(cookie.maxAge).toBeGreaterThanOrEqual(360 * 24 * 3600)
    expect(JSON.parse(cookie.value)).toEqual({ author: VALID.author, email: VALID.email, url: VALID.url })

    const page = await blog.app.inject({ url: post.url, cookies: { [COMMENTER_COOKIE]: cookie.value } })
    const form = commentsArea(page.body)
    expect(inputValue(form, 'author')).toBe(VALID.author)
    expect(inputValue(form, 'email')).toBe(VALID.email)
    expect(inputValue(form, 'url')).toBe(VALID.url)
    expect(form).toMatch(/name="remember" value="1" checked/)
    // Without the cookie, the form is empty.
    expect(inputValue(commentsArea((await blog.app.inject(post.url)).body), 'author')).toBe('')

    const again = await blog.app.inject({
      method: 'POST',
      url: post.url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      cookies: { [COMMENTER_COOKIE]: cookie.value },
      payload: new URLSearchParams({ ...VALID, body: 'Sans me retenir cette fois.' }).toString(),
    })
    expect(again.statusCode).toBe(303)
    const cleared = again.cookies.find((c) => c.name === COMMENTER_COOKIE)!
    expect(cleared.value).toBe('')
    expect(cleared.expires!.getTime()).toBeLessThan(Date.now())
    // Not remembering, and no cookie: no remember-me cookie is sent at all (only the right to edit the comment,
    // src/own-comments).
    const plain = await send(blog, post.url, { ...VALID, body: 'Rien à retenir.' })
    expect(plain.cookies.map((c) => c.name)).toEqual(['carnet_own_comments'])
  })

  it('ignores a tampered cookie and escapes what it holds', async () => {
    const post = await openPost(blog)
    for (const value of ['not json', '{"author":1}', JSON.stringify({ author: '"><script>alert(1)</script>', email: '', url: '' })]) {
      const page = await blog.app.inject({ url: post.url, cookies: { [COMMENTER_COOKIE]: value } })
      expect(page.statusCode).toBe(200)
      expectInert(commentsArea(page.body))
    }
  })

  it('is Secure when the site is served over https', async () => {
    const secure = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0', SITE_URL: 'https://blog.test' } })
    try {
      const post = await openPost(secure)
      const res = await send(secure, post.url, { ...VALID, remember: 'on' }, { headers: { origin: 'https://blog.test' } })
      expect(res.statusCode).toBe(303)
      expect(res.cookies.find((c) => c.name === COMMENTER_COOKIE)!.secure).toBe(true)
    } finally {
      await secure.close()
    }
  })
})

describe('abuse', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('drops a comment whose honeypot is filled, with the same 303', async () => {
    const post = await openPost(blog)
    const page = commentsArea((await blog.app.inject(post.url)).body)
    expect(page).toContain('<div class="field comment-hp">')
    expect(page).toMatch(/name="subject" value="" tabindex="-1" autocomplete="off"/)
    const res = await send(blog, post.url, { ...VALID, subject: 'Buy now' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toContain(post.url)
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
  })

  it('refuses the same comment twice on a post within ten minutes, from the same IP or the same name', async () => {
    const post = await openPost(blog)
    const text = 'Un avis   tranché.\nSur deux lignes.'
    expect((await send(blog, post.url, { author: 'Paul', body: text }, { ip: '198.51.100.1' })).statusCode).toBe(303)

    // Same IP, other name, same text but for case and spacing.
    const again = await send(blog, post.url, { author: 'Pierre', body: ' un avis tranché. sur deux lignes. ' }, { ip: '198.51.100.1' })
    expect(again.statusCode).toBe(409)
    expect(visibleText(commentsArea(again.body))).toContain('Vous avez déjà envoyé ce commentaire il y a quelques minutes')
    expect(textareaValue(commentsArea(again.body), 'body')).toBe(' un avis tranché. sur deux lignes. ')
    // Same name, other IP.
    expect((await send(blog, post.url, { author: 'Paul', body: text }, { ip: '198.51.100.2' })).statusCode).toBe(409)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)

    // Someone else may say the same thing; the same person may say it on another post.
    expect((await send(blog, post.url, { author: 'Jeanne', body: text }, { ip: '198.51.100.3' })).statusCode).toBe(303)
    const other = await openPost(blog)
    expect((await send(blog, other.url, { author: 'Paul', body: text }, { ip: '198.51.100.1' })).statusCode).toBe(303)

    // Ten minutes later, it is a new comment.
    await blog.app.db
      .updateTable('comments')
      .set({ created_at: new Date(Date.now() - 11 * 60 * 1000).toISOString() })
      .where('post_id', '=', post.id)
      .execute()
    expect((await send(blog, post.url, { author: 'Paul', body: text }, { ip: '198.51.100.1' })).statusCode).toBe(303)
    expect(await commentsOf(blog, post.id)).toHaveLength(3)
  })

  it('stores one of several identical comments sent at the same moment, and answers each with its 303', async () => {
    const post = await openPost(blog)
    const results = await Promise.all(Array.from({ length: 10 }, () => send(blog, post.url, { author: 'Double', body: 'Clic clic.' })))
    // The same person clicking again (test/reader/comment-double-click.test.ts): every answer leads to the comment.
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(303))
    expect(new Set(results.map((r) => r.headers.location)).size).toBe(1)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
  })

  it('counts a held comment as sent for the duplicate check', async () => {
    await blog.app.settings.update({ moderation: 'all' })
    try {
      const post = await openPost(blog)
      expect((await send(blog, post.url, { author: 'Lou', body: 'En attente.' })).statusCode).toBe(303)
      expect((await send(blog, post.url, { author: 'Lou', body: 'En attente.' }, { ip: '198.51.100.8' })).statusCode).toBe(409)
      expect(await commentsOf(blog, post.id)).toHaveLength(1)
    } finally {
      await blog.app.settings.update({ moderation: 'none' })
    }
  })

  const crossSite: Array<[string, Record<string, string>]> = [
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['an opaque Origin', { origin: 'null' }],
    ['the site’s host on another port', { origin: 'http://blog.test:8080' }],
    ['a matching Origin but a cross-site fetch', { origin: 'http://blog.test', 'sec-fetch-site': 'cross-site' }],
  ]
  it.each(crossSite)('refuses a post with %s: 403, a readable page, nothing stored', async (_, headers) => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, VALID, { headers })
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(visibleText(mainOf(res.body))).toContain('Ce formulaire ne peut être envoyé que depuis une page de ce blog.')
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
  })

  const sameSite: Array<[string, Record<string, string>]> = [
    ['no Origin nor Sec-Fetch-Site (a non-browser client)', {}],
    ['the SITE_URL origin', { origin: 'http://blog.test', 'sec-fetch-site': 'same-origin' }],
    ['the request’s own host (another name, or behind a proxy)', { origin: 'http://localhost:3000', host: 'localhost:3000' }],
    ['Sec-Fetch-Site: none (typed by the user)', { 'sec-fetch-site': 'none' }],
  ]
  it.each(sameSite)('accepts a post with %s', async (_, headers) => {
    const post = await openPost(blog)
    expect((await send(blog, post.url, VALID, { headers })).statusCode).toBe(303)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
  })

  it('accepts the longest comment in Japanese (about 90 KB once form-encoded)', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, body: '日本語'.repeat(3333) + '語' })
    expect(res.statusCode).toBe(303)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
  })

  it('gives back a text pasted far over the limit (200 KB) in the form, whole, with the message', async () => {
    const post = await openPost(blog)
    const body = 'x'.repeat(200 * 1024)
    const res = await send(blog, post.url, { ...VALID, body })
    expect(res.statusCode).toBe(400)
    const form = commentsArea(res.body).replace(/\u202f/g, ' ')
    expect(form).toContain('Votre commentaire ne doit pas dépasser 10 000 caractères (il en compte 204 800).')
    expect(textareaValue(form, 'body')).toBe(body)
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
  })

  it('refuses a body over 1 MB with 413 and a readable page, storing nothing', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { ...VALID, body: 'x'.repeat(1025 * 1024) })
    expect(res.statusCode).toBe(413)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(visibleText(mainOf(res.body))).toContain('Ce que vous avez envoyé est trop long.')
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
  })
})

describe('rate limit', () => {
  it('refuses more than COMMENT_RATE_LIMIT comments a minute from one IP with 429, Retry-After and the comment kept', async () => {
    const blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '2' } })
    try {
      const post = await openPost(blog)
      for (const n of [1, 2]) {
        expect((await send(blog, post.url, { author: 'Rapide', body: `Commentaire ${n}` }, { ip: '192.0.2.1' })).statusCode).toBe(303)
      }
      const res = await send(blog, post.url, { author: 'Rapide', body: 'Commentaire 3' }, { ip: '192.0.2.1' })
      expect(res.statusCode).toBe(429)
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(visibleText(mainOf(res.body))).toContain(
        'Vous avez envoyé trop de commentaires en peu de temps : celui-ci n’a pas été enregistré.',
      )
      expect(textareaValue(commentsArea(res.body), 'body')).toBe('Commentaire 3')
      expect(await commentsOf(blog, post.id)).toHaveLength(2)
      // Another visitor is not held back, nor are readers.
      expect((await send(blog, post.url, { author: 'Autre', body: 'Bonjour' }, { ip: '192.0.2.2' })).statusCode).toBe(303)
      expect((await blog.app.inject({ url: post.url, remoteAddress: '192.0.2.1' })).statusCode).toBe(200)
    } finally {
      await blog.close()
    }
  })

  it('is off with COMMENT_RATE_LIMIT=0', async () => {
    const blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
    try {
      const post = await openPost(blog)
      for (let n = 1; n <= 8; n++) {
        expect((await send(blog, post.url, { author: 'Bavard', body: `Message ${n}` })).statusCode).toBe(303)
      }
      expect(await commentsOf(blog, post.id)).toHaveLength(8)
    } finally {
      await blog.close()
    }
  })

  it('is read from the environment: 5 by default, a whole number of 0 or more', () => {
    expect(loadConfig({}).commentRateLimit).toBe(5)
    expect(loadConfig({ COMMENT_RATE_LIMIT: '0' }).commentRateLimit).toBe(0)
    expect(loadConfig({ COMMENT_RATE_LIMIT: '120' }).commentRateLimit).toBe(120)
    expect(() => loadConfig({ COMMENT_RATE_LIMIT: '-1' })).toThrow(
      /^Invalid configuration: COMMENT_RATE_LIMIT must be 0 \(no limit\) or more/,
    )
    expect(() => loadConfig({ COMMENT_RATE_LIMIT: 'lots' })).toThrow(/COMMENT_RATE_LIMIT must be a number/)
  })
})

describe('hostile text', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  // Every payload in every field: the URL ones too, as text.
  const PAYLOADS = [...new Set([...XSS_PAYLOADS, ...URL_XSS_PAYLOADS])]

  it.each(PAYLOADS)('%s in the name and the comment is stored as text and rendered inert', async (payload) => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: payload.slice(0, 100), body: `Avant ${payload} après` })
    expect(res.statusCode).toBe(303)
    const [row] = await commentsOf(blog, post.id)
    expect(row!.author_name).toBe(payload.slice(0, 100))
    expect(row!.body).toBe(`Avant ${payload} après`)

    const page = await blog.app.inject(post.url)
    const list = commentList(page.body)
    expectInert(list)
    expectInert(commentsArea(page.body))
    // Readers see exactly what was written.
    expect(visibleText(list)).toContain(`Avant ${payload} après`)
    // And the sidebar's recent comments show the name as text too. The only script elements are the post's JSON-LD
    // data block, in which no text can open a tag, and the blog's own scripts from /static/ (the footer's).
    const dataBlocks = [...page.body.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    for (const block of dataBlocks) expect(block).not.toContain('<')
    expect(
      page.body
        .replace(/<script type="application\/ld\+json">[\s\S]*?<\/script>/g, '')
        .replace(/<script src="\/static\/js\/[a-z-]+\.js\?v=[0-9a-f]{12}" defer><\/script>/g, ''),
    ).not.toMatch(/<script/i)
  })

  it.each(PAYLOADS)('%s in the e-mail and website fields is refused or made harmless, and the form sent back is inert', async (payload) => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: 'X', email: payload, url: payload, body: payload })
    // No payload is a valid e-mail address.
    expect(res.statusCode).toBe(400)
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
    const area = commentsArea(res.body)
    expectInert(area)
    expect(inputValue(area, 'email')).toBe(payload)
    expect(inputValue(area, 'url')).toBe(payload)
    expect(textareaValue(area, 'body')).toBe(payload)
  })

  it('stores a website holding quotes and brackets percent-encoded, and links it harmlessly', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: 'Malin', url: 'https://example.org/"><svg onload=alert(1)>', body: 'Salut' })
    expect(res.statusCode).toBe(303)
    const [row] = await commentsOf(blog, post.id)
    expect(row!.author_url).toBe('https://example.org/%22%3E%3Csvg%20onload=alert(1)%3E')
    const list = commentList((await blog.app.inject(post.url)).body)
    expectInert(list)
    expect(list).toContain('<a href="https://example.org/%22%3E%3Csvg%20onload=alert(1)%3E" rel="nofollow ugc noopener">Malin</a>')
  })

  it('never links a javascript: website stored by other means', async () => {
    const post = await openPost(blog)
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: post.id,
        parent_id: null,
        author_name: 'Ancien',
        author_url: 'javascript:alert(1)',
        body: 'x',
        status: 'approved',
        created_at: new Date().toISOString(),
      })
      .execute()
    const list = commentList((await blog.app.inject(post.url)).body)
    expectInert(list)
    expect(list).toContain('<span class="comment-author">Ancien</span>')
  })
})
