// Every kind of page a reader sees passes axe-core with no violation and html-validate with no error: the
// source the server sent is validated, the page the browser rendered is checked by axe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED_PATH, visibleText } from '../helpers/app.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { hasChromium, navigation, startBlog, watchPage, type LiveBlog, useBlogAndBrowser } from '../helpers/browser.ts'

/** A demo post whose thread is open, with a comment. */
const OPEN_POST = '/archive/2017/11/12/questions-de-lecteurs-comment-verifier-une-information.html'

/** Pages to check: [name, path, expected status, a text that shows it is that page]. Features add theirs here. */
const PUBLIC_PAGES: Array<[string, string, number, string]> = [
  ['home', '/', 200, 'Page suivante'],
  ['home page 2', '/?page=2', 200, 'Page précédente'],
  ['post, closed thread', SEED_PATH, 200, 'Les commentaires sont fermés.'],
  ['post, open thread', OPEN_POST, 200, 'Laisser un commentaire'],
  // Comment 5 is Marc's, on OPEN_POST.
  ['post, replying to a comment', `${OPEN_POST}?reply=5`, 200, 'Répondre à Marc'],
  ['category', '/category/syrie', 200, 'Catégorie : Syrie'],
  ['month archive', '/archive/2017/10/', 200, 'Archives : Octobre 2017'],
  ['search results', '/search?q=Syrie', 200, 'résultats pour « Syrie »'],
  ['search, nothing found', '/search?q=introuvable', 200, 'Aucune note ne correspond à « introuvable »'],
  ['search, no query', '/search', 200, 'Rechercher dans le carnet'],
  ['login', '/admin/login', 200, 'Se connecter'],
  ['report a comment', '/comment/5/report', 200, 'Signaler un commentaire'],
  ['not found', '/nowhere', 404, 'introuvable'],
]

/** A comment the server refuses (an e-mail address without a dot in its domain, as a browser lets through). */
const BAD_COMMENT = { author: 'Nadia', email: 'nadia@exemple', url: 'pas une adresse', body: 'Un commentaire.' }

describe('valid HTML', () => {
  let blog: LiveBlog
  beforeAll(async () => {
    blog = await startBlog()
  })
  afterAll(() => blog?.close())

  it('every public page validates with no error', async () => {
    for (const [name, path, status, text] of PUBLIC_PAGES) {
      const res = await fetch(blog.url + path)
      expect(res.status, name).toBe(status)
      const html = await res.text()
      expect(visibleText(html), name).toContain(text)
      expect(await htmlErrors(html, name), name).toEqual([])
    }
  })

  it('the post page sent back with form errors validates with no error', async () => {
    const res = await fetch(blog.url + OPEN_POST, { method: 'POST', body: new URLSearchParams(BAD_COMMENT) })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('class="field-error"')
    expect(await htmlErrors(html, 'post with form errors')).toEqual([])
  })
})

describe.skipIf(!hasChromium)('accessibility (axe-core in Chromium)', () => {
  const live = useBlogAndBrowser()

  it.each(PUBLIC_PAGES)('%s has no violation', async (name, path, status, text) => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    const res = await page.goto(live.blog.url + path)
    expect(res?.status(), name).toBe(status)
    expect(await page.locator('body').innerText(), name).toContain(text)
    expect(await axeViolations(page), name).toEqual([])
    // The browser reports a page's own 4xx status as a console error: that one is expected.
    expect(
      problems.filter((p) => !(status >= 400 && p.includes(`status of ${status}`))),
      name,
    ).toEqual([])
    await page.close()
  })

  it('the post page sent back with form errors has no violation', async () => {
    const page = await live.browser.context.newPage()
    await page.goto(live.blog.url + OPEN_POST)
    for (const [field, value] of Object.entries(BAD_COMMENT)) await page.locator(`#comment-${field}`).fill(value)
    // The browser's own check would stop the bad URL before the server sees it: let the server answer.
    await page.locator('.comment-form').evaluate((form) => form.setAttribute('novalidate', ''))
    const res = await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    expect(res?.status()).toBe(400)
    expect(await page.locator('.field-error').count()).toBe(2)
    expect(await axeViolations(page)).toEqual([])
    await page.close()
  })
})
