/// <reference lib="dom" />
// An admin adds images to a post in a real browser: one with the file input and its button (the path that works
// without JavaScript), one dropped on the text (the script); publishes; the reader's page shows <picture>s the
// browser actually loads, in a modern format, and passes axe and html-validate. The admin's media page too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
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
import { makeImage } from '../helpers/images.ts'
import { PHONE, sidewaysScroll, smallTargets } from '../helpers/targets.ts'

describe.skipIf(!hasChromium)('images in a post', () => {
  let blog: LiveBlog
  let browser: Browser
  beforeAll(async () => {
    blog = await startBlog({ demo: false })
    browser = await launchBrowser()
    await createUser(blog.app.db, ADMIN.username, ADMIN.password)
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  it('uploads through the editor, publishes, and readers get an accessible <picture>', async () => {
    const page = await browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(`${blog.url}/admin/posts/new`)
    await signIn(page)
    await page.getByLabel('Titre').fill('Une journée au port')
    await page.getByLabel('Texte', { exact: true }).fill('Le matin, les bateaux rentrent.')

    // The file input and its button: the whole form goes, the editor comes back with the Markdown added.
    await page.getByRole('textbox', { name: /^Texte alternatif/ }).fill('Des barques colorées au quai')
    await page
      .getByLabel('Fichier image')
      .setInputFiles({ name: 'barques.jpg', mimeType: 'image/jpeg', buffer: await makeImage(1800, 1200) })
    await navigation(page, () => page.getByRole('button', { name: 'Ajouter l’image au texte' }).click())
    expect(await page.getByRole('status').first().textContent()).toBe('Image ajoutée à la fin du texte.')
    expect(await page.getByLabel('Titre').inputValue()).toBe('Une journée au port')
    const body = page.getByLabel('Texte', { exact: true })
    expect(await body.inputValue()).toMatch(
      /^Le matin, les bateaux rentrent\.\n\n!\[Des barques colorées au quai\]\(\/media\/[0-9a-f]{32}-1800x1200\.jpg\)\n$/,
    )

    // Dropped on the text: uploaded by the script, its Markdown inserted where the caret is.
    await page.getByRole('textbox', { name: /^Texte alternatif/ }).fill('Plan du port')
    const png = (await makeImage(600, 400, 'png')).toString('base64')
    await body.evaluate((textarea: HTMLTextAreaElement, data: string) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const transfer = new DataTransfer()
      transfer.items.add(new File([bytes], 'plan.png', { type: 'image/png' }))
      textarea.selectionStart = textarea.selectionEnd = textarea.value.length
      textarea.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
    }, png)
    await expect.poll(() => body.inputValue(), { timeout: 30_000 }).toMatch(/!\[Plan du port\]\(\/media\/[0-9a-f]{32}-600x400\.png\)/)
    await screenshots(page, 'media-editor')

    await navigation(page, () => page.getByRole('button', { name: 'Publier maintenant' }).click())
    const publicPath = await page.getByRole('link', { name: 'Voir', exact: true }).getAttribute('href')

    // The reader's page.
    const reader = await browser.context.newPage()
    const response = await reader.goto(`${blog.url}${publicPath}`)
    const html = await response!.text()
    expect(await reader.locator('.post-body picture').count()).toBe(2)
    const first = reader.locator('.post-body picture img').first()
    await expect.poll(() => first.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 10_000 }).toBe(true)
    const loaded = await first.evaluate((img: HTMLImageElement) => ({
      src: img.currentSrc,
      alt: img.alt,
      width: img.width,
      height: img.height,
    }))
    // Chromium takes the AVIF source, at a width that fits the column (not the 1,800 px original).
    expect(loaded.src).toMatch(/\/media\/[0-9a-f]{32}-(960w|1600w)\.avif$/)
    expect(loaded.alt).toBe('Des barques colorées au quai')
    expect(loaded.height / loaded.width).toBeCloseTo(1200 / 1800, 2)
    expect(await reader.locator('.post-body picture img').nth(1).getAttribute('loading')).toBe('lazy')
    expect(await axeViolations(reader)).toEqual([])
    expect(await htmlErrors(html, 'post-with-images')).toEqual([])
    await screenshots(reader, 'media-post')

    // The admin's media page lists both, and passes the same checks.
    const media = await page.goto(`${blog.url}/admin/media`)
    expect(await page.locator('.media-item').count()).toBe(2)
    expect(await page.locator('.media-item').first().innerText()).toContain('Une journée au port')
    expect(await axeViolations(page)).toEqual([])
    expect(await htmlErrors(await media!.text(), 'admin-media')).toEqual([])
    await screenshots(page, 'media-admin')
    // On a phone: nothing scrolls sideways and every control is a 24 px target, here and on the post.
    for (const p of [page, reader]) {
      await p.setViewportSize(PHONE)
      expect({ sideways: await sidewaysScroll(p), small: await smallTargets(p) }, p.url()).toEqual({ sideways: 0, small: [] })
    }
    expect(problems).toEqual([])
  }, 60_000)

  /** Drops files (name, type, bytes) on the editor's text, as a person would drag them there. */
  async function drop(page: import('playwright-core').Page, files: Array<{ name: string; type: string; data: Buffer }>) {
    await page.getByLabel('Texte', { exact: true }).evaluate(
      (textarea: HTMLTextAreaElement, list: Array<{ name: string; type: string; data: string }>) => {
        const transfer = new DataTransfer()
        for (const f of list)
          transfer.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
        textarea.selectionStart = textarea.selectionEnd = textarea.value.length
        textarea.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
      },
      files.map((f) => ({ name: f.name, type: f.type, data: f.data.toString('base64') })),
    )
  }

  it('the editor says where dropped images stand (processing, then ready), and reads an error that is not JSON', async () => {
    const page = await browser.context.newPage()
    await page.goto(`${blog.url}/admin/posts/new`)
    if (page.url().includes('/login')) await signIn(page)
    const status = page.locator('#images-fieldset .upload-status')
    const body = page.getByLabel('Texte', { exact: true })

    // Two images while another image's copies are being made: each sent, inserted, then "being made", then ready.
    let release = () => {}
    void blog.app.media.copies.run(() => new Promise<void>((resolve) => (release = resolve)), 'another image')
    await drop(page, [
      { name: 'a.png', type: 'image/png', data: await makeImage(700, 500, 'png') },
      { name: 'b.jpg', type: 'image/jpeg', data: await makeImage(900, 600) },
    ])
    await expect.poll(() => body.inputValue(), { timeout: 30_000 }).toMatch(/700x500\.png[\s\S]*900x600\.jpg/)
    await expect
      .poll(() => status.textContent(), { timeout: 10_000 })
      .toContain('Tailles et formats en préparation : 1 image(s) avant celle-ci')
    release()
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('2 images prêtes : toutes leurs tailles sont faites.')

    // A proxy's own HTML 413 (nginx's client_max_body_size) or 502: a readable message, not "check the connection".
    for (const [code, message] of [
      [413, 'Ce fichier dépasse 20 Mo : réduisez-le avant de l’envoyer.'],
      [502, 'L’envoi a été refusé par le serveur (erreur 502).'],
    ] as const) {
      await page.route(`${blog.url}/admin/media`, (route) =>
        route.fulfill({
          status: code,
          contentType: 'text/html',
          body: `<html><body><center><h1>${code}</h1></center><hr><center>nginx</center></body></html>`,
        }),
      )
      await drop(page, [{ name: 'c.png', type: 'image/png', data: await makeImage(300, 200, 'png') }])
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe(message)
      expect(await status.getAttribute('class')).toContain('field-error')
      await page.unroute(`${blog.url}/admin/media`)
    }
  }, 60_000)
})
