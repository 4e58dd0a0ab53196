/// <reference lib="dom" />
// Several writers, in real browsers: an owner invites an author (no SMTP_URL: the link is shown to copy); the
// author opens it in their own browser, chooses a name and a password, signs in, writes and publishes a post that
// shows their byline and is on their author page and its feed. A contributor's draft, submitted for review, is
// published by an editor. The author page passes axe with no violation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { createUser } from '../../src/admin/users.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import {
  ADMIN,
  hasChromium,
  launchBrowser,
  navigation,
  pathOf,
  signIn,
  startBlog,
  watchPage,
  type Browser,
  type LiveBlog,
} from '../helpers/browser.ts'

const PASSWORD = 'une autre phrase assez longue'

/** Signs `page` in through the real form as `username`. */
async function signInAs(page: Page, blog: LiveBlog, username: string) {
  await page.goto(`${blog.url}/admin/login`)
  await page.getByLabel("Nom d'utilisateur").fill(username)
  await page.getByLabel('Mot de passe').fill(PASSWORD)
  await navigation(page, () => page.getByRole('button', { name: 'Se connecter' }).click())
}

describe.skipIf(!hasChromium)('several writers', () => {
  let blog: LiveBlog
  let owner: Browser
  let writer: Browser
  beforeAll(async () => {
    blog = await startBlog()
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    ;[owner, writer] = await Promise.all([launchBrowser(), launchBrowser()])
  })
  afterAll(async () => {
    await owner?.close()
    await writer?.close()
    await blog?.close()
  })

  it('an invited author signs up, publishes, and readers see their byline, their page and their feed', async () => {
    const page = await owner.context.newPage()
    const problems = watchPage(page)
    await page.goto(`${blog.url}/admin/users`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin/users')
    await page.getByLabel('Adresse e-mail').fill('ines@example.fr')
    await page.getByLabel('Rôle', { exact: true }).selectOption('author')
    await navigation(page, () => page.getByRole('button', { name: 'Envoyer l’invitation' }).click())
    expect(await page.locator('.notice').first().innerText()).toContain('copiez ce lien')
    const link = await page.locator('#invite-link').inputValue()
    expect(link.startsWith(`${blog.url}/admin/invite/`)).toBe(true)

    // The invitee, in a browser of their own.
    const ines = await writer.context.newPage()
    const inesProblems = watchPage(ines)
    await ines.goto(link)
    expect(await ines.locator('h1').innerText()).toBe('Rejoindre Carnet')
    await ines.getByLabel('Nom affiché').fill('Inès Martin')
    await ines.getByLabel('Identifiant').fill('ines')
    // A mistake first: the form comes back with the message beside the field and the name kept.
    await ines.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD)
    await ines.getByLabel('Mot de passe (encore)').fill('autre chose encore')
    await navigation(ines, () => ines.getByRole('button', { name: 'Créer mon compte' }).click())
    expect(await ines.locator('#passwordAgain-error').innerText()).toBe('Les deux mots de passe diffèrent.')
    expect(await ines.getByLabel('Nom affiché').inputValue()).toBe('Inès Martin')
    await ines.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD)
    await ines.getByLabel('Mot de passe (encore)').fill(PASSWORD)
    await navigation(ines, () => ines.getByRole('button', { name: 'Créer mon compte' }).click())
    expect(new URL(ines.url()).pathname).toBe('/admin/login')
    expect(await ines.locator('.notice').innerText()).toBe('Votre compte est créé. Connectez-vous.')

    await signInAs(ines, blog, 'ines')
    // An author's menu: no settings, no writers, no comments queue.
    expect(await ines.locator('.admin-nav a[href="/admin/settings"]').count()).toBe(0)
    expect(await ines.locator('.admin-nav a[href="/admin/users"]').count()).toBe(0)
    await ines.goto(`${blog.url}/admin/posts/new`)
    await ines.getByLabel('Titre').fill('Beyrouth, un an après')
    await ines.getByLabel('Texte', { exact: true }).fill('Le port se reconstruit lentement.')
    await navigation(ines, () => ines.getByRole('button', { name: 'Publier maintenant' }).click())
    expect(await ines.locator('.notice').first().innerText()).toBeTruthy()

    // A reader: the byline, linked to the author page, which lists the post, with its feed.
    const reader = await owner.context.browser()!.newContext()
    const r = await reader.newPage()
    const readerProblems = watchPage(r)
    await r.goto(blog.url + (await pathOf(blog, 'Beyrouth, un an après')))
    const byline = r.locator('.post-footer a[rel="author"]')
    expect(await byline.innerText()).toBe('Inès Martin')
    await navigation(r, () => byline.click())
    expect(new URL(r.url()).pathname).toBe('/author/ines-martin')
    expect(await r.locator('h1').innerText()).toBe('Notes de Inès Martin')
    expect(await r.locator('.post-summary .post-title').allInnerTexts()).toEqual(['Beyrouth, un an après'])
    expect(await axeViolations(r)).toEqual([])
    const source = await (await r.request.get(`${blog.url}/author/ines-martin`)).text()
    expect(await htmlErrors(source, 'author page')).toEqual([])
    const feed = await r.request.get(`${blog.url}/author/ines-martin/feed.rss`)
    expect(feed.status()).toBe(200)
    expect(await feed.text()).toContain('<title><![CDATA[Beyrouth, un an après]]></title>')
    // No sideways scroll on a phone.
    await r.setViewportSize({ width: 375, height: 800 })
    expect(await r.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await reader.close()
    // The one 400 is the refused form above (Chromium logs a page answered 400).
    expect(inesProblems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)'])
    expect([...problems, ...readerProblems]).toEqual([])
  })

  it('a contributor submits a draft; an editor publishes it', async () => {
    await createUser(blog.app.db, 'cleo', PASSWORD, 'contributor')
    await createUser(blog.app.db, 'eve', PASSWORD, 'editor')
    const context = await owner.context.browser()!.newContext()
    const cleo = await context.newPage()
    await signInAs(cleo, blog, 'cleo')
    await cleo.goto(`${blog.url}/admin/posts/new`)
    expect(await cleo.getByRole('button', { name: 'Publier maintenant' }).count()).toBe(0)
    await cleo.getByLabel('Titre').fill('Notes de terrain')
    await cleo.getByLabel('Texte', { exact: true }).fill('Premier jet.')
    await navigation(cleo, () => cleo.getByRole('button', { name: 'Proposer à la relecture' }).click())
    expect(
      (await blog.app.db.selectFrom('posts').select('status').where('title', '=', 'Notes de terrain').executeTakeFirstOrThrow()).status,
    ).toBe('draft')
    await context.clearCookies()

    const eve = await context.newPage()
    await signInAs(eve, blog, 'eve')
    await eve.goto(`${blog.url}/admin/posts?state=draft`)
    const row = eve.locator('tr', { hasText: 'Notes de terrain' })
    expect(await row.locator('.col-state').innerText()).toBe('Brouillon (à relire)')
    await navigation(eve, () => row.getByRole('link', { name: /Notes de terrain/ }).click())
    await navigation(eve, () => eve.getByRole('button', { name: 'Publier maintenant' }).click())
    const published = await blog.app.db.selectFrom('posts').selectAll().where('title', '=', 'Notes de terrain').executeTakeFirstOrThrow()
    expect(published.status).toBe('published')
    const reader = await context.newPage()
    await context.clearCookies()
    const res = await reader.goto(blog.url + (await pathOf(blog, 'Notes de terrain')))
    expect(res!.status()).toBe(200)
    expect(await reader.locator('.post-footer a[rel="author"]').innerText()).toBe('cleo')
    await context.close()
  })
})
