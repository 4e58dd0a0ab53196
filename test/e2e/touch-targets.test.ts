// On a phone (375 px wide) every page a reader or an admin sees has targets a finger can hit (WCAG 2.2 SC 2.5.8,
// measured by test/e2e/targets.ts) and no page scrolls sideways. Desktop width keeps the same targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import {
  addAdminAndPendingComment,
  hasChromium,
  launchBrowser,
  navigation,
  SCREENSHOTS,
  signIn,
  startBlog,
  VIEWPORTS,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'
import { PHONE, sidewaysScroll, smallTargets } from '../helpers/targets.ts'

/** A demo post whose thread is open, with comments and the form. */
const OPEN_POST = '/archive/2017/11/12/questions-de-lecteurs-comment-verifier-une-information.html'

/** [name, path, a text that shows it is that page]. */
const PUBLIC_PAGES: Array<[string, string, string]> = [
  ['home', '/', 'Page suivante'],
  ['home, page 2', '/?page=2', 'Page précédente'],
  ['post with comments and form', OPEN_POST, 'Laisser un commentaire'],
  ['post, replying', `${OPEN_POST}?reply=5`, 'Répondre à Marc'],
  ['category', '/category/syrie', 'Catégorie : Syrie'],
  ['month', '/archive/2017/10/', 'Archives : Octobre 2017'],
  ['year', '/archive/2017', 'Archives : 2017'],
  ['search with results', '/search?q=Syrie', 'résultats pour'],
  ['search, nothing found', '/search?q=introuvable', 'Aucune note ne correspond'],
  ['not found', '/nowhere', 'introuvable'],
  ['login', '/admin/login', 'Se connecter'],
  // Comment 5 is Marc's, on OPEN_POST.
  ['report a comment', '/comment/5/report', 'Signaler un commentaire'],
]

const ADMIN_PAGES: Array<[string, string, string]> = [
  ['dashboard and audit log', '/admin', 'Activité récente'],
  ['posts', '/admin/posts', 'Notes'],
  ['post editor, new', '/admin/posts/new', 'Nouvelle note'],
  ['pages', '/admin/pages', 'Nouvelle page'],
  ['page editor, new', '/admin/posts/new?kind=page', 'Ouvrir les commentaires sur cette page'],
  ['menu', '/admin/menu', 'Menu du blog'],
  ['post editor, edit', '/admin/posts/1', 'Discussion'],
  ['post delete confirmation', '/admin/posts/1/delete', 'Supprimer'],
  ['comments to moderate', '/admin/comments', 'Un commentaire qui attend.'],
  ['comments, approved', '/admin/comments?status=approved', 'Marc'],
  ['categories', '/admin/categories', '/category/syrie'],
  ['bans', '/admin/bans', 'Bannir quelqu’un'],
  ['answer a comment', '/admin/comments/1/answer', 'Votre réponse à'],
  ['settings', '/admin/settings', 'Réglages'],
  ['sidebar', '/admin/sidebar', 'Barre latérale'],
  ['links', '/admin/links', 'Aucun lien pour le moment.'],
  ['appearance', '/admin/appearance', 'Apparence'],
  ['a missing post', '/admin/posts/9999', 'introuvable'],
]

/** With SHOTS=1 in the environment, keeps a full-page picture of each page at each width (to look at, not compared). */
async function shoot(page: Page, name: string, width: string) {
  if (!process.env.SHOTS) return
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `targets-${name.replace(/\W+/g, '-')}-${width}.png`), fullPage: true })
}

/** What every page measures: nothing to scroll sideways, no target under 24 × 24 px, at either width. */
const FITS = { phone: { sideways: 0, small: [] }, desktop: { sideways: 0, small: [] } }

describe.skipIf(!hasChromium)('tap targets and width on a phone', () => {
  let blog: LiveBlog
  let browser: Browser
  beforeAll(async () => {
    blog = await startBlog()
    await addAdminAndPendingComment(blog)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  /** Opens `path` at phone width (then does `act` there, if given) and measures it at phone and desktop width. */
  async function measure(path: string, text: string, name: string, act?: (page: Page) => Promise<void>) {
    const page = await browser.context.newPage()
    await page.setViewportSize(PHONE)
    await page.goto(blog.url + path)
    expect(new URL(page.url()).pathname, name).toBe(new URL(blog.url + path).pathname)
    if (act) await act(page)
    expect(await page.locator('main').innerText(), name).toContain(text)
    const phone = { sideways: await sidewaysScroll(page), small: await smallTargets(page) }
    await shoot(page, name, 'phone')
    await page.setViewportSize(VIEWPORTS.desktop)
    const desktop = { sideways: await sidewaysScroll(page), small: await smallTargets(page) }
    await shoot(page, name, 'desktop')
    await page.close()
    return { phone, desktop }
  }

  it.each(PUBLIC_PAGES)('public: %s', async (name, path, text) => {
    expect(await measure(path, text, name)).toEqual(FITS)
  })

  it('public: the comment form sent back with errors', async () => {
    const sendBad = async (page: Page) => {
      await page.locator('#comment-author').fill('Nadia')
      await page.locator('#comment-email').fill('nadia@exemple')
      await page.locator('#comment-body').fill('Un commentaire.')
      // The server answers, not the browser's own checks.
      await page.locator('.comment-form').evaluate((form) => form.setAttribute('novalidate', ''))
      await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    }
    expect(await measure(OPEN_POST, 'Le formulaire contient une erreur', 'comment form with errors', sendBad)).toEqual(FITS)
  })

  describe('signed in', () => {
    beforeAll(async () => {
      const page = await browser.context.newPage()
      await page.goto(`${blog.url}/admin/login`)
      await signIn(page)
      expect(new URL(page.url()).pathname).toBe('/admin')
      await page.close()
    })

    it.each(ADMIN_PAGES)('admin: %s', async (name, path, text) => {
      expect(await measure(path, text, name)).toEqual(FITS)
    })

    it('admin: a category renamed to nothing, sent back with its error', async () => {
      const renameBlank = async (page: Page) => {
        const form = page.locator('.rename-form').first()
        await form.locator('input[name="name"]').fill('')
        await form.evaluate((el) => el.setAttribute('novalidate', ''))
        await navigation(page, () => form.getByRole('button', { name: 'Renommer' }).click())
      }
      expect(await measure('/admin/categories', 'Donnez un nom', 'categories with errors', renameBlank)).toEqual(FITS)
    })
  })
})
