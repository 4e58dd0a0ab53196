/// <reference lib="dom" />
// Nothing a writer types is lost (issue 29), in a real browser: a tab closed mid-writing leaves its text restorable
// (from the server's working copy, or from the browser's own when the connection was lost); a save sent after the
// session cookie is gone loses nothing; two writers saving the same post see both versions; a revision is
// restored. The new admin screens have no axe violations.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { PHONE } from '../helpers/targets.ts'
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

const BOB = { username: 'bob', password: 'une autre phrase de passe' }

describe.skipIf(!hasChromium)('nothing a writer types is lost', () => {
  let blog: LiveBlog
  let claire: Browser
  let bob: Browser
  beforeAll(async () => {
    blog = await startBlog({ demo: false })
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
    await createUser(blog.app.db, BOB.username, BOB.password)
    ;[claire, bob] = await Promise.all([launchBrowser(), launchBrowser()])
  })
  afterAll(async () => {
    await claire?.close()
    await bob?.close()
    await blog?.close()
  })

  const post = (title: string) => blog.app.db.selectFrom('posts').selectAll().where('title', '=', title).executeTakeFirstOrThrow()
  const body = (page: Page) => page.getByLabel('Texte', { exact: true })

  async function open(browser: Browser, path: string, who: { username: string; password: string } = ADMIN) {
    const page = await browser.context.newPage()
    await page.goto(`${blog.url}${path}`)
    if (new URL(page.url()).pathname === '/admin/login') {
      await page.getByLabel("Nom d'utilisateur").fill(who.username)
      await page.getByLabel('Mot de passe').fill(who.password)
      await navigation(page, () => page.getByRole('button', { name: 'Se connecter' }).click())
    }
    return page
  }

  it('keeps the text of a tab closed mid-writing, offered back in a new one', async () => {
    const page = await open(claire, '/admin/posts/new')
    const problems = watchPage(page)
    await page.getByLabel('Titre').fill('Écrit avant la panne')
    await body(page).pressSequentially('Une phrase tapée, ', { delay: 5 })
    await body(page).pressSequentially('puis une autre.', { delay: 5 })
    // The working copy reaches the server some seconds after the last keystroke, nothing saved as a post.
    await page.getByText(/^Copie de travail gardée à \d\d:\d\d\.$/).waitFor({ timeout: 15_000 })
    expect(await blog.app.db.selectFrom('posts').select('id').execute()).toEqual([])
    expect(problems).toEqual([])
    await page.close({ runBeforeUnload: false })

    const again = await open(claire, '/admin/posts/new')
    const offer = again.locator('#autosave-offer')
    await expect.poll(() => offer.innerText()).toMatch(/^Modifications non enregistrées du \d\d\/\d\d\/\d{4} à \d\d:\d\d/)
    // The browser's own copy is no newer: one offer only.
    expect(await again.locator('#local-offer').isHidden()).toBe(true)
    expect(await axeViolations(again)).toEqual([])
    await navigation(again, () => offer.getByRole('link', { name: 'Restaurer' }).click())
    expect(await body(again).inputValue()).toBe('Une phrase tapée, puis une autre.')
    expect(await again.getByLabel('Titre').inputValue()).toBe('Écrit avant la panne')
    await navigation(again, () => again.getByRole('button', { name: 'Enregistrer le brouillon' }).click())
    expect(await again.getByRole('status').first().textContent()).toBe('Note enregistrée.')
    expect((await post('Écrit avant la panne')).body_source).toBe('Une phrase tapée, puis une autre.')
    expect(await again.locator('#autosave-offer').count()).toBe(0)
    await again.close()
  })

  it('keeps the text typed while the connection is lost, in the browser, offered back the same way', async () => {
    const page = await open(claire, '/admin/posts/new')
    await page.getByLabel('Titre').fill('Hors ligne')
    await claire.context.setOffline(true)
    await body(page).pressSequentially('Tapé sans réseau.', { delay: 5 })
    await page.getByText('La copie de travail n’a pas pu être gardée sur le serveur').waitFor({ timeout: 15_000 })
    await page.close({ runBeforeUnload: false })
    await claire.context.setOffline(false)

    const again = await open(claire, '/admin/posts/new')
    const offer = again.locator('#local-offer')
    await offer.waitFor({ state: 'visible' })
    expect(await offer.innerText()).toContain('Modifications non enregistrées gardées dans ce navigateur')
    expect(await axeViolations(again)).toEqual([])
    await offer.getByRole('button', { name: 'Restaurer' }).click()
    expect(await body(again).inputValue()).toBe('Tapé sans réseau.')
    expect(await again.getByLabel('Titre').inputValue()).toBe('Hors ligne')
    expect(await offer.isHidden()).toBe(true)
    await again.close()
  })

  it('loses nothing when the session cookie is gone at save time: signed in again, the save goes through', async () => {
    const { id } = await post('Écrit avant la panne')
    const page = await open(claire, `/admin/posts/${id}`)
    await body(page).fill('Une heure de travail.\nÀ ne pas perdre.')
    await claire.context.clearCookies()
    await navigation(page, () => page.getByRole('button', { name: 'Enregistrer le brouillon' }).click())
    expect(new URL(page.url()).pathname).toBe(`/admin/posts/${id}`)
    expect(await page.getByRole('status').first().innerText()).toContain('Votre session a expiré. Votre texte est gardé')
    expect(page.url()).not.toContain('perdre')
    expect(await axeViolations(page)).toEqual([])
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe(`/admin/posts/${id}`)
    expect(await page.getByRole('status').first().textContent()).toBe('Note enregistrée.')
    expect(await body(page).inputValue()).toBe('Une heure de travail.\nÀ ne pas perdre.')
    expect((await post('Écrit avant la panne')).body_source).toBe('Une heure de travail.\nÀ ne pas perdre.')
    await page.close()
  })

  it('shows both versions when two writers save the same post, and saves the second on purpose', async () => {
    const { id } = await post('Écrit avant la panne')
    const mine = await open(claire, `/admin/posts/${id}`)
    const theirs = await open(bob, `/admin/posts/${id}`, BOB)
    await body(theirs).fill('La version de Bob.')
    await navigation(theirs, () => theirs.getByRole('button', { name: 'Enregistrer le brouillon' }).click())
    await body(mine).fill('La version de Claire, écrite en même temps.')
    const refused = await navigation(mine, () => mine.getByRole('button', { name: 'Enregistrer le brouillon' }).click())
    expect(refused?.status()).toBe(409)
    expect(await htmlErrors(await refused!.text(), 'conflict')).toEqual([])
    expect(await mine.getByRole('alert').first().innerText()).toContain('Quelqu’un a enregistré cette note pendant que vous écriviez')
    expect(await mine.locator('#theirs-body').inputValue()).toBe('La version de Bob.')
    expect(await mine.locator('.conflict-theirs').innerText()).toContain('Enregistrée par bob le')
    expect(await body(mine).inputValue()).toBe('La version de Claire, écrite en même temps.')
    // The page holds her text already: the browser's copy is not offered on top of it.
    expect(await mine.locator('#local-offer').isHidden()).toBe(true)
    expect(await axeViolations(mine)).toEqual([])
    await mine.setViewportSize(PHONE)
    expect(await mine.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    expect((await post('Écrit avant la panne')).body_source).toBe('La version de Bob.')
    await body(mine).fill('La version de Claire, avec une phrase de Bob : La version de Bob.')
    await navigation(mine, () => mine.getByRole('button', { name: 'Enregistrer le brouillon' }).click())
    expect(await mine.getByRole('status').first().textContent()).toBe('Note enregistrée.')
    expect((await post('Écrit avant la panne')).body_source).toBe('La version de Claire, avec une phrase de Bob : La version de Bob.')
    await mine.close()
    await theirs.close()
  })

  it('restores a revision from the list, after comparing', async () => {
    const { id } = await post('Écrit avant la panne')
    const page = await open(claire, `/admin/posts/${id}`)
    await navigation(page, () => page.getByRole('link', { name: 'Révisions' }).click())
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Révisions de « Écrit avant la panne »')
    expect(await axeViolations(page)).toEqual([])
    await navigation(page, () => page.getByRole('button', { name: 'Comparer' }).click())
    expect(await page.locator('ol.diff del').first().innerText()).toContain('La version de Bob.')
    expect(await axeViolations(page)).toEqual([])
    await navigation(page, () => page.getByRole('link', { name: 'Toutes les révisions' }).click())
    // Bob's version.
    const row = page.getByRole('row').filter({ hasText: 'bob' })
    await navigation(page, () => row.getByRole('link').click())
    expect(await page.locator('.revision-body').innerText()).toBe('La version de Bob.')
    expect(await axeViolations(page)).toEqual([])
    await navigation(page, () => page.getByRole('button', { name: 'Restaurer cette révision' }).click())
    expect(await page.getByRole('status').first().textContent()).toContain('Révision restaurée')
    expect(await body(page).inputValue()).toBe('La version de Bob.')
    expect((await post('Écrit avant la panne')).body_source).toBe('La version de Bob.')
    // A preview link for a reviewer: the page is clean too.
    await navigation(page, () => page.getByRole('button', { name: 'Créer un lien d’aperçu' }).click())
    expect(await axeViolations(page)).toEqual([])
    const link = await page.locator('.preview-link input[type="url"]').inputValue()
    const reviewer = await bob.context.newPage()
    await bob.context.clearCookies()
    await reviewer.setViewportSize(PHONE)
    const res = await reviewer.goto(link)
    expect(res?.headers()['cache-control']).toBe('no-store')
    expect(await reviewer.locator('.post-body').innerText()).toBe('La version de Bob.')
    expect(await axeViolations(reviewer)).toEqual([])
    expect(await htmlErrors(await res!.text(), 'preview')).toEqual([])
    expect(await reviewer.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await reviewer.close()
    await page.close()
  })

  it('sends the working copy 5 s after the last keystroke, every 10 s while typing goes on, never more often', async () => {
    const { id } = await post('Écrit avant la panne')
    const page = await claire.context.newPage()
    await page.clock.install()
    // When the page sends each working copy, on its own (fake) clock.
    await page.addInitScript(() => {
      const w = window as unknown as { sent: number[] }
      w.sent = []
      const original = window.fetch
      window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
        if (String(input).endsWith('/autosave')) w.sent.push(Date.now())
        return original.call(this, input, init)
      } as typeof fetch
    })
    await page.goto(`${blog.url}/admin/posts/${id}`)
    const sent = async () => {
      const times = await page.evaluate(() => (window as unknown as { sent: number[] }).sent)
      return times.map((t) => t - start)
    }
    const start = await page.evaluate(() => Date.now())
    await body(page).press('End')
    await body(page).pressSequentially('x')
    await page.clock.runFor(4800)
    expect(await sent()).toEqual([])
    await page.clock.runFor(400)
    expect(await sent()).toHaveLength(1)
    // Then a key every second for 21 s: typing never pauses 5 s, a copy goes all the same, every 10 s.
    for (let s = 0; s < 21; s++) {
      await body(page).pressSequentially('y')
      await page.clock.runFor(1000)
    }
    expect((await sent()).length).toBe(3)
    // Then a key every 6 s: each pause is long enough, but copies are never sent less than 10 s apart.
    for (let s = 0; s < 6; s++) {
      await body(page).pressSequentially('z')
      await page.clock.runFor(6000)
    }
    const times = await sent()
    expect(times.length).toBeGreaterThanOrEqual(5)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(10_000)
    await page.close()
    await blog.app.db.deleteFrom('post_autosaves').execute()
  })
})
