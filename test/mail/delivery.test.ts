// Delivery: nothing lost while the SMTP server is down, nothing sent twice by two instances on one database,
// a 5xx answer given up and shown in the admin, and the hourly limit per address with its digest.
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { openPost, send } from '../helpers/comments.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'

const open: Array<{ close(): Promise<void> }> = []
const stops: TestSmtp[] = []
afterEach(async () => {
  for (const b of open.splice(0)) await b.close()
  for (const s of stops.splice(0)) await s.stop()
})

async function smtpServer() {
  const s = await startSmtp()
  stops.push(s)
  return s
}

async function blogWith(env: Record<string, string>, dir?: string): Promise<TestBlog> {
  const b = await buildTestApp({ demo: false, dir, env: { COMMENT_RATE_LIMIT: '0', MAIL_RETRY_SECONDS: '0.2', ...env } })
  open.push(b)
  return b
}

/** An admin who wants a mail for every comment: each comment makes one mail. */
async function adminWantingEverything(app: FastifyInstance) {
  await createAdmin(app)
  await app.db.updateTable('users').set({ email: 'alice@blog.test', notify: 'all' }).execute()
}

async function outbox(app: FastifyInstance) {
  return app.db.selectFrom('mail_outbox').select(['id', 'status', 'attempts', 'last_error', 'next_attempt_at']).orderBy('id').execute()
}

/** A comment whose admin mail the SMTP server refuses with `code` at the first try: the blog, the server, the row. */
async function commentWhileSmtpRefuses(code: number, body: string) {
  const smtp = await smtpServer()
  const blog = await blogWith({ SMTP_URL: smtp.url })
  await adminWantingEverything(blog.app)
  smtp.refuseWith(code)
  const post = await openPost(blog)
  await send(blog, post.url, { author: 'Ali', body })
  await blog.app.mail.deliverNow()
  const [row] = await outbox(blog.app)
  return { smtp, blog, row }
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('mail delivery', () => {
  const shared = useTempDir('mail-two')
  it('keeps every mail while the SMTP server is down and sends each exactly once when it is back', async () => {
    const smtp = await smtpServer()
    const blog = await blogWith({ SMTP_URL: smtp.url, MAIL_PER_HOUR: '100' })
    await adminWantingEverything(blog.app)
    await smtp.stop()
    const post = await openPost(blog)
    const texts = ['Premier pendant la panne.', 'Deuxième pendant la panne.', 'Troisième pendant la panne.']
    for (const body of texts) expect((await send(blog, post.url, { author: 'Ali', body })).statusCode).toBe(303)
    await blog.app.mail.deliverNow()
    const waiting = await outbox(blog.app)
    expect(waiting.map((r) => r.status)).toEqual(['queued', 'queued', 'queued'])
    expect(waiting.every((r) => r.attempts >= 1 && /ECONNREFUSED|connect/i.test(r.last_error ?? ''))).toBe(true)

    await smtp.start()
    const mails = await smtp.waitFor(3)
    await until(async () => (await outbox(blog.app)).every((r) => r.status === 'sent'))
    await new Promise((r) => setTimeout(r, 600)) // a few more rounds of the sender: nothing more may arrive
    expect(smtp.received).toHaveLength(3)
    const bodies = mails.map((m) => m.parsed.text ?? '')
    for (const body of texts) expect(bodies.filter((b) => b.includes(body))).toHaveLength(1)
  })

  it('tries again after a 4xx answer', async () => {
    const { smtp, row } = await commentWhileSmtpRefuses(451, 'Refusé pour un temps.')
    expect(row).toMatchObject({ status: 'queued', attempts: 1 })
    expect(row!.last_error).toMatch(/^451/)
    smtp.refuseWith(null)
    await smtp.waitFor(1)
  })

  it('gives up on a 5xx answer and shows the failure with the server’s words in the admin', async () => {
    const { smtp, blog, row } = await commentWhileSmtpRefuses(550, 'Refusé pour de bon.')
    expect(row).toMatchObject({ status: 'failed', attempts: 1 })
    expect(row!.last_error).toMatch(/^550 Mailbox unavailable/)
    smtp.refuseWith(null)
    await new Promise((r) => setTimeout(r, 500))
    await blog.app.mail.deliverNow()
    expect(smtp.received).toHaveLength(0)

    const admin = await signedIn(blog.app)
    const page = visibleText((await admin.get('/admin/mail')).body)
    expect(page).toContain('en échec')
    expect(page).toContain('550 Mailbox unavailable')
    expect(visibleText((await admin.get('/admin/mail?status=failed')).body)).toContain('En échec (1)')

    // "Send again", once the mailbox is fixed: queued afresh, delivered once, audited. Without CSRF: refused.
    const forged = await admin.post(`/admin/mail/${row!.id}/retry`, { _csrf: 'x' })
    expect(forged.statusCode).toBe(403)
    expect((await outbox(blog.app))[0]).toMatchObject({ status: 'failed' })
    const again = await admin.post(`/admin/mail/${row!.id}/retry`, {})
    expect(again.statusCode).toBe(303)
    expect(again.headers.location).toBe('/admin/mail?status=queued&done=retried')
    expect(visibleText((await admin.get(again.headers.location!)).body)).toContain('L’e-mail est de nouveau en attente')
    await blog.app.mail.deliverNow()
    await smtp.waitFor(1)
    expect((await outbox(blog.app))[0]).toMatchObject({ status: 'sent' })
    expect(smtp.received).toHaveLength(1)
    // A mail that is not failed (sent now) is not queued again.
    const twice = await admin.post(`/admin/mail/${row!.id}/retry`, {})
    expect(twice.headers.location).toBe('/admin/mail?status=failed')
    expect((await outbox(blog.app))[0]).toMatchObject({ status: 'sent' })
    const log = await blog.app.db.selectFrom('audit_log').select('target').where('action', '=', 'mail.retry').execute()
    expect(log).toEqual([{ target: `mail ${row!.id}` }])
  })

  it('sends each mail once when two instances share the database', async () => {
    const dir = shared.path
    const smtp = await smtpServer()
    const a = await blogWith({ SMTP_URL: smtp.url, MAIL_PER_HOUR: '1000' }, dir)
    const b = await blogWith({ SMTP_URL: smtp.url, MAIL_PER_HOUR: '1000' }, dir)
    await adminWantingEverything(a.app)
    // Each admin's mails go to an address of its own, so that none is gathered into a digest.
    await a.app.db.updateTable('users').set({ email: null }).execute()
    const post = await openPost(a)
    const n = 30
    for (let i = 0; i < n; i++) {
      await a.app.db
        .insertInto('users')
        .values({
          username: `admin${i}`,
          password_hash: 'x',
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
          email: `admin${i}@blog.test`,
          notify: 'all',
        })
        .execute()
    }
    // Comments through both instances, both senders running at once.
    await Promise.all([
      send(a, post.url, { author: 'Ali', body: 'Par la première instance.' }),
      send(b, post.url, { author: 'Zoë', body: 'Par la seconde instance.' }),
    ])
    await Promise.all([a.app.mail.deliverNow(), b.app.mail.deliverNow(), a.app.mail.deliverNow(), b.app.mail.deliverNow()])
    await smtp.waitFor(2 * n)
    await new Promise((r) => setTimeout(r, 500))
    expect(smtp.received).toHaveLength(2 * n)
    const ids = smtp.received.map((m) => m.parsed.messageId)
    expect(new Set(ids).size).toBe(2 * n)
    const senders = await a.app.db.selectFrom('mail_outbox').select('status').where('status', '!=', 'sent').execute()
    expect(senders).toEqual([])
  })

  it('sends an address at most MAIL_PER_HOUR mails an hour and gathers the rest into one digest', async () => {
    const smtp = await smtpServer()
    const blog = await blogWith({ SMTP_URL: smtp.url, MAIL_PER_HOUR: '2' })
    await adminWantingEverything(blog.app)
    const post = await openPost(blog)
    for (let i = 1; i <= 5; i++) {
      await send(blog, post.url, { author: 'Ali', body: `Commentaire numéro ${i}.` })
      await blog.app.mail.deliverNow()
    }
    expect(smtp.received).toHaveLength(2)
    const rows = await outbox(blog.app)
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'queued', 'queued', 'queued'])
    expect(Date.parse(rows[2]!.next_attempt_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000)

    // An hour later (moved in the database): the first waiting one goes alone, and the hour's last mail gathers
    // the two others.
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000).toISOString()
    await blog.app.db.updateTable('mail_outbox').set({ sent_at: hourAgo }).where('status', '=', 'sent').execute()
    await blog.app.db.updateTable('mail_outbox').set({ next_attempt_at: hourAgo }).where('status', '=', 'queued').execute()
    await blog.app.mail.deliverNow()
    const mails = await smtp.waitFor(4)
    expect(smtp.received).toHaveLength(4)
    expect(mails[2]!.parsed.text).toContain('Commentaire numéro 3.')
    const digest = mails[3]!
    expect(digest.parsed.subject).toBe('2 nouveaux messages de « Carnet »')
    for (const i of [4, 5]) expect(digest.parsed.text).toContain(`Commentaire numéro ${i}.`)
    expect(digest.parsed.html).toContain('Commentaire numéro 5.')
    expect(digest.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    expect((await outbox(blog.app)).every((r) => r.status === 'sent')).toBe(true)
  })
})
