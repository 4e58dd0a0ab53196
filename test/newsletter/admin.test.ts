// The Subscribers page: counts and list, removal, the CSV export (BOM, RFC 4180, formula-safe) and the import of
// Ghost's, Substack's and a spreadsheet's exports (fixtures/README.md says where their columns come from), which
// the admin must state was already confirmed; and the editor's "send to subscribers" box.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { multipart } from '../helpers/multipart.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { publish } from './helpers.ts'

let smtp: TestSmtp
let blog: TestBlog
let admin: AdminClient

beforeEach(async () => {
  smtp = await startSmtp()
  blog = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url, MAIL_FROM: 'carnet@blog.test', COMMENT_RATE_LIMIT: '0' } })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
})
afterEach(async () => {
  await blog.close()
  await smtp.stop()
})

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name))

async function importCsv(file: Buffer, opts: { consent?: boolean; cadence?: string } = {}) {
  await admin.get('/admin/subscribers')
  const { payload, contentType } = multipart([
    ['_csrf', admin.csrf],
    ['file', { filename: 'export.csv', type: 'text/csv', data: file }],
    ['cadence', opts.cadence ?? 'post'],
    ...(opts.consent === false ? [] : ([['consent', '1']] as Array<[string, string]>)),
  ])
  return blog.app.inject({
    method: 'POST',
    url: '/admin/subscribers/import',
    headers: { 'content-type': contentType, cookie: admin.cookie },
    payload,
  })
}

const stored = () =>
  blog.app.db
    .selectFrom('blog_subscriptions as b')
    .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
    .select(['a.email', 'b.name', 'b.status', 'b.source', 'b.cadence'])
    .orderBy('a.email')
    .execute()

describe('the Subscribers page', () => {
  it('refuses an import without the statement, keeping the choices and saying why', async () => {
    const res = await importCsv(fixture('ghost-members.csv'), { consent: false, cadence: 'weekly' })
    expect(res.statusCode).toBe(400)
    expect(visibleText(res.body)).toContain('Cochez la case si ces personnes ont bien confirmé')
    expect(visibleText(res.body)).toContain('choisissez-le de nouveau')
    expect(res.body).toMatch(/value="weekly" checked/)
    expect(await stored()).toEqual([])
  })

  it('imports Ghost’s export: subscribed members only, problems listed by line, the statement in the audit log', async () => {
    const res = await importCsv(fixture('ghost-members.csv'))
    expect(res.statusCode).toBe(200)
    const text = visibleText(res.body)
    expect(text).toContain('2 abonné(s) importé(s), 3 ligne(s) ignorée(s).')
    expect(text).toContain('Ligne 3 : bob@example.org n’était plus abonné sur l’autre plateforme.')
    expect(text).toContain('Ligne 4 : « pas-une-adresse » n’est pas une adresse e-mail valide.')
    expect(text).toContain('Ligne 5 : ana@example.org figure déjà plus haut dans le fichier.')
    expect(await stored()).toEqual([
      { email: 'ana@example.org', name: 'Ana Lima', status: 'active', source: 'import', cadence: 'post' },
      { email: 'cleo@example.org', name: '=HYPERLINK("http://evil.example")', status: 'active', source: 'import', cadence: 'post' },
    ])
    const log = await blog.app.db.selectFrom('audit_log').selectAll().where('action', '=', 'subscribers.import').execute()
    expect(log).toHaveLength(1)
    expect(JSON.parse(String(log[0]!.details))).toMatchObject({ added: 2, skipped: 3 })
    expect(String(log[0]!.details)).toContain('déclarés déjà confirmés')

    // Imported as confirmed: the next post reaches them, with no confirmation mail before.
    await publish(blog, { title: 'Bienvenue', body: 'Texte.' })
    await blog.app.mail.deliverNow()
    const mails = await smtp.waitFor(2)
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['ana@example.org', 'cleo@example.org'])
    expect(mails.every((m) => m.parsed.subject === 'Bienvenue')).toBe(true)

    // The same file again: everyone is already there.
    const again = await importCsv(fixture('ghost-members.csv'))
    expect(visibleText(again.body)).toContain('Ligne 2 : ana@example.org est déjà abonné.')
  })

  it('imports Substack’s export and a spreadsheet’s (BOM, semicolons, an internationalised domain both ways)', async () => {
    const substack = await importCsv(fixture('substack-subscribers.csv'), { cadence: 'weekly' })
    expect(visibleText(substack.body)).toContain('Ligne 3 : eli@example.org n’était plus abonné')
    const sheet = await importCsv(fixture('spreadsheet-idn.csv'))
    expect(visibleText(sheet.body)).toContain('2 abonné(s) importé(s), 1 ligne(s) ignorée(s).')
    expect(visibleText(sheet.body)).toContain('Ligne 3 : jean@café.fr figure déjà plus haut dans le fichier.')
    expect(await stored()).toEqual([
      { email: 'dora@example.org', name: '', status: 'active', source: 'import', cadence: 'weekly' },
      { email: 'fred@example.org', name: '', status: 'active', source: 'import', cadence: 'weekly' },
      { email: 'jean@café.fr', name: 'Jean Dupré', status: 'active', source: 'import', cadence: 'post' },
      { email: 'zoé@exemple.org', name: 'Zoé', status: 'active', source: 'import', cadence: 'post' },
    ])
  })

  it('lists with counts and status, exports a spreadsheet-safe CSV, removes one', async () => {
    await importCsv(fixture('ghost-members.csv'))
    await importCsv(fixture('spreadsheet-idn.csv'))
    await blog.app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=waiting%40example.org&cadence=weekly',
    })
    const page = await admin.get('/admin/subscribers')
    expect(page.statusCode).toBe(200)
    const text = visibleText(page.body)
    expect(text).toContain('4 confirmé(s), 1 en attente de confirmation, 0 désabonné(s), 0 en échec')
    expect(text).toContain('waiting@example.org')
    expect(text).toContain('en attente de confirmation')

    const csv = await admin.post('/admin/subscribers/export')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toContain('attachment')
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n')
    expect(lines[0]).toBe('email,name,status,cadence,source,created_at')
    expect(csv.body).toContain(`cleo@example.org,"'=HYPERLINK(""http://evil.example"")",active,each-post,import,`)
    expect(csv.body).toContain('jean@café.fr,Jean Dupré,active,each-post,import,')
    expect(csv.body).toContain('waiting@example.org,,pending,weekly,form,')

    const ana = await blog.app.db
      .selectFrom('blog_subscriptions as b')
      .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
      .select('b.id')
      .where('a.email', '=', 'ana@example.org')
      .executeTakeFirstOrThrow()
    const removed = await admin.post(`/admin/subscribers/${ana.id}/remove`)
    expect(removed.statusCode).toBe(303)
    expect((await stored()).map((s) => s.email)).not.toContain('ana@example.org')
    expect(visibleText((await admin.get('/admin/subscribers?done=removed')).body)).toContain('Abonné supprimé.')
  })
})

describe('the editor’s “send to subscribers” box', () => {
  it('unticked, the post is published and mailed to nobody; ticked, it is mailed', async () => {
    await importCsv(fixture('substack-subscribers.csv'))
    await blog.app.publications.check()
    const editor = await admin.get('/admin/posts/new')
    expect(editor.body).toMatch(/name="newsletter" value="1" checked/)

    const quiet = await admin.post('/admin/posts', { title: 'En silence', body: 'Rien.', action: 'publish', newsletterShown: '1' })
    expect(quiet.statusCode).toBe(303)
    await blog.app.publications.check()
    await blog.app.mail.deliverNow()
    // Already public and never mailed: the box is not offered any more.
    const id = Number(/\/admin\/posts\/(\d+)/.exec(String(quiet.headers.location))![1])
    expect((await admin.get(`/admin/posts/${id}`)).body).not.toContain('name="newsletter"')

    const loud = await admin.post('/admin/posts', {
      title: 'À tous',
      body: 'Texte.',
      action: 'publish',
      newsletterShown: '1',
      newsletter: '1',
    })
    expect(loud.statusCode).toBe(303)
    await blog.app.publications.check()
    await blog.app.mail.deliverNow()
    const mails = await smtp.waitFor(2)
    await new Promise((r) => setTimeout(r, 200))
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['À tous', 'À tous'])
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['dora@example.org', 'fred@example.org'])

    // Nor is it in the weekly digest.
    await importCsv(fixture('ghost-members.csv'), { cadence: 'weekly' })
    expect(await blog.app.newsletter.digests(new Date(Date.now() + 7 * 86_400_000))).toBe(2)
    await blog.app.mail.deliverNow()
    const digests = (await smtp.waitFor(4)).slice(2)
    expect(digests[0]!.parsed.text).toContain('À tous')
    expect(digests[0]!.parsed.text).not.toContain('En silence')
  })
})
