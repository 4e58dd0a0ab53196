/// <reference lib="dom" />
// A commenter ticks "M'avertir par e-mail des réponses" in a real browser, the confirmation mail arrives at a
// real SMTP server, and the browser follows its link: the page shows a button (a link scanner fetching it
// confirms nothing), pressing it confirms the address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  addAdminAndPendingComment,
  hasChromium,
  launchBrowser,
  signIn,
  navigation,
  pathOf,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'

describe.skipIf(!hasChromium)('asking for e-mail notifications (browser)', () => {
  let smtp: TestSmtp
  let blog: LiveBlog
  let browser: Browser
  beforeAll(async () => {
    smtp = await startSmtp()
    blog = await startBlog({ env: { SMTP_URL: smtp.url } })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
    await smtp?.stop()
  })

  it('ticks the checkbox, gets the confirmation mail and confirms with the button', async () => {
    const page = await browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(blog.url + (await pathOf(blog, POST)))
    // Without an address, ticking the box brings the form back with the message beside the e-mail field.
    await page.locator('#comment-author').fill('Nadia')
    await page.locator('#comment-body').fill('Prévenez-moi 🙏 مرحبا')
    await page.getByLabel('M’avertir par e-mail des réponses').check()
    const refused = await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    expect(refused?.status()).toBe(400)
    const emailField = page.locator('.field', { has: page.locator('#comment-email') })
    expect(await emailField.locator('.field-error').textContent()).toBe('Indiquez votre adresse e-mail pour être averti des réponses.')
    expect(await page.locator('#comment-body').inputValue()).toBe('Prévenez-moi 🙏 مرحبا')
    expect(await page.getByLabel('M’avertir par e-mail des réponses').isChecked()).toBe(true)
    expect(await axeViolations(page)).toEqual([])

    await page.locator('#comment-email').fill('nadia@example.org')
    const posted = await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    expect(posted?.status()).toBe(200)
    expect(await page.locator('.comment-body', { hasText: 'Prévenez-moi' }).count()).toBe(1)

    const [mail] = await smtp.waitFor(1)
    expect(mail!.to).toEqual(['nadia@example.org'])
    const link = /http:\/\/127\.0\.0\.1:\d+\/mail\/confirm\/\S+/.exec(mail!.parsed.text ?? '')![0]
    await page.goto(link)
    expect(await page.locator('h1').textContent()).toBe('Confirmer votre adresse')
    expect(await page.content()).not.toContain('nadia@example.org')
    expect(await axeViolations(page)).toEqual([])
    await navigation(page, () => page.getByRole('button', { name: 'Confirmer' }).click())
    expect(await page.locator('h1').textContent()).toBe('Adresse confirmée')
    const address = await blog.app.db
      .selectFrom('mail_addresses')
      .select('confirmed_at')
      .where('email', '=', 'nadia@example.org')
      .executeTakeFirstOrThrow()
    expect(address.confirmed_at).not.toBeNull()
    // The one 400 is the refused form above, on purpose.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
  })

  it('gives the admin an account page, the e-mail page and the approve page of a held-comment mail, accessible and valid', async () => {
    await addAdminAndPendingComment(blog)
    const pending = await blog.app.db.selectFrom('comments').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow()
    const page = await browser.context.newPage()
    await page.goto(`${blog.url}/admin/account`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin/account')
    await page.getByLabel('Adresse e-mail pour les notifications').fill('claire@blog.test')
    await page.getByLabel('pour chaque nouveau commentaire (et ceux en attente)').check()
    await navigation(page, () => page.getByRole('button', { name: 'Enregistrer', exact: true }).click())
    expect(await page.locator('.notice').first().textContent()).toBe('Préférences enregistrées.')
    for (const path of ['/admin/account', '/admin/mail', '/admin/mail?post=2', `/admin/comments/${pending.id}/approve`]) {
      const res = await page.goto(blog.url + path)
      expect(res?.status(), path).toBe(200)
      expect(await htmlErrors(await res!.text(), path.replace(/\W+/g, '-')), path).toEqual([])
      expect(await axeViolations(page), path).toEqual([])
    }
    await navigation(page, () => page.getByRole('button', { name: 'Approuver' }).click())
    const row = await blog.app.db.selectFrom('comments').select('status').where('id', '=', pending.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('approved')
  })
})
