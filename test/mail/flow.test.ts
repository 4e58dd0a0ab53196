// The whole e-mail flow through the real app, a real SQLite file and a real SMTP server on loopback: the comment
// form, the confirmation mail, the confirmation, a reply, the notification (both parts, headers), the one-click
// unsubscribe, and then silence.
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialectOfDb } from '../../src/db/dialect.ts'
import { buildTestApp, SITE_URL, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsArea, openPost, send } from '../helpers/comments.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { startSmtp, type Received, type TestSmtp } from '../helpers/smtp.ts'

let smtp: TestSmtp
let blog: TestBlog

beforeEach(async () => {
  smtp = await startSmtp()
  blog = await buildTestApp({
    demo: false,
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Le carnet <carnet@blog.test>', COMMENT_RATE_LIMIT: '0' },
  })
})
afterEach(async () => {
  await blog.close()
  await smtp.stop()
})

/** The one link of a mail's text that starts with this path. */
function linkIn(mail: Received, path: string): string {
  const m = new RegExp(`${SITE_URL}${path}[^\\s]+`).exec(mail.parsed.text ?? '')
  if (!m) throw new Error(`no ${path} link in: ${mail.parsed.text}`)
  return m[0].slice(SITE_URL.length)
}

async function outbox(b: TestBlog) {
  return b.app.db.selectFrom('mail_outbox').select(['kind', 'recipient', 'status']).orderBy('id').execute()
}

describe('a commenter who asks to hear about replies', () => {
  it('confirms, gets the reply in text and HTML with threading and unsubscribe headers, unsubscribes in one click, then gets nothing', async () => {
    const post = await openPost(blog, { title: 'Les cigognes de Strasbourg 🕊️' })
    const page = await blog.app.inject(post.url)
    const form = commentsArea(page.body)
    expect(form).toContain('name="notify" value="on"')
    expect(visibleText(form)).toContain('M’avertir par e-mail des réponses')

    const first = await send(blog, post.url, { author: 'Zoë', email: 'Zoe@Example.org', body: 'Première !', notify: 'on' })
    expect(first.statusCode).toBe(303)
    const [confirmation] = await smtp.waitFor(1)
    expect(confirmation!.to).toEqual(['zoe@example.org'])
    expect(confirmation!.parsed.subject).toContain('Confirmez votre adresse')
    expect(confirmation!.header('auto-submitted')).toBe('auto-generated')

    // A reply before the address is confirmed: nothing is sent to it.
    const [firstComment] = await blog.app.db.selectFrom('comments').select('id').where('post_id', '=', post.id).execute()
    await send(blog, post.url, { author: 'Jean', body: 'Trop tôt pour toi.', parent: String(firstComment!.id) })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(1)

    // The link only shows a button (link scanners fetch it); the POST confirms.
    const confirmPath = linkIn(confirmation!, '/mail/confirm/')
    const shown = await blog.app.inject(confirmPath)
    expect(shown.statusCode).toBe(200)
    expect(shown.headers['cache-control']).toBe('no-store')
    expect(shown.body).toContain(`<form method="post" action="${confirmPath}"`)
    expect(shown.body).not.toContain('zoe@example.org')
    expect((await blog.app.db.selectFrom('mail_addresses').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at).toBeNull()
    const confirmed = await blog.app.inject({ method: 'POST', url: confirmPath })
    expect(confirmed.statusCode).toBe(200)
    expect(visibleText(confirmed.body)).toContain('Adresse confirmée')

    // A reply: one mail, with the text, its author and a link to it.
    const reply = await send(blog, post.url, {
      author: 'Jean-Michel',
      email: 'jm@example.org',
      body: 'Je réponds\n\nen deux paragraphes <b>gras</b>.',
      parent: String(firstComment!.id),
    })
    expect(reply.statusCode).toBe(303)
    const mails = await smtp.waitFor(2)
    const notification = mails[1]!
    expect(notification.to).toEqual(['zoe@example.org'])
    expect(notification.parsed.subject).toBe('Nouvelle réponse à votre commentaire sur « Les cigognes de Strasbourg 🕊️ »')
    expect(notification.parsed.from?.text).toBe('"Le carnet" <carnet@blog.test>')
    const replyRow = await blog.app.db
      .selectFrom('comments')
      .select('id')
      .where('author_name', '=', 'Jean-Michel')
      .executeTakeFirstOrThrow()
    expect(notification.parsed.text).toContain('Jean-Michel a répondu à votre commentaire')
    expect(notification.parsed.text).toContain('> en deux paragraphes <b>gras</b>.')
    expect(notification.parsed.text).toContain(`${SITE_URL}/comment/${replyRow.id}`)
    expect(notification.parsed.html).toContain('en deux paragraphes &lt;b&gt;gras&lt;/b&gt;.')
    expect(notification.parsed.html).toContain(`<a href="${SITE_URL}/comment/${replyRow.id}">`)
    expect(notification.parsed.html).toContain('<html lang="fr">')
    expect(notification.raw).toMatch(/Content-Type: text\/plain; charset=utf-8/i)
    expect(notification.raw).toMatch(/Content-Type: text\/html; charset=utf-8/i)
    expect(notification.parsed.messageId).toMatch(/^<carnet\.[0-9a-f-]+@blog\.test>$/)
    expect(notification.parsed.inReplyTo).toBe(`<carnet.post-${post.id}@blog.test>`)
    expect(notification.parsed.references).toBe(`<carnet.post-${post.id}@blog.test>`)
    expect(notification.header('auto-submitted')).toBe('auto-generated')
    const unsubscribeHeader = notification.header('list-unsubscribe')!
    expect(unsubscribeHeader).toMatch(new RegExp(`^<${SITE_URL}/unsubscribe/s\\d+\\.[A-Za-z0-9_-]+>$`))
    expect(notification.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    const unsubscribePath = unsubscribeHeader.slice(1 + SITE_URL.length, -1)
    expect(notification.parsed.text).toContain(`${SITE_URL}${unsubscribePath}`)
    expect(unsubscribePath).not.toMatch(/zoe|example/i)

    // The replier's own comment is not mailed back to them, and Jean (no address) got nothing either.
    expect(mails.map((m) => m.to[0])).toEqual(['zoe@example.org', 'zoe@example.org'])

    // One-click unsubscribe as a mail provider does it: a POST without cookies.
    const gone = await blog.app.inject({
      method: 'POST',
      url: unsubscribePath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(gone.statusCode).toBe(200)
    expect(gone.headers['cache-control']).toBe('no-store')
    expect(gone.body).not.toContain('zoe@example.org')
    await send(blog, post.url, {
      author: 'Jean-Michel',
      body: 'Encore une réponse, que Zoë ne recevra pas.',
      parent: String(firstComment!.id),
    })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(2)
  })

  it('asks for an address when notify is ticked without one, and keeps everything typed', async () => {
    const post = await openPost(blog)
    const res = await send(blog, post.url, { author: 'Zoë', email: '', body: 'Mon texte 🌍 مرحبا', notify: 'on', notify_all: 'on' })
    expect(res.statusCode).toBe(400)
    const form = commentsArea(res.body)
    expect(form).toMatch(
      /<p class="field-error" id="comment-email-error">Indiquez votre adresse e-mail pour être averti des réponses\.<\/p>/,
    )
    expect(form).toContain('Mon texte 🌍 مرحبا')
    expect(form).toMatch(/name="notify" value="on"[^>]* checked/)
    expect(form).toMatch(/name="notify_all" value="on"[^>]* checked/)
    expect(await blog.app.db.selectFrom('comments').select('id').where('post_id', '=', post.id).execute()).toEqual([])
    expect(await outbox(blog)).toEqual([])
  })

  it('with "every comment", hears about each new comment on the post but never its own', async () => {
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Je suis tout.', notify_all: 'on' })
    const [confirmation] = await smtp.waitFor(1)
    await blog.app.inject({ method: 'POST', url: linkIn(confirmation!, '/mail/confirm/') })
    await send(blog, post.url, { author: 'Ali', body: 'Un nouveau commentaire, pas une réponse.' })
    await send(blog, post.url, { author: 'Zoë', email: 'ZOE@example.org', body: 'Le mien, que je ne recevrai pas.' })
    await blog.app.mail.deliverNow()
    const mails = await smtp.waitFor(2)
    expect(mails[1]!.parsed.subject).toMatch(/^Nouveau commentaire sur/)
    expect(mails[1]!.parsed.text).toContain('Ali a commenté')
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(2)
  })

  it('shows valid pages; a GET of a link changes nothing, and a forged or misused token is refused', async () => {
    const post = await openPost(blog)
    const page = await blog.app.inject(post.url)
    expect(await htmlErrors(page.body, 'post-with-notify')).toEqual([])
    const formAgain = await send(blog, post.url, { author: 'Zoë', body: 'Sans adresse.', notify: 'on' })
    expect(await htmlErrors(formAgain.body, 'post-notify-error')).toEqual([])
    await send(blog, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Avec adresse.', notify: 'on' })
    const [confirmation] = await smtp.waitFor(1)
    const confirmPath = linkIn(confirmation!, '/mail/confirm/')
    const unsubscribePath = confirmation!.header('list-unsubscribe')!.slice(1 + SITE_URL.length, -1)
    const shown = await blog.app.inject(unsubscribePath)
    expect(shown.statusCode).toBe(200)
    expect(await htmlErrors(shown.body, 'unsubscribe')).toEqual([])
    expect(await blog.app.db.selectFrom('mail_subscriptions').select('id').execute()).toHaveLength(1)
    const forged = confirmPath.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
    for (const [method, url] of [
      ['GET', forged],
      ['POST', forged],
      ['POST', confirmPath.replace('/mail/confirm/', '/unsubscribe/')],
      ['POST', unsubscribePath.replace('/unsubscribe/', '/mail/confirm/')],
      ['GET', '/unsubscribe/nothing'],
    ] as const) {
      const res = await blog.app.inject({ method, url })
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(visibleText(res.body)).toContain('Lien non valable')
    }
    expect(await blog.app.db.selectFrom('mail_subscriptions').select('id').execute()).toHaveLength(1)
    expect((await blog.app.db.selectFrom('mail_addresses').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at).toBeNull()
  })

  it('refuses a confirmation posted from another site, confirming nothing, with a page that offers the button', async () => {
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Avec adresse.', notify: 'on' })
    const [confirmation] = await smtp.waitFor(1)
    const confirmPath = linkIn(confirmation!, '/mail/confirm/')
    const confirmedAt = async () =>
      (await blog.app.db.selectFrom('mail_addresses').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.test' }]) {
      const res = await blog.app.inject({ method: 'POST', url: confirmPath, headers })
      expect(res.statusCode, JSON.stringify(headers)).toBe(403)
      expect(res.headers['cache-control']).toBe('no-store')
      const text = visibleText(res.body)
      expect(text).toContain('Envoi refusé')
      expect(text).toContain('Cette confirmation ne peut être envoyée que depuis une page de ce blog : rien n’a été confirmé.')
      expect(res.body).toContain(`<form method="post" action="${confirmPath}"`)
      expect(await htmlErrors(res.body, 'confirm-cross-site')).toEqual([])
      expect(await confirmedAt()).toBeNull()
    }
    // From the blog's own page, it confirms.
    const own = await blog.app.inject({ method: 'POST', url: confirmPath, headers: { 'sec-fetch-site': 'same-origin', origin: SITE_URL } })
    expect(own.statusCode).toBe(200)
    expect(await confirmedAt()).not.toBeNull()
  })

  it('stores the comment and its mails together or not at all', async () => {
    const post = await openPost(blog)
    // The outbox refuses writes (a test-only trigger): the comment must not be stored without its mail.
    if (dialectOfDb(blog.app.db) === 'postgres') {
      await sql`create function no_mail() returns trigger language plpgsql as $$ begin raise exception 'outbox broken'; end $$`.execute(
        blog.app.db,
      )
      await sql`create trigger no_mail before insert on mail_outbox for each row execute function no_mail()`.execute(blog.app.db)
    } else {
      await sql`create trigger no_mail before insert on mail_outbox begin select raise(abort, 'outbox broken'); end`.execute(blog.app.db)
    }
    const res = await send(blog, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Rien ne doit rester.', notify: 'on' })
    expect(res.statusCode).toBe(500)
    expect(commentsArea(res.body)).toContain('Rien ne doit rester.')
    expect(await blog.app.db.selectFrom('comments').select('id').where('post_id', '=', post.id).execute()).toEqual([])
    expect(await blog.app.db.selectFrom('mail_subscriptions').select('id').execute()).toEqual([])
    expect(await blog.app.db.selectFrom('mail_addresses').select('id').execute()).toEqual([])
  })

  it('writes in the blog’s language', async () => {
    const en = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, BLOG_LANGUAGE: 'en', COMMENT_RATE_LIMIT: '0' } })
    try {
      const post = await openPost(en, { title: 'Storks' })
      expect(visibleText(commentsArea((await en.app.inject(post.url)).body))).toContain('E-mail me replies')
      await send(en, post.url, { author: 'Zoe', email: 'zoe@example.org', body: 'First!', notify: 'on' })
      const [mail] = await smtp.waitFor(1)
      expect(mail!.parsed.subject).toBe('Confirm your address for comments on “Carnet”')
      expect(mail!.parsed.html).toContain('<html lang="en">')
      expect(mail!.header('content-language')).toBe('en')
      expect(mail!.parsed.text).toMatch(/\nUnsubscribe: http:\/\/blog\.test\/unsubscribe\/a\d+\./)
    } finally {
      await en.close()
    }
  })

  it('offers nothing when SMTP_URL is unset', async () => {
    const off = await buildTestApp({ demo: false })
    try {
      const post = await openPost(off)
      const page = await off.app.inject(post.url)
      expect(page.body).not.toContain('name="notify"')
      expect(visibleText(page.body)).not.toContain('M’avertir')
      const res = await send(off, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Sans courrier.', notify: 'on' })
      expect(res.statusCode).toBe(303)
      expect(await outbox(off)).toEqual([])
    } finally {
      await off.close()
    }
  })
})
