// Mailing a post to every subscriber: at the pace the admin set (mailsPerMinute, counted in the database for
// every instance), resumed after a restart with nothing sent twice, each mail once with two instances on one
// database; and the weekly digest, once a week per address, nothing for an empty week.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setClock } from '../../src/lib/time.ts'
import { buildTestApp, useTempDir, type TestBlog } from '../helpers/app.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { confirmedSubscriber, publish } from './helpers.ts'

let smtp: TestSmtp
const open: TestBlog[] = []
const dir = useTempDir('newsletter')

const env = () => ({ SMTP_URL: smtp.url, MAIL_FROM: 'carnet@blog.test', COMMENT_RATE_LIMIT: '0', SESSION_KEY: 'ab'.repeat(32) })

async function start(): Promise<TestBlog> {
  const blog = await buildTestApp({ demo: false, dir: dir.path, env: env() })
  open.push(blog)
  return blog
}

beforeEach(async () => {
  smtp = await startSmtp()
})
afterEach(async () => {
  setClock(null)
  for (const b of open.splice(0)) await b.close()
  await smtp.stop()
})

const newsletters = () => smtp.received.filter((m) => m.parsed.subject === 'Le billet')
const recipients = () => newsletters().map((m) => m.to[0]!)

async function subscribers(blog: TestBlog, n: number, cadence: 'post' | 'weekly' = 'post') {
  const emails = Array.from({ length: n }, (_, i) => `reader${i + 1}@example.org`)
  for (const email of emails) await confirmedSubscriber(blog, smtp, email, cadence)
  return emails
}

describe('the pace and the restart', () => {
  it('sends mailsPerMinute a minute, and after a restart midway the rest, none twice', async () => {
    let blog = await start()
    const emails = await subscribers(blog, 5)
    await blog.app.settings.update({ mailsPerMinute: 2 })
    // A minute in the past (mails are due at once): the pace's clock moves, the outbox's stays real.
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000 + 5_000
    await publish(blog, { title: 'Le billet', body: 'Texte.' })
    setClock(() => t0)
    await blog.app.mail.deliverNow()
    await blog.app.mail.deliverNow()
    await new Promise((r) => setTimeout(r, 300))
    expect(newsletters()).toHaveLength(2)

    // The process stops here; another starts on the same database, the next minute.
    await blog.close()
    open.splice(0)
    blog = await start()
    setClock(() => t0 + 60_000)
    await blog.app.mail.deliverNow()
    await blog.app.mail.deliverNow()
    await new Promise((r) => setTimeout(r, 300))
    expect(newsletters()).toHaveLength(4)
    setClock(() => t0 + 120_000)
    await blog.app.mail.deliverNow()
    await smtp.waitFor(5 + 5)
    await new Promise((r) => setTimeout(r, 300))
    expect(recipients().sort()).toEqual(emails.sort())
    const rows = await blog.app.db.selectFrom('mail_outbox').select('status').where('kind', '=', 'newsletter').execute()
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent'])
  })

  it('refuses a pace outside 1–10,000 on the settings page', async () => {
    const blog = await start()
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const page = await admin.get('/admin/settings')
    expect(page.body).toMatch(/name="mailsPerMinute"[^>]* value="60"/)
    const current = Object.entries(blog.app.settings.get()).filter(([, v]) => typeof v !== 'object')
    const form = Object.fromEntries(current.map(([k, v]) => [k, String(v)]))
    const res = await admin.post('/admin/settings', { ...form, mailsPerMinute: '0' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Un nombre entier entre 1 et 10 000.')
    expect(blog.app.settings.get().mailsPerMinute).toBe(60)
    expect((await admin.post('/admin/settings', { ...form, mailsPerMinute: '120' })).statusCode).toBe(303)
    expect(blog.app.settings.get().mailsPerMinute).toBe(120)
  })
})

describe('two instances on one database', () => {
  it('queue and send each mail once', async () => {
    const a = await start()
    const emails = await subscribers(a, 6)
    const b = await start()
    const post = await publish(a, { title: 'Le billet', body: 'Texte.' })
    // Both instances' watchers see the post become public: the second finds it told; queued again, nothing new.
    expect(await b.app.publications.check()).toBe(0)
    expect(await b.app.db.transaction().execute((trx) => b.app.newsletter.published(trx, post))).toBe(0)
    await Promise.all([a.app.mail.deliverNow(), b.app.mail.deliverNow(), a.app.mail.deliverNow(), b.app.mail.deliverNow()])
    await smtp.waitFor(6 + 6)
    await new Promise((r) => setTimeout(r, 500))
    expect(recipients().sort()).toEqual(emails.sort())
  })
})

describe('the weekly digest', () => {
  it('lists the week’s posts once per week and address, and nothing for an empty week', async () => {
    const a = await start()
    const emails = await subscribers(a, 2, 'weekly')
    await confirmedSubscriber(a, smtp, 'each@example.org', 'post')
    const before = smtp.received.length
    const old = await publish(a, { title: 'La semaine d’avant', body: 'Ancien.', daysAgo: 10 })
    const one = await publish(a, { title: 'Premier billet', body: 'Le *premier* texte de la semaine.' })
    const two = await publish(a, { title: 'Second billet', body: 'Le second.' })
    await a.app.mail.deliverNow()
    // each@ gets the week's two posts one by one (the older one was public before the channel began).
    await smtp.waitFor(before + 2)
    await new Promise((r) => setTimeout(r, 200))
    const afterPosts = smtp.received.length
    expect(afterPosts).toBe(before + 2)

    const b = await start()
    const inAWeek = new Date(Date.now() + 7 * 86_400_000)
    expect(await a.app.newsletter.digests(inAWeek)).toBe(2)
    expect(await b.app.newsletter.digests(new Date(inAWeek.getTime() + 3_600_000))).toBe(0)
    await Promise.all([a.app.mail.deliverNow(), b.app.mail.deliverNow()])
    const mails = (await smtp.waitFor(afterPosts + 2)).slice(afterPosts)
    await new Promise((r) => setTimeout(r, 300))
    expect(smtp.received).toHaveLength(afterPosts + 2)
    expect(mails.map((m) => m.to[0]).sort()).toEqual(emails.sort())
    const digest = mails[0]!
    expect(digest.parsed.subject).toBe('« Carnet » : les 2 billets de la semaine')
    expect(digest.parsed.text).toContain('Premier billet\nLe premier texte de la semaine.\n' + one.url)
    expect(digest.parsed.text).toContain(two.url)
    expect(digest.parsed.text).not.toContain(old.url)
    expect(digest.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')

    // Every instance asks again every minute of the week: with every digest queued (and sent), it only reads, and the
    // caches stay (on PostgreSQL an insert that conflicts would still move the data version: every instance would
    // drop its pages every minute).
    const generation = await b.app.freshness.generation()
    expect(await b.app.newsletter.digests(new Date(inAWeek.getTime() + 7_200_000))).toBe(0)
    expect(await b.app.freshness.generation()).toBe(generation)

    // The week after: no post, no digest.
    expect(await a.app.newsletter.digests(new Date(Date.now() + 14 * 86_400_000))).toBe(0)
  })
})
