/// <reference lib="dom" />
// A writer makes the blog theirs from the admin alone, in a real browser: a blogroll put in the sidebar and moved
// up, a free text block, a colour refused for its contrast (the ratio shown, the form kept), then colours and
// fonts previewed and saved; a reader sees them at once (computed styles), light and dark, on a phone without
// sideways scrolling, with 0 axe violations and valid HTML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { createUser } from '../../src/admin/users.ts'
import { DEFAULT_DESIGN, SIDEBAR_BLOCK_TYPES } from '../../src/settings/look.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  ADMIN,
  hasChromium,
  launchBrowser,
  navigation,
  screenshots,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'

const PHONE = { width: 375, height: 800 }

describe.skipIf(!hasChromium)('the look, from the admin to the reader', () => {
  let blog: LiveBlog
  let admin: Browser
  let reader: Browser
  beforeAll(async () => {
    blog = await startBlog()
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    ;[admin, reader] = await Promise.all([launchBrowser(), launchBrowser()])
  })
  afterAll(async () => {
    await admin?.close()
    await reader?.close()
    await blog?.close()
  })

  /** The page's source as the server sent it, checked; and the rendered page, checked by axe. */
  async function checkPage(page: Page, name: string) {
    const source = await (await page.request.get(page.url())).text()
    expect(await htmlErrors(source, name), name).toEqual([])
    expect(await axeViolations(page), name).toEqual([])
  }

  const click = (page: Page, name: string) => navigation(page, () => page.getByRole('button', { name, exact: true }).first().click())

  it('arranges the sidebar with a blogroll, sets colours and fonts after a preview, and readers see them at once', async () => {
    const page = await admin.context.newPage()
    const problems = watchPage(page)
    await page.goto(`${blog.url}/admin/links`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin/links')

    // The blogroll: two links, the second moved up.
    for (const [name, url, description] of [
      ['Le carnet de Lina', 'https://lina.example/', 'Voyages au Levant'],
      ['Chroniques de Bassora', 'https://bassora.example/blog/', ''],
    ]) {
      const add = page.locator('form', { has: page.getByRole('button', { name: 'Ajouter', exact: true }) })
      await add.getByLabel('Nom').fill(name!)
      await add.getByLabel('Adresse (http ou https)').fill(url!)
      await add.getByLabel('Description (facultative)').fill(description!)
      await click(page, 'Ajouter')
      expect(await page.getByRole('status').textContent()).toBe('Liens enregistrés.')
    }
    await navigation(page, () => page.locator('.look-item').nth(1).getByRole('button', { name: 'Monter' }).click())
    await checkPage(page, 'admin-links')

    // The sidebar: the links block and a text block added, the text moved above the links.
    await page.goto(`${blog.url}/admin/sidebar`)
    await page.getByLabel('Bloc', { exact: true }).selectOption('links')
    await click(page, 'Ajouter')
    await page.getByLabel('Bloc', { exact: true }).selectOption('text')
    const addForm = page.locator('form', { has: page.getByRole('button', { name: 'Ajouter', exact: true }) })
    await addForm.getByLabel('Titre (facultatif)').fill('À propos')
    await addForm.getByLabel('Texte (Markdown)').fill('Un carnet de **voyage**.')
    await click(page, 'Ajouter')
    const items = page.locator('.look-item')
    const count = await items.count()
    expect(
      await items
        .nth(count - 1)
        .locator('h2')
        .innerText(),
    ).toContain('À propos')
    await navigation(page, () =>
      items
        .nth(count - 1)
        .getByRole('button', { name: 'Monter' })
        .click(),
    )
    await checkPage(page, 'admin-sidebar')

    // A colour too light for text is refused, with its ratio beside the field and the other choices kept.
    await page.goto(`${blog.url}/admin/appearance`)
    await page.getByLabel('Couleur des liens et des boutons (fond clair)').fill('#f5c400')
    await page.getByLabel('Police du texte').selectOption('oldstyle')
    await click(page, 'Aperçu')
    expect(await page.locator('#accent-error').innerText()).toMatch(/^Contraste trop faible : 1,\d\d:1 contre le fond/)
    expect(await page.getByLabel('Couleur des liens et des boutons (fond clair)').inputValue()).toBe('#f5c400')
    expect(await page.getByLabel('Police du texte').inputValue()).toBe('oldstyle')
    await checkPage(page, 'admin-appearance-refused')

    // A readable one, fonts, a narrow column, following the reader's system: previewed first.
    await page.getByLabel('Couleur des liens et des boutons (fond clair)').fill('#1d4e89')
    await page.getByLabel('Police des titres').selectOption('geometric')
    await page.getByLabel('Étroite (36 rem)').check()
    await page.getByLabel('Selon le réglage du lecteur').check()
    const previewed = await click(page, 'Aperçu')
    // The preview page is a POST's answer: its source is that answer's.
    expect(await htmlErrors(await previewed!.text(), 'preview'), 'preview').toEqual([])
    expect(await axeViolations(page), 'preview').toEqual([])
    expect(await page.getByRole('status').first().innerText()).toContain('Aperçu : rien n’est encore enregistré.')
    expect(await page.locator('.post-body a').evaluate((a) => getComputedStyle(a).color)).toBe('rgb(29, 78, 137)')
    await screenshots(page, 'look-preview')
    // Nothing public has changed yet.
    const before = await reader.context.newPage()
    await before.goto(blog.url)
    expect(
      await before
        .locator('.sidebar a')
        .first()
        .evaluate((a) => getComputedStyle(a).color),
    ).toBe('rgb(138, 43, 14)')
    await before.close()

    await click(page, 'Enregistrer l’apparence')
    expect(new URL(page.url()).pathname).toBe('/admin/appearance')
    expect(await page.getByRole('status').textContent()).toContain('Apparence enregistrée')
    await checkPage(page, 'admin-appearance')
    // The refused form's own answer is a 400 (Chromium logs it); nothing else went wrong.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])

    // The reader, at once.
    const home = await reader.context.newPage()
    await home.goto(blog.url)
    const style = await home.evaluate(() => ({
      link: getComputedStyle(document.querySelector('.sidebar a')!).color,
      body: getComputedStyle(document.body).fontFamily,
      heading: getComputedStyle(document.querySelector('h2')!).fontFamily,
      width: getComputedStyle(document.querySelector('.content')!).maxWidth,
      background: getComputedStyle(document.body).backgroundColor,
    }))
    expect(style.link).toBe('rgb(29, 78, 137)')
    expect(style.body).toMatch(/^"Iowan Old Style"/)
    expect(style.heading).toMatch(/^Avenir/)
    expect(style.width).toBe(`${36 * 16}px`)
    expect(style.background).toBe('rgb(253, 252, 250)')
    const headings = await home.locator('.sidebar h2').allTextContents()
    expect(headings.slice(-2)).toEqual(['À propos', 'Liens'])
    expect(await home.locator('.blogroll a').allInnerTexts()).toEqual(['Chroniques de Bassora', 'Le carnet de Lina'])
    expect(await home.locator('.widget-text strong').innerText()).toBe('voyage')
    await checkPage(home, 'home-look')

    // On a phone, no sideways scrolling.
    await home.setViewportSize(PHONE)
    await home.reload()
    expect(await home.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
    await screenshots(home, 'look-home')

    // Dark, when the reader's system is: the dark palette and the dark accent, still 0 violations.
    await home.emulateMedia({ colorScheme: 'dark' })
    await home.setViewportSize({ width: 1280, height: 900 })
    const dark = await home.evaluate(() => ({
      background: getComputedStyle(document.body).backgroundColor,
      link: getComputedStyle(document.querySelector('.sidebar a')!).color,
    }))
    expect(dark).toEqual({ background: 'rgb(23, 24, 27)', link: 'rgb(240, 160, 122)' })
    expect(await axeViolations(home)).toEqual([])
    const post = await reader.context.newPage()
    await post.emulateMedia({ colorScheme: 'dark' })
    await post.goto(`${blog.url}${await home.locator('.post-title a').first().getAttribute('href')}`)
    await checkPage(post, 'post-dark')
    await post.setViewportSize(PHONE)
    expect(await post.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
  }, 180_000)

  it('shows every block, long words and all, within 375 px, valid and accessible, light and dark', async () => {
    const long = 'Anticonstitutionnellement'.repeat(3)
    await blog.app.settings.update({
      sidebarBlocks: SIDEBAR_BLOCK_TYPES.map((type, i) =>
        type === 'text'
          ? { id: `k${i}`, type, title: long, markdown: `${long} https://exemple.fr/${'x'.repeat(80)}` }
          : { id: `k${i}`, type },
      ),
      links: [{ id: 'klong', name: long, url: `https://exemple.fr/${'y'.repeat(80)}`, description: long }],
      design: { ...DEFAULT_DESIGN, mode: 'dark' },
    })
    await blog.app.db.insertInto('post_tags').values({ post_id: 2, position: 9, name: long }).execute()
    const page = await reader.context.newPage()
    await page.setViewportSize(PHONE)
    for (const mode of ['dark', 'light'] as const) {
      await blog.app.settings.update({ design: { ...DEFAULT_DESIGN, mode } })
      await page.goto(blog.url)
      expect(await page.locator('.sidebar h2').count()).toBe(7)
      expect(await page.locator('.tag-cloud').innerText()).toContain(long)
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((el) => `${el.tagName}.${el.className}`)
          .slice(0, 8),
      )
      expect(wide, mode).toEqual([])
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), mode).toBe(0)
      await checkPage(page, `home-every-block-${mode}`)
    }
  }, 120_000)
})
