// International addresses, from the forms to the SMTP envelope (issue 30), with a real SMTP server that offers
// SMTPUTF8 or not: what it saw on the wire (MAIL FROM / RCPT TO as sent), what arrived, what the admin reads.
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { openPost, send } from '../helpers/comments.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'

const open: Array<{ close(): Promise<void> } | TestSmtp> = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('stop' in x ? x.stop() : x.close())
})

async function setUp(smtpUtf8: boolean, env: Record<string, string> = {}) {
  const smtp = await startSmtp(0, { smtpUtf8 })
  open.push(smtp)
  const blog: TestBlog = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, COMMENT_RATE_LIMIT: '0', ...env } })
  open.push(blog)
  return { smtp, blog }
}

/** A comment that asks for notifications: its confirmation mail is queued for `email`. */
async function follow(blog: TestBlog, email: string) {
  const post = await openPost(blog)
  const res = await send(blog, post.url, { author: 'Zoë', email, body: 'Je suis cette note.', notify: 'on' })
  expect(res.statusCode).toBe(303)
  await blog.app.mail.deliverNow()
}

const outbox = (blog: TestBlog) =>
  blog.app.db.selectFrom('mail_outbox').select(['recipient', 'status', 'attempts', 'last_error']).orderBy('id').execute()

describe('an internationalised domain', () => {
  it('goes into the envelope in its ASCII form to a server without SMTPUTF8, the sender’s too', async () => {
    const { smtp, blog } = await setUp(false, { MAIL_FROM: 'Le carnet <carnet@exämple.fr>' })
    await follow(blog, 'zoe@exämple.fr')
    await smtp.waitFor(1)
    expect(smtp.envelopeCommands).toEqual(['MAIL FROM:<carnet@xn--exmple-cua.fr>', 'RCPT TO:<zoe@xn--exmple-cua.fr>'])
    expect((await outbox(blog))[0]).toMatchObject({ recipient: 'zoe@exämple.fr', status: 'sent' })
  })

  it('goes in its ASCII form to a server that offers SMTPUTF8 too: nothing in it needs SMTPUTF8', async () => {
    const { smtp, blog } = await setUp(true)
    await follow(blog, 'lecteur@xn--e1afmkfd.xn--p1ai')
    await smtp.waitFor(1)
    expect(smtp.envelopeCommands).toEqual(['MAIL FROM:<noreply@blog.test>', 'RCPT TO:<lecteur@xn--e1afmkfd.xn--p1ai>'])
    expect((await outbox(blog))[0]).toMatchObject({ recipient: 'lecteur@пример.рф', status: 'sent' })
  })
})

describe('a local part that is not ASCII', () => {
  it('goes as UTF-8 with SMTPUTF8 to a server that offers it', async () => {
    const { smtp, blog } = await setUp(true)
    await follow(blog, 'zoë@exämple.fr')
    const [mail] = await smtp.waitFor(1)
    expect(smtp.envelopeCommands).toEqual(['MAIL FROM:<noreply@blog.test> SMTPUTF8', 'RCPT TO:<zoë@exämple.fr>'])
    expect(mail!.parsed.subject).toContain('Confirmez votre adresse')
  })

  it('waits, like any mail, while the server cannot be asked whether it offers SMTPUTF8', async () => {
    const { smtp, blog } = await setUp(true, { MAIL_RETRY_SECONDS: '0.2' })
    await smtp.stop()
    await follow(blog, 'zoë@exämple.fr')
    const [row] = await outbox(blog)
    expect(row).toMatchObject({ status: 'queued', attempts: 1 })
    expect(row!.last_error).toMatch(/ECONNREFUSED|connect/i)
    await smtp.start()
    await smtp.waitFor(1)
    expect(smtp.envelopeCommands).toEqual(['MAIL FROM:<noreply@blog.test> SMTPUTF8', 'RCPT TO:<zoë@exämple.fr>'])
  })

  it('fails for good, unsent, with a clear reason on the admin’s mail page, when the server does not offer SMTPUTF8', async () => {
    const { smtp, blog } = await setUp(false)
    await follow(blog, 'zoë@exämple.fr')
    await blog.app.mail.deliverNow()
    expect(smtp.envelopeCommands).toEqual([])
    expect(smtp.received).toHaveLength(0)
    const [row] = await outbox(blog)
    expect(row).toMatchObject({ recipient: 'zoë@exämple.fr', status: 'failed', attempts: 1 })
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const page = visibleText((await admin.get('/admin/mail?status=failed')).body)
    expect(page).toContain('zoë@exämple.fr')
    expect(page).toContain(
      'Non envoyé : l’adresse a des caractères non ASCII avant le @, et le serveur d’envoi (SMTP_URL) n’accepte pas de telles adresses (il n’offre pas SMTPUTF8).',
    )
  })
})

describe('the admin’s account page', () => {
  it('takes the addresses the comment form takes, stored as people read them, and mails them in ASCII form', async () => {
    const { smtp, blog } = await setUp(false)
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    await admin.get('/admin/account')
    const stored = async () => (await blog.app.db.selectFrom('users').select('email').executeTakeFirstOrThrow()).email
    for (const typed of ['admin@exämple.fr', 'admin@xn--exmple-cua.fr', 'Admin@ExÄmple.fr']) {
      const res = await admin.post('/admin/account', { email: typed, notify: 'all' })
      expect(res.statusCode, typed).toBe(303)
      expect(await stored()).toBe(typed.startsWith('Admin') ? 'Admin@exämple.fr' : 'admin@exämple.fr')
    }
    // What the comment form refuses, the account page refuses, keeping what was typed.
    for (const typed of ['admin@xn--zz.fr', 'admin@exämple', 'admin@@exämple.fr']) {
      const bad = await admin.post('/admin/account', { email: typed, notify: 'all' })
      expect(bad.statusCode, typed).toBe(400)
      expect(visibleText(bad.body)).toContain('Cette adresse e-mail n’est pas valide')
      expect(bad.body).toContain(`value="${typed}"`)
      expect(await stored()).toBe('Admin@exämple.fr')
    }
    const post = await openPost(blog)
    await send(blog, post.url, { author: 'Ali', body: 'Un commentaire.' })
    await smtp.waitFor(1)
    expect(smtp.envelopeCommands).toContain('RCPT TO:<admin@xn--exmple-cua.fr>')
  })
})
