/// <reference lib="dom" />
// Every admin page, signed in, passes axe-core with no violation and html-validate with no error, including
// the forms sent back with errors (status 400) and a failed sign-in.
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  addAdminAndPendingComment,
  hasChromium,
  launchBrowser,
  navigation,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'

/** [name, path, a text that shows it is that page]. */
const ADMIN_PAGES: Array<[string, string, string]> = [
  ['dashboard', '/admin', 'Tableau de bord'],
  ['posts list', '/admin/posts', 'Notes'],
  ['post editor, new', '/admin/posts/new', 'Nouvelle note'],
  ['pages list', '/admin/pages', 'Nouvelle page'],
  ['page editor, new', '/admin/posts/new?kind=page', 'Ouvrir les commentaires sur cette page'],
  ['menu', '/admin/menu', 'Menu du blog'],
  ['post editor, edit', '/admin/posts/1', 'Discussion'],
  ['post delete confirmation', '/admin/posts/1/delete', 'Supprimer'],
  ['comments queue', '/admin/comments', 'Un commentaire qui attend.'],
  ['comments, approved', '/admin/comments?status=approved', 'Marc'],
  ['comments of one post', '/admin/comments?status=approved&post=1', 'Toutes les notes'],
  ['comments, posts a filter matches', '/admin/comments?status=approved&find=e', 'Notes correspondantes'],
  ['categories', '/admin/categories', '/category/syrie'],
  ['bans', '/admin/bans', 'Bannir quelqu’un'],
  ['answer a comment', '/admin/comments/1/answer', 'Votre réponse à'],
  ['settings', '/admin/settings', 'Réglages'],
  ['sidebar', '/admin/sidebar', 'Barre latérale'],
  ['links', '/admin/links', 'Aucun lien pour le moment.'],
  ['appearance', '/admin/appearance', 'Apparence'],
  ['import / export', '/admin/transfer', 'Importer et exporter'],
  ['fediverse', '/admin/fediverse', 'Personne ne suit encore le blog.'],
]

/** Forms the server sends back with errors: [name, page, what to do there]. The browser's own checks are
 *  turned off (novalidate) so that the server is the one answering. */
const ERROR_PAGES: Array<[string, string, (page: Page) => Promise<Response | null>]> = [
  ['post editor with errors', '/admin/posts/new', (page) => submitBlank(page, '.post-form', '#title', 'Publier maintenant')],
  ['settings with errors', '/admin/settings', (page) => submitBlank(page, '.settings-form', '#title', 'Enregistrer')],
  ['categories with errors', '/admin/categories', (page) => submitBlank(page, '.rename-form', 'input[name="name"]', 'Renommer')],
  ['links with errors', '/admin/links', (page) => submitBlank(page, '.admin-form', 'input[name="url"]', 'Ajouter')],
]

async function submitBlank(page: Page, form: string, field: string, button: string): Promise<Response | null> {
  const f = page.locator(form).first()
  await f.locator(field).fill('')
  await f.evaluate((el) => el.setAttribute('novalidate', ''))
  return navigation(page, () => f.getByRole('button', { name: button }).click())
}

describe.skipIf(!hasChromium)('admin pages: valid HTML and accessibility', () => {
  let blog: LiveBlog
  let browser: Browser
  beforeAll(async () => {
    blog = await startBlog()
    await addAdminAndPendingComment(blog)
    browser = await launchBrowser()
    // Signed in once for the whole file: every page below shares this browser's session cookie.
    const page = await browser.context.newPage()
    await page.goto(`${blog.url}/admin/login`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin')
    await page.close()
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  /** Validates what the server sent and runs axe on what the browser shows. */
  async function check(page: Page, res: Response | null, name: string, status: number) {
    expect(res?.status(), name).toBe(status)
    expect(await htmlErrors(await res!.text(), name), name).toEqual([])
    expect(await axeViolations(page), name).toEqual([])
  }

  it('login page after a failed sign-in', async () => {
    // Signed out for this one test: the session cookie is set aside, then put back.
    const session = await browser.context.cookies()
    await browser.context.clearCookies()
    try {
      const page = await browser.context.newPage()
      await page.goto(`${blog.url}/admin/login`)
      const res = await signIn(page, 'pas le bon mot de passe')
      expect(await page.getByRole('alert').textContent()).toBe("Nom d'utilisateur ou mot de passe incorrect.")
      await check(page, res, 'failed sign-in', 401)
      await page.close()
    } finally {
      await browser.context.clearCookies()
      await browser.context.addCookies(session)
    }
  })

  it.each(ADMIN_PAGES)('%s', async (name, path, text) => {
    const page = await browser.context.newPage()
    const problems = watchPage(page)
    const res = await page.goto(blog.url + path)
    expect(new URL(page.url()).pathname, `${name}: signed in`).toBe(new URL(blog.url + path).pathname)
    expect(await page.locator('main').innerText(), name).toContain(text)
    await check(page, res, name, 200)
    expect(problems, name).toEqual([])
    await page.close()
  })

  it.each(ERROR_PAGES)('%s', async (name, path, act) => {
    const page = await browser.context.newPage()
    await page.goto(blog.url + path)
    const res = await act(page)
    expect(await page.getByRole('alert').textContent(), name).toBe(
      'Le formulaire contient des erreurs : elles sont indiquées à côté des champs.',
    )
    // The emptied field says it is wrong, and why (its description is the message beside it).
    const invalid = page.locator('main [aria-invalid="true"]').first()
    const describedBy = (await invalid.getAttribute('aria-describedby')) ?? ''
    const messages = await Promise.all(describedBy.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()))
    expect(messages.join(' '), name).toMatch(/Donnez un (titre|nom)/)
    await check(page, res, name, 400)
    await page.close()
  })
})
