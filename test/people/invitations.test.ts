// Invitations: an owner or an administrator invites a writer with a role; the link, shown to copy without SMTP_URL
// or mailed through the outbox with it, opens a form where the invitee chooses a name and a password; the link is
// valid 7 days, works once, and a forged or altered one is refused, changing nothing.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { AdminClient, createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'
import { createUser } from '../../src/admin/users.ts'

const PASSWORD = 'correct horse battery'

/** The invitation link the users page shows to copy. */
function shownLink(html: string): string {
  const m = /id="invite-link" type="text" readonly value="([^"]+)"/.exec(html)
  if (!m) throw new Error('no invitation link on the page')
  return m[1]!.replace(/&amp;/g, '&')
}

async function invite(owner: AdminClient, email: string, role: string) {
  await owner.get('/admin/users')
  return owner.post('/admin/users/invite', { email, role })
}

async function accept(app: TestBlog['app'], link: string, form: Record<string, string>) {
  const path = new URL(link).pathname
  const guest = new AdminClient(app)
  const page = await guest.get(path)
  // A refused link's page has no form: a token from the sign-in page, to post as a script would.
  if (page.statusCode !== 200) await guest.get('/admin/login')
  const res = await guest.post(path, form)
  return { page, res, guest }
}

const users = (blog: TestBlog) => blog.app.db.selectFrom('users').selectAll().orderBy('id').execute()

describe('invitations without SMTP_URL', () => {
  let blog: TestBlog
  let owner: AdminClient
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    owner = await signedIn(blog.app)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await blog.close()
  })

  it('shows the link to copy; the invitee chooses a name and a password, signs in, and has the role given', async () => {
    const res = await invite(owner, 'ines@example.fr', 'author')
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('copiez ce lien et envoyez-le vous-même à ines@example.fr')
    const link = shownLink(res.body)
    expect(link).toMatch(/^http:\/\/blog\.test\/admin\/invite\/\d+-[0-9a-z]+\.[A-Za-z0-9_-]{43}$/)
    expect(res.body).toContain('ines@example.fr – Auteur')

    const { page, res: done } = await accept(blog.app, link, {
      displayName: 'Inès Martin',
      username: 'ines',
      password: PASSWORD,
      passwordAgain: PASSWORD,
    })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Vous êtes invité comme auteur.')
    expect(done.statusCode).toBe(303)
    expect(done.headers.location).toBe('/admin/login?welcome=1')
    const ines = (await users(blog)).find((u) => u.username === 'ines')!
    expect(ines).toMatchObject({ role: 'author', display_name: 'Inès Martin', slug: 'ines-martin', email: 'ines@example.fr' })

    const client = new AdminClient(blog.app)
    expect((await client.signIn('ines', PASSWORD)).statusCode).toBe(303)
    expect((await client.get('/admin/posts/new')).statusCode).toBe(200)
    expect((await client.get('/admin/users')).statusCode).toBe(403)
  })

  it('keeps what was typed and says what is wrong beside each field', async () => {
    const link = shownLink((await invite(owner, 'jo@example.fr', 'editor')).body)
    const { res } = await accept(blog.app, link, { displayName: '  ', username: 'Jo Jo', password: 'short', passwordAgain: 'short' })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('id="displayName-error"')
    expect(res.body).toContain('id="username-error"')
    expect(res.body).toContain('Le mot de passe doit faire au moins 10 caractères.')
    expect(res.body).toContain('value="Jo Jo"')
    const again = await accept(blog.app, link, { displayName: 'Jo', username: 'jo', password: PASSWORD, passwordAgain: 'something else!' })
    expect(again.res.statusCode).toBe(400)
    expect(again.res.body).toContain('Les deux mots de passe diffèrent.')
    expect(again.res.body).toContain('value="Jo"')
    // A taken username: said beside the field, and the invitation is still good.
    const taken = await accept(blog.app, link, { displayName: 'Jo', username: 'alice', password: PASSWORD, passwordAgain: PASSWORD })
    expect(taken.res.statusCode).toBe(400)
    expect(taken.res.body).toContain('Cet identifiant est déjà pris.')
    expect((await users(blog)).map((u) => u.username)).toEqual(['alice'])
    const ok = await accept(blog.app, link, { displayName: 'Jo', username: 'jo', password: PASSWORD, passwordAgain: PASSWORD })
    expect(ok.res.statusCode).toBe(303)
  })

  it('works once', async () => {
    const link = shownLink((await invite(owner, 'kim@example.fr', 'contributor')).body)
    const first = await accept(blog.app, link, { displayName: 'Kim', username: 'kim', password: PASSWORD, passwordAgain: PASSWORD })
    expect(first.res.statusCode).toBe(303)
    const before = await users(blog)
    const second = await accept(blog.app, link, { displayName: 'Kim 2', username: 'kim2', password: PASSWORD, passwordAgain: PASSWORD })
    expect(second.page.statusCode).toBe(409)
    expect(second.page.body).toContain('Cette invitation a déjà servi')
    expect(second.res.statusCode).toBe(409)
    expect(await users(blog)).toEqual(before)
  })

  it('expires after 7 days', async () => {
    const link = shownLink((await invite(owner, 'lea@example.fr', 'author')).body)
    vi.useFakeTimers({ now: Date.now() + 7 * 24 * 3600 * 1000 - 60_000, toFake: ['Date'] })
    expect((await new AdminClient(blog.app).get(new URL(link).pathname)).statusCode).toBe(200)
    vi.setSystemTime(Date.now() + 2 * 60_000)
    const late = await accept(blog.app, link, { displayName: 'Léa', username: 'lea', password: PASSWORD, passwordAgain: PASSWORD })
    expect(late.page.statusCode).toBe(410)
    expect(late.page.body).toContain('Cette invitation a expiré')
    expect(late.res.statusCode).toBe(410)
    expect((await users(blog)).map((u) => u.username)).toEqual(['alice'])
  })

  it('refuses a forged or altered link, creating nothing', async () => {
    const link = shownLink((await invite(owner, 'max@example.fr', 'editor')).body)
    const path = new URL(link).pathname
    const [payload, mac] = path.slice('/admin/invite/'.length).split('.') as [string, string]
    const [id, expiry] = payload.split('-') as [string, string]
    const forged = [
      // Another id, the same signature.
      `/admin/invite/${Number(id) + 1}-${expiry}.${mac}`,
      // A later expiry, the same signature.
      `/admin/invite/${id}-${(parseInt(expiry, 36) + 86_400_000).toString(36)}.${mac}`,
      // A signature of our own making.
      `/admin/invite/${id}-${expiry}.${'A'.repeat(43)}`,
      '/admin/invite/nothing',
    ]
    for (const p of forged) {
      const guest = new AdminClient(blog.app)
      const res = await guest.get(p)
      expect(res.statusCode, p).toBe(404)
      expect(res.body).toContain('Ce lien d’invitation n’est pas valable.')
      await guest.get('/admin/login')
      const post = await guest.post(p, { displayName: 'X', username: 'x', password: PASSWORD, passwordAgain: PASSWORD })
      expect(post.statusCode, p).toBe(404)
    }
    expect((await users(blog)).map((u) => u.username)).toEqual(['alice'])
  })

  it('an administrator cannot invite an owner; an editor cannot invite at all', async () => {
    await createUser(blog.app.db, 'adm', PASSWORD, 'administrator')
    await createUser(blog.app.db, 'ed', PASSWORD, 'editor')
    const adm = new AdminClient(blog.app)
    await adm.signIn('adm', PASSWORD)
    const refused = await invite(adm, 'boss@example.fr', 'owner')
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Choisissez un rôle que vous pouvez donner.')
    expect(refused.body).toContain('value="boss@example.fr"')
    expect((await invite(adm, 'ed2@example.fr', 'editor')).statusCode).toBe(200)
    const ed = new AdminClient(blog.app)
    await ed.signIn('ed', PASSWORD)
    await ed.get('/admin/posts')
    expect((await ed.post('/admin/users/invite', { email: 'x@example.fr', role: 'author' })).statusCode).toBe(403)
    expect(await blog.app.db.selectFrom('invitations').select('email').execute()).toEqual([{ email: 'ed2@example.fr' }])
  })
})

describe('invitations with SMTP_URL', () => {
  let smtp: TestSmtp
  let blog: TestBlog
  beforeAll(async () => {
    smtp = await startSmtp()
    blog = await buildTestApp({ demo: false, env: { SMTP_URL: smtp.url } })
    await createAdmin(blog.app)
  })
  afterAll(async () => {
    await blog.close()
    await smtp.stop()
  })

  it('mails the link through the outbox; it works as the copied one does', async () => {
    const owner = await signedIn(blog.app)
    const res = await invite(owner, 'nora@example.fr', 'editor')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/users?sent=nora%40example.fr')
    expect((await owner.get(res.headers.location as string)).body).toContain('Invitation envoyée à nora@example.fr.')
    await blog.app.mail.deliverNow()
    const [mail] = await smtp.waitFor(1)
    expect(mail!.to).toEqual(['nora@example.fr'])
    expect(mail!.parsed.subject).toBe('Invitation à écrire sur Carnet')
    const link = /http:\/\/blog\.test\/admin\/invite\/[^\s<"]+/.exec(mail!.parsed.text ?? '')![0]
    const { res: done } = await accept(blog.app, link, {
      displayName: 'Nora',
      username: 'nora',
      password: PASSWORD,
      passwordAgain: PASSWORD,
    })
    expect(done.statusCode).toBe(303)
    expect((await users(blog)).find((u) => u.username === 'nora')?.role).toBe('editor')
  })
})
