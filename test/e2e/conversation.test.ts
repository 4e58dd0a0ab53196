/// <reference lib="dom" />
// A commenter posts, then fixes a typo within the window from the same browser (the form sent back empty first);
// a reader in another browser sees no edit link and reports the comment; the admin sees the report first on the
// comment list. Every new page and state passes axe-core and html-validate.
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  ADMIN,
  hasChromium,
  launchBrowser,
  navigation,
  pathOf,
  screenshots,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'

/** Both checkers on the page shown and the source the server sent for it. */
async function expectClean(page: Page, response: Response | null, name: string) {
  expect(response, name).not.toBeNull()
  expect(await htmlErrors(await response!.text(), name), name).toEqual([])
  expect(await axeViolations(page), name).toEqual([])
}

describe.skipIf(!hasChromium)('conversation tools: edit within the window, report', () => {
  let blog: LiveBlog
  let commenter: Browser
  let reader: Browser
  beforeAll(async () => {
    blog = await startBlog()
    commenter = await launchBrowser()
    reader = await launchBrowser()
  })
  afterAll(async () => {
    await reader?.close()
    await commenter?.close()
    await blog?.close()
  })

  it('a commenter edits their comment; a reader reports it; the admin sees the report', async () => {
    const path = await pathOf(blog, POST)
    const page = await commenter.context.newPage()
    const problems = watchPage(page)
    await page.goto(blog.url + path)
    await page.locator('#comment-author').fill('Nadia')
    await page.locator('#comment-body').fill('Une remarque avec une fote.')
    await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    const id = Number(/#comment-(\d+)$/.exec(page.url())![1])
    const own = page.locator(`#comment-${id}`).locator('xpath=..').locator('.comment-own-actions')
    expect(await own.innerText()).toMatch(/Modifier.*Supprimer.*encore 15 minutes/s)
    expect(await axeViolations(page)).toEqual([])

    // The edit page, then the form sent back empty (the browser's own check is skipped so the server answers).
    let res = await navigation(page, () => own.getByRole('link', { name: /^Modifier/ }).click())
    expect(new URL(page.url()).pathname).toBe(`/comment/${id}/edit`)
    expect(await page.locator('#comment-body').inputValue()).toBe('Une remarque avec une fote.')
    await expectClean(page, res, 'edit page')
    await screenshots(page, 'conversation-edit')
    await page.locator('#comment-body').fill('')
    await page.locator('.own-comment-form').evaluate((form) => form.setAttribute('novalidate', ''))
    res = await navigation(page, () => page.getByRole('button', { name: 'Enregistrer la modification' }).click())
    expect(res?.status()).toBe(400)
    expect(await page.locator('#comment-body').getAttribute('aria-invalid')).toBe('true')
    await expectClean(page, res, 'edit page with an error')
    await page.locator('#comment-body').fill('Une remarque sans faute.')
    res = await navigation(page, () => page.getByRole('button', { name: 'Enregistrer la modification' }).click())
    expect(res?.status()).toBe(200)
    expect(new URL(page.url()).hash).toBe(`#comment-${id}`)
    const mine = page.locator(`#comment-${id}`)
    expect(await mine.innerText()).toContain('Une remarque sans faute.')
    expect(await mine.innerText()).toContain('(modifié)')

    // The delete page (not used: the comment stays for the reader).
    res = await page.goto(`${blog.url}/comment/${id}/delete`)
    expect(await page.locator('h1').innerText()).toBe('Supprimer votre commentaire')
    await expectClean(page, res, 'delete page')
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])

    // A reader in another browser: the comment and its "Signaler" link, no edit link.
    const other = await reader.context.newPage()
    await other.goto(`${blog.url}${path}#comment-${id}`)
    const theirs = other.locator(`#comment-${id}`)
    expect(await theirs.innerText()).toContain('Une remarque sans faute.')
    expect(await other.locator('.comment-own-actions').count()).toBe(0)
    expect(await other.locator(`a[href="/comment/${id}/edit"]`).count()).toBe(0)
    res = await navigation(other, () => theirs.getByRole('link', { name: 'Signaler le commentaire de Nadia' }).click())
    expect(await other.locator('h1').innerText()).toBe('Signaler un commentaire')
    await expectClean(other, res, 'report page')
    await screenshots(other, 'conversation-report')
    await other.locator('#report-note').fill('Je ne suis pas sûr du motif.')
    await other.locator('.report-form').evaluate((form) => form.setAttribute('novalidate', ''))
    res = await navigation(other, () => other.getByRole('button', { name: 'Envoyer le signalement' }).click())
    expect(res?.status()).toBe(400)
    expect(await other.locator('.field-error').innerText()).toBe('Choisissez un motif.')
    expect(await other.locator('#report-note').inputValue()).toBe('Je ne suis pas sûr du motif.')
    await expectClean(other, res, 'report page with an error')
    await other.getByLabel('Spam ou publicité').check()
    res = await navigation(other, () => other.getByRole('button', { name: 'Envoyer le signalement' }).click())
    expect(res?.status()).toBe(200)
    expect(await other.locator('main').innerText()).toContain('Merci ! Votre signalement a été transmis')
    await expectClean(other, res, 'report thanks')

    // The admin, signed in in the reader's browser, sees it first on the comment list.
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    await other.goto(`${blog.url}/admin/login`)
    await signIn(other)
    res = await other.goto(`${blog.url}/admin/comments?status=approved`)
    const reported = other.locator('.reported')
    expect(await reported.innerText()).toContain('Commentaires signalés (1)')
    expect(await reported.innerText()).toContain('Je ne suis pas sûr du motif.')
    await expectClean(other, res, 'admin comments with a report')
    await screenshots(other, 'conversation-admin-reported')
    res = await navigation(other, () => reported.getByRole('button', { name: 'Rejeter les signalements' }).click())
    expect(res?.status()).toBe(200)
    expect(await other.locator('.notice').first().innerText()).toBe('Signalements traités.')
    expect(await other.locator('.reported').count()).toBe(0)
  })
})
