/// <reference lib="dom" />
// An admin created with the real command line signs in, writes and publishes a post with a category, and closes
// its thread; a reader (another browser, without the admin's cookie) then finds the closed message and no form.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TITLE = 'Irak : la frontière syrienne rouverte'

/** `npm run cli -- user add <name>` on the test server's database, the password piped on stdin. */
function userAdd(blog: LiveBlog, username: string, password: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user', 'add', username], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: blog.config.databasePath, SITE_URL: blog.url, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
    child.stdin.end(`${password}\n`)
  })
}

describe.skipIf(!hasChromium)('admin flow', () => {
  let blog: LiveBlog
  let admin: Browser
  let reader: Browser
  beforeAll(async () => {
    blog = await startBlog()
    ;[admin, reader] = await Promise.all([launchBrowser(), launchBrowser()])
  })
  afterAll(async () => {
    await admin?.close()
    await reader?.close()
    await blog?.close()
  })

  it('publishes a post with a category, closes its thread, and readers see it closed', async () => {
    const created = await userAdd(blog, ADMIN.username, ADMIN.password)
    expect(created.out.trim()).toBe('Admin "claire" created.')
    expect(created.code).toBe(0)

    const page = await admin.context.newPage()
    const problems = watchPage(page)
    // The admin area sends a stranger to the sign-in page, and back after it.
    await page.goto(`${blog.url}/admin/posts/new`)
    expect(new URL(page.url()).pathname).toBe('/admin/login')
    await screenshots(page, 'admin-login')
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin/posts/new')
    expect(await page.locator('.admin-logout').innerText()).toContain('claire')

    await page.getByLabel('Titre').fill(TITLE)
    await page.getByLabel('Texte', { exact: true }).fill("Le poste-frontière d'Al-Qaïm a rouvert.\n\n## Et ensuite\n\nLe commerce reprend.")
    await page.getByRole('checkbox', { name: 'Irak' }).check()
    await screenshots(page, 'admin-new-post')
    await navigation(page, () => page.getByRole('button', { name: 'Publier maintenant' }).click())
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/posts\/\d+$/)
    expect(await page.getByRole('status').textContent()).toBe('Note enregistrée.')
    expect(await page.locator('#thread-heading').innerText()).toContain('Ouverte')
    const publicPath = await page.getByRole('link', { name: 'Voir', exact: true }).getAttribute('href')
    expect(publicPath).toMatch(/^\/archive\/\d{4}\/\d{2}\/\d{2}\/[a-z0-9-]+\.html$/)

    // Published: a reader finds it, in its category, open to comments.
    const readerPage = await reader.context.newPage()
    const readerProblems = watchPage(readerPage)
    await readerPage.goto(blog.url + publicPath)
    expect(await readerPage.locator('h1').textContent()).toBe(TITLE)
    expect(await readerPage.locator('.post-footer').getByRole('link', { name: 'Irak' }).count()).toBe(1)
    expect(await readerPage.locator('form.comment-form').count()).toBe(1)

    // The admin closes the thread from the editor.
    await navigation(page, () => page.getByRole('button', { name: `Fermer les commentaires de « ${TITLE} »` }).click())
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/posts\/\d+$/)
    expect(await page.locator('#thread-heading').innerText()).toContain('Fermée')
    await screenshots(page, 'admin-thread-closed')
    expect(problems).toEqual([])
    await page.close()

    // The reader's page now says so, and has no form.
    await readerPage.reload()
    expect(await readerPage.getByText('Les commentaires sont fermés.').isVisible()).toBe(true)
    expect(await readerPage.locator('form.comment-form, #respond').count()).toBe(0)
    expect(await readerPage.context().cookies()).toEqual([])
    await screenshots(readerPage, 'admin-reader-closed')
    expect(readerProblems).toEqual([])
    await readerPage.close()
  })
})
