/// <reference lib="dom" />
// From the admin alone, an about page goes up and into the menu: the reader then finds it in the header of every
// page, marked aria-current on its own, on a 375 px phone without sideways scrolling, with 0 axe violations and
// valid HTML. Nothing here runs JavaScript of the blog's: the menu screen's buttons are plain form posts.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  ADMIN,
  hasChromium,
  launchBrowser,
  navigation,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'
import { PHONE, sidewaysScroll, smallTargets } from '../helpers/targets.ts'

describe.skipIf(!hasChromium)('an about page in the menu, from the admin alone', () => {
  let blog: LiveBlog
  let browser: Browser
  let page: Page
  let problems: string[]
  beforeAll(async () => {
    blog = await startBlog()
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    browser = await launchBrowser()
    page = await browser.context.newPage()
    problems = watchPage(page)
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  it('writes and publishes the page in the page editor', async () => {
    await page.goto(`${blog.url}/admin/login`)
    await signIn(page)
    await page.goto(`${blog.url}/admin/pages`)
    expect(await page.locator('main').innerText()).toContain('Aucune page pour le moment')
    await navigation(page, () => page.getByRole('link', { name: 'Nouvelle page' }).first().click())
    expect(await page.locator('h1').innerText()).toBe('Nouvelle page')
    expect(await axeViolations(page)).toEqual([])
    await page.locator('#title').fill('À propos')
    await page.locator('#slug').fill('about')
    await page.locator('#body').fill('Je tiens ce **carnet** depuis 2006.')
    await navigation(page, () => page.getByRole('button', { name: 'Publier maintenant' }).click())
    expect(await page.locator('.post-meta').innerText()).toContain('Publiée')
  })

  it('refuses the address of one of the blog’s own pages beside the field, keeping the text', async () => {
    await page.goto(`${blog.url}/admin/posts/new?kind=page`)
    await page.locator('#title').fill('Plan du site')
    await page.locator('#slug').fill('sitemap')
    await page.locator('#body').fill('Toutes les pages.')
    const res = await navigation(page, () => page.getByRole('button', { name: 'Publier maintenant' }).click())
    expect(res?.status()).toBe(400)
    expect(await page.locator('#slug-error').innerText()).toContain('« sitemap » est déjà une adresse du blog lui-même')
    expect(await page.locator('#body').inputValue()).toBe('Toutes les pages.')
    expect(await axeViolations(page)).toEqual([])
  })

  it('puts the page in the menu, then the archives above it, with buttons only', async () => {
    await page.goto(`${blog.url}/admin/menu`)
    expect(await page.locator('main').innerText()).toContain('Le menu est vide')
    await page.locator('#add-page-postId').selectOption({ label: 'À propos' })
    await navigation(page, () => page.getByRole('button', { name: 'Ajouter la page' }).click())
    await navigation(page, () => page.getByRole('button', { name: 'Ajouter les archives' }).click())
    await navigation(page, () => page.getByRole('button', { name: 'Monter – Archives' }).click())
    const items = await page.locator('.menu-items > li').allInnerTexts()
    expect(items.map((t) => t.split('\n')[0])).toEqual([expect.stringContaining('Archives'), expect.stringContaining('À propos')])
    expect(await axeViolations(page)).toEqual([])
    const html = await (
      await fetch(`${blog.url}/admin/menu`, {
        headers: { cookie: (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
      })
    ).text()
    expect(await htmlErrors(html, 'admin menu')).toEqual([])
  })

  it('shows the menu in the header, aria-current on the page being read, at 375 px, valid and accessible', async () => {
    // A reader's phone: no admin cookie (the public pages are the same for everyone).
    await browser.context.clearCookies()
    const phone = await browser.context.newPage()
    await phone.setViewportSize(PHONE)
    await phone.goto(`${blog.url}/about.html`)
    const nav = phone.getByRole('navigation', { name: 'Navigation principale' })
    await expect.poll(() => nav.isVisible()).toBe(true)
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Archives', 'À propos'])
    expect(await nav.getByRole('link', { name: 'À propos' }).getAttribute('aria-current')).toBe('page')
    expect(await nav.getByRole('link', { name: 'Archives' }).getAttribute('aria-current')).toBeNull()
    expect(await phone.locator('main').innerText()).toContain('Je tiens ce carnet depuis 2006.')
    expect(await sidewaysScroll(phone)).toBe(0)
    // Every link of the menu is a target a thumb can hit (24 × 24 px at least).
    expect(await smallTargets(phone)).toEqual([])
    expect(await axeViolations(phone)).toEqual([])
    const html = await (await fetch(`${blog.url}/about.html`)).text()
    expect(await htmlErrors(html, 'about page')).toEqual([])

    // Following the menu to the archives: the current item moves.
    await navigation(phone, () => nav.getByRole('link', { name: 'Archives' }).click())
    expect(new URL(phone.url()).pathname).toBe('/archive')
    expect(await nav.getByRole('link', { name: 'Archives' }).getAttribute('aria-current')).toBe('page')
    expect(await sidewaysScroll(phone)).toBe(0)
    expect(await axeViolations(phone)).toEqual([])
    expect(await htmlErrors(await (await fetch(`${blog.url}/archive`)).text(), 'archives page')).toEqual([])

    // The home page: the menu, nothing current, and the page in no list.
    await phone.goto(blog.url + '/')
    expect(await nav.locator('[aria-current]').count()).toBe(0)
    expect(await phone.locator('main').innerText()).not.toContain('À propos')
    expect(await sidewaysScroll(phone)).toBe(0)
    expect(await axeViolations(phone)).toEqual([])
    expect(await htmlErrors(await (await fetch(blog.url + '/')).text(), 'home with menu')).toEqual([])
    // The refused slug's answer is a 400, which the browser reports: expected.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([])
  })
})
