// Admins and e-mail: an address and a preference on the account page, a mail when a comment is held (whose
// links open signed-in confirm pages), nothing to followers until the comment is approved, the outbox page.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, SITE_URL, visibleText, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { openPost, send } from '../helpers/comments.ts'
import { startSmtp, type Received, type TestSmtp } from '../helpers/smtp.ts'

let smtp: TestSmtp
let blog: TestBlog

beforeEach(async () => {
  smtp = await startSmtp()
  blog = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, COMMENT_RATE_LIMIT: '0' } })
  await createAdmin(blog.app)
})
afterEach(async () => {
  await blog.close()
  await smtp.stop()
})

function linkIn(mail: Received, path: string): string {
  const m = new RegExp(`${SITE_URL}${path}[^\\s]*`).exec(mail.parsed.text ?? '')
  if (!m) throw new Error(`no ${path} link in: ${mail.parsed.text}`)
  return m[0].slice(SITE_URL.length)
}

/** A follower of the post with a confirmed address, as the form and the confirmation link make one. */
async function confirmedFollower(postUrl: string, email: string) {
  const before = smtp.received.length
  await send(blog, postUrl, { author: 'Zoë', email, body: `Je suis cette note (${email}).`, notify_all: 'on' })
  const mails = await smtp.waitFor(before + 1)
  const res = await blog.app.inject({ method: 'POST', url: linkIn(mails[before]!, '/mail/confirm/') })
  expect(res.statusCode).toBe(200)
}

describe('admin e-mail', () => {
  it('saves an address and a preference on the account page (audited), and refuses a bad address keeping it typed', async () => {
    const admin = await signedIn(blog.app)
    const page = await admin.get('/admin/account')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('href="/admin/mail"')
    const bad = await admin.post('/admin/account', { email: 'pas une adresse', notify: 'all' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('value="pas une adresse"')
    expect(visibleText(bad.body)).toContain('Cette adresse e-mail n’est pas valide')
    const ok = await admin.post('/admin/account', { email: 'alice@blog.test', notify: 'all' })
    expect(ok.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('users').select(['email', 'notify']).executeTakeFirst()).toEqual({
      email: 'alice@blog.test',
      notify: 'all',
    })
    const log = await blog.app.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'account.mail').execute()
    expect(log).toHaveLength(1)
    expect(log[0]!.details).not.toContain('alice@blog.test')
    // Without CSRF token: refused, nothing changed.
    const forged = await admin.post('/admin/account', { _csrf: 'x', email: 'mallory@evil.test', notify: 'all' })
    expect(forged.statusCode).toBe(403)
    expect((await blog.app.db.selectFrom('users').select('email').executeTakeFirstOrThrow()).email).toBe('alice@blog.test')
  })

  it('mails the admin about a held comment; followers hear of it only once the admin approves it through the mail’s link', async () => {
    const admin = await signedIn(blog.app)
    await admin.get('/admin/account')
    await admin.post('/admin/account', { email: 'alice@blog.test', notify: 'held' })
    const post = await openPost(blog, { title: 'Une note suivie' })
    await confirmedFollower(post.url, 'zoe@example.org')
    expect(smtp.received).toHaveLength(1)

    await blog.app.settings.update({ moderation: 'all' })
    const held = await send(blog, post.url, { author: 'Ali', email: 'ali@example.org', body: 'Un commentaire à modérer.' })
    expect(held.headers.location).toContain('moderation=pending')
    const mails = await smtp.waitFor(2)
    const toAdmin = mails[1]!
    expect(toAdmin.to).toEqual(['alice@blog.test'])
    expect(toAdmin.parsed.subject).toBe('Commentaire en attente de modération sur « Une note suivie »')
    expect(toAdmin.parsed.text).toContain('Un commentaire à modérer.')
    expect(toAdmin.header('list-unsubscribe')).toMatch(/^<http:\/\/blog\.test\/unsubscribe\/u\d+\./)
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(2) // nothing to Zoë yet

    // The approve link: a stranger is sent to sign in; the admin gets a confirm page, and a GET changes nothing.
    const approvePath = linkIn(toAdmin, '/admin/comments/')
    expect(approvePath).toMatch(/^\/admin\/comments\/\d+\/approve$/)
    expect((await blog.app.inject(approvePath)).statusCode).toBe(303)
    const confirm = await admin.get(approvePath)
    expect(confirm.statusCode).toBe(200)
    expect(confirm.body).toContain('Un commentaire à modérer.')
    const comment = await blog.app.db
      .selectFrom('comments')
      .select(['id', 'status'])
      .where('author_name', '=', 'Ali')
      .executeTakeFirstOrThrow()
    expect(comment.status).toBe('pending')
    const done = await admin.post('/admin/comments', { row: `approve:${comment.id}`, status: 'pending' })
    expect(done.statusCode).toBe(303)
    const all = await smtp.waitFor(3)
    expect(all[2]!.to).toEqual(['zoe@example.org'])
    expect(all[2]!.parsed.text).toContain('Un commentaire à modérer.')
    // Approving again (spam, then approve) sends nothing twice.
    await admin.post('/admin/comments', { row: `spam:${comment.id}`, status: 'approved' })
    await admin.post('/admin/comments', { row: `approve:${comment.id}`, status: 'spam' })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(3)
  })

  it('mails an admin who asked for every comment, until the admin stops it with the one-click link', async () => {
    const admin = await signedIn(blog.app)
    await admin.get('/admin/account')
    await admin.post('/admin/account', { email: 'alice@blog.test', notify: 'all' })
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Ali', body: 'Un commentaire publié.' })
    const [mail] = await smtp.waitFor(1)
    expect(mail!.parsed.subject).toMatch(/^Nouveau commentaire sur/)
    const path = mail!.header('list-unsubscribe')!.slice(1 + SITE_URL.length, -1)
    const res = await blog.app.inject({
      method: 'POST',
      url: path,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.statusCode).toBe(200)
    expect((await blog.app.db.selectFrom('users').select('notify').executeTakeFirstOrThrow()).notify).toBe('none')
    await send(blog, post.url, { author: 'Ali', body: 'Un autre, sans mail.' })
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(1)
  })

  it('mails the commenter when an admin answers from the moderation page', async () => {
    const post = await openPost(blog, { title: 'Une question' })
    await send(blog, post.url, { author: 'Zoë', email: 'zoe@example.org', body: 'Une question, svp.', notify: 'on' })
    const [confirmation] = await smtp.waitFor(1)
    await blog.app.inject({ method: 'POST', url: linkIn(confirmation!, '/mail/confirm/') })
    const question = await blog.app.db.selectFrom('comments').select('id').where('author_name', '=', 'Zoë').executeTakeFirstOrThrow()
    const admin = await signedIn(blog.app)
    await admin.get('/admin/comments?status=approved')
    const res = await admin.post(`/admin/comments/${question.id}/answer`, {
      body: 'Voici la réponse.',
      status: 'approved',
      post: String(post.id),
      page: '1',
    })
    expect(res.statusCode).toBe(303)
    const mails = await smtp.waitFor(2)
    expect(mails[1]!.to).toEqual(['zoe@example.org'])
    expect(mails[1]!.parsed.subject).toBe('Nouvelle réponse à votre commentaire sur « Une question »')
    expect(mails[1]!.parsed.text).toContain('Voici la réponse.')
  })

  it('shows the outbox and a post’s subscriptions, and removes one (audited)', async () => {
    const post = await openPost(blog, { title: 'Note aux abonnés' })
    await confirmedFollower(post.url, 'zoe@example.org')
    const admin = await signedIn(blog.app)
    const page = await admin.get(`/admin/mail?post=${post.id}`)
    expect(page.statusCode).toBe(200)
    const text = visibleText(page.body)
    expect(text).toContain('zoe@example.org')
    expect(text).toContain('envoyé')
    expect(text).toContain('tous les commentaires')
    const sub = await blog.app.db.selectFrom('mail_subscriptions').select('id').where('kind', '=', 'all').executeTakeFirstOrThrow()
    const res = await admin.post(`/admin/mail/subscriptions/${sub.id}/delete`)
    expect(res.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('mail_subscriptions').select('id').where('id', '=', sub.id).execute()).toEqual([])
    expect(await blog.app.db.selectFrom('audit_log').select('action').where('action', '=', 'subscription.delete').execute()).toHaveLength(1)
  })
})
