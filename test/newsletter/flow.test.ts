// Readers who follow the blog by e-mail, through the real app, a real database and a real SMTP server: the form,
// the confirmation, a new post's mail (both parts, absolute addresses, unsubscribe headers), the one-click
// unsubscribe (RFC 8058), and then silence.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, SITE_URL, visibleText, type TestBlog } from '../helpers/app.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { confirmedSubscriber, linkIn, publish, subscribe } from './helpers.ts'

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

const BODY = [
  'Un paragraphe avec [un lien relatif](/archive/2026/01/01/autre.html) et [un absolu](https://example.org/x).',
  '',
  '![Une cigogne](/media/cigogne.jpg)',
  '',
  '<iframe src="https://video.example/embed/1"></iframe>',
].join('\n')

describe('following the blog by e-mail', () => {
  it('subscribe, confirm, a new post arrives once in text and HTML with unsubscribe headers; one click stops it', async () => {
    const page = await blog.app.inject('/subscribe')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('name="email"')
    expect(visibleText(page.body)).toContain('un résumé par semaine')

    const sent = await subscribe(blog, { email: 'Zoe@Example.org', name: 'Zoë', cadence: 'post' })
    expect(sent.statusCode).toBe(303)
    expect(sent.headers.location).toBe('/subscribe?sent=1')
    await blog.app.mail.deliverNow()
    const [confirmation] = await smtp.waitFor(1)
    expect(confirmation!.to).toEqual(['zoe@example.org'])
    expect(confirmation!.parsed.subject).toContain('Confirmez votre abonnement')
    expect(confirmation!.parsed.text).toContain('parce que vous êtes abonné (ou demandez à l’être) à « Carnet »')

    // Before the confirmation, a new post mails nobody.
    await publish(blog, { title: 'Trop tôt', body: 'Rien.' })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(1)

    const confirmPath = linkIn(confirmation!, '/mail/confirm/')
    expect((await blog.app.inject({ method: 'POST', url: confirmPath })).statusCode).toBe(200)
    const row = await blog.app.db.selectFrom('blog_subscriptions').selectAll().executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'active', cadence: 'post', name: 'Zoë' })

    const post = await publish(blog, { title: 'Les cigognes de Strasbourg', body: BODY })
    await blog.app.mail.deliverNow()
    const mails = await smtp.waitFor(2)
    const mail = mails[1]!
    expect(mail.to).toEqual(['zoe@example.org'])
    expect(mail.parsed.subject).toBe('Les cigognes de Strasbourg')
    const html = String(mail.parsed.html)
    expect(html).toContain(`href="${SITE_URL}/archive/2026/01/01/autre.html"`)
    expect(html).toContain('href="https://example.org/x"')
    expect(html).toMatch(
      new RegExp(`<img src="${SITE_URL}/media/cigogne.jpg" alt="Une cigogne" width="600" style="max-width:100%;height:auto"`),
    )
    expect(html).not.toContain('iframe')
    expect(html).toContain(`<a href="${post.url}">Lire sur le blog</a>`)
    const text = mail.parsed.text ?? ''
    expect(text).toContain('un lien relatif <http://blog.test/archive/2026/01/01/autre.html>')
    expect(text).toContain(`Lire sur le blog : ${post.url}`)
    expect(text).toContain('Vous recevez ce message parce que vous êtes abonné')
    const unsubscribe = linkIn(mail, '/unsubscribe/')
    expect(mail.header('list-unsubscribe')).toBe(`<${SITE_URL}${unsubscribe}>`)
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')

    // A link scanner's GET unsubscribes nobody.
    const shown = await blog.app.inject(unsubscribe)
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain(`<form method="post" action="${unsubscribe}"`)
    expect((await blog.app.db.selectFrom('blog_subscriptions').select('status').executeTakeFirstOrThrow()).status).toBe('active')

    // The mail provider's one-click POST: no cookie, no CSRF token, no Origin.
    const click = await blog.app.inject({
      method: 'POST',
      url: unsubscribe,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(click.statusCode).toBe(200)
    expect((await blog.app.db.selectFrom('blog_subscriptions').select('status').executeTakeFirstOrThrow()).status).toBe('unsubscribed')
    await publish(blog, { title: 'Après', body: 'Plus rien.' })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(2)
  })

  it('mails a post once: neither an edit nor unpublishing and publishing again mails it again', async () => {
    await confirmedSubscriber(blog, smtp, 'ann@example.org')
    const post = await publish(blog, { title: 'Une fois', body: 'Texte.' })
    await blog.app.mail.deliverNow()
    const posts = blog.app.db.updateTable('posts').where('id', '=', post.id)
    await posts.set((eb) => ({ title: 'Une fois, corrigé', version: eb('version', '+', 1) })).execute()
    // Each change is told to three channels: the newsletter, the fediverse and webmentions.
    expect(await blog.app.publications.check()).toBe(3)
    await posts.set({ status: 'draft' }).execute()
    expect(await blog.app.publications.check()).toBe(3)
    await posts.set({ status: 'published' }).execute()
    await blog.app.publications.check()
    // Even queued again by hand (a second watcher, a bug), the mail exists once.
    await blog.app.db.transaction().execute((trx) => blog.app.newsletter.published(trx, post))
    await blog.app.mail.deliverNow()
    await smtp.waitFor(2)
    await new Promise((r) => setTimeout(r, 200))
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([expect.stringContaining('Confirmez'), 'Une fois'])
  })

  it('gives the same answer for a known address and mails a confirmed one nothing more', async () => {
    await confirmedSubscriber(blog, smtp, 'ann@example.org')
    const again = await subscribe(blog, { email: 'ann@example.org', name: '', cadence: 'weekly' })
    const fresh = await subscribe(blog, { email: 'new@example.org', name: '', cadence: 'post' })
    expect(again.statusCode).toBe(fresh.statusCode)
    expect(again.headers.location).toBe(fresh.headers.location)
    await blog.app.mail.deliverNow()
    await smtp.waitFor(2)
    await new Promise((r) => setTimeout(r, 200))
    expect(smtp.received.map((m) => m.to[0])).toEqual(['ann@example.org', 'new@example.org'])
    // A stranger cannot change a confirmed subscriber's choice.
    const ann = await blog.app.db
      .selectFrom('blog_subscriptions as b')
      .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
      .select('b.cadence')
      .where('a.email', '=', 'ann@example.org')
      .executeTakeFirstOrThrow()
    expect(ann.cadence).toBe('post')
  })

  it('gives the form back with the errors beside the fields and everything typed kept', async () => {
    const res = await subscribe(blog, { email: 'pas une adresse', name: 'Zoë <b>', cadence: 'weekly' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('id="subscribe-email-error"')
    expect(res.body).toContain('value="pas une adresse"')
    expect(res.body).toContain('value="Zoë &lt;b&gt;"')
    expect(res.body).toMatch(/id="subscribe-cadence-weekly" name="cadence" value="weekly" checked/)
    expect(await blog.app.db.selectFrom('blog_subscriptions').selectAll().execute()).toEqual([])
  })

  it('shows the form in the sidebar of the home page', async () => {
    const home = await blog.app.inject('/')
    expect(home.body).toContain('action="/subscribe"')
    expect(home.body).toContain('id="sidebar-subscribe-email"')
  })
})

describe('an address the mail server refuses', () => {
  it('is marked bounced after a permanent failure and gets no more posts until it subscribes again', async () => {
    await confirmedSubscriber(blog, smtp, 'gone@example.org')
    smtp.refuseWith(550)
    await publish(blog, { title: 'Refusé', body: 'Texte.' })
    await blog.app.mail.deliverNow()
    const row = () => blog.app.db.selectFrom('blog_subscriptions').select(['status', 'bounced_at']).executeTakeFirstOrThrow()
    expect((await row()).bounced_at).not.toBeNull()
    smtp.refuseWith(null)
    await publish(blog, { title: 'Suivant', body: 'Texte.' })
    await blog.app.mail.deliverNow()
    await new Promise((r) => setTimeout(r, 200))
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([expect.stringContaining('Confirmez')])
    const queued = await blog.app.db.selectFrom('mail_outbox').select('subject').where('kind', '=', 'newsletter').execute()
    expect(queued.map((q) => q.subject)).toEqual(['Refusé'])
    // Subscribing again asks for a confirmation again.
    await subscribe(blog, { email: 'gone@example.org', cadence: 'post' })
    expect(await row()).toEqual({ status: 'pending', bounced_at: null })
  })
})

describe('the rate limit', () => {
  it('refuses a subscription past COMMENT_RATE_LIMIT a minute, giving the form back as typed', async () => {
    const limited = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, COMMENT_RATE_LIMIT: '2' } })
    try {
      for (const n of [1, 2]) expect((await subscribe(limited, { email: `r${n}@example.org` })).statusCode).toBe(303)
      const third = await subscribe(limited, { email: 'r3@example.org', name: 'Trois', cadence: 'weekly' })
      expect(third.statusCode).toBe(429)
      expect(visibleText(third.body)).toContain('Trop de demandes en peu de temps')
      expect(third.body).toContain('value="r3@example.org"')
      expect(third.body).toContain('value="Trois"')
      const emails = await limited.app.db.selectFrom('mail_addresses').select('email').orderBy('email').execute()
      expect(emails.map((e) => e.email)).toEqual(['r1@example.org', 'r2@example.org'])
    } finally {
      await limited.close()
    }
  })
})

describe('in English', () => {
  it('offers the form and writes the mails in the blog’s language', async () => {
    const en = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, COMMENT_RATE_LIMIT: '0', BLOG_LANGUAGE: 'en' } })
    try {
      const page = visibleText((await en.app.inject('/subscribe')).body)
      expect(page).toContain('Subscribe by e-mail')
      expect(page).toContain('a weekly digest')
      await confirmedSubscriber(en, smtp, 'ann@example.org')
      expect(smtp.received[0]!.parsed.subject).toBe('Confirm your subscription to “Carnet”')
      const post = await publish(en, { title: 'Storks', body: 'Text.' })
      await en.app.mail.deliverNow()
      const [, mail] = await smtp.waitFor(2)
      expect(mail!.parsed.text).toContain(`Read on the blog: ${post.url}`)
      expect(mail!.parsed.text).toContain('You receive this message because you subscribed')
    } finally {
      await en.close()
    }
  })
})

describe('without SMTP_URL', () => {
  it('shows no subscribe form anywhere and has no /subscribe', async () => {
    const plain = await buildTestApp({ demo: false })
    try {
      expect((await plain.app.inject('/')).body).not.toContain('action="/subscribe"')
      expect((await plain.app.inject('/subscribe')).statusCode).toBe(404)
      expect((await subscribe(plain, { email: 'a@example.org' })).statusCode).toBe(404)
    } finally {
      await plain.close()
    }
  })
})
