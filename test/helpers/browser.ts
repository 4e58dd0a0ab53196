/// <reference lib="dom" />
// Browser tests: Debian's Chromium driven by playwright-core (no test tool downloads a browser), against the
// real server on a free port with a fresh database.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { postPath } from '../../src/lib/urls.ts'
import { buildTestApp, type TestBlog } from './app.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const SCREENSHOTS = fileURLToPath(new URL('../e2e/screenshots/', import.meta.url))
export const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'carnet-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: VIEWPORTS.desktop,
    locale: 'fr-FR',
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
}

export interface LiveBlog extends TestBlog {
  url: string
}

/** The real app listening on a free port, with a fresh database (demo content unless told otherwise). */
export async function startBlog(options: Parameters<typeof buildTestApp>[0] = {}): Promise<LiveBlog> {
  // SITE_URL must be the address the browser uses, for canonical links and same-origin checks: pick the port first.
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const blog = await buildTestApp({ ...options, env: { SITE_URL: url, COMMENT_RATE_LIMIT: '0', ...options.env } })
  await blog.app.listen({ port, host: '127.0.0.1' })
  return { ...blog, url }
}

async function freePort(): Promise<number> {
  const net = await import('node:net')
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/**
 * A fresh blog and a browser for the describe block that calls it, closed after it. The fields are set once the
 * block's tests start: read them inside the tests (`live.blog.url`), not while the block is being declared.
 */
export function useBlogAndBrowser(options: Parameters<typeof startBlog>[0] = {}): { blog: LiveBlog; browser: Browser } {
  const live = {} as { blog: LiveBlog; browser: Browser }
  beforeAll(async () => {
    live.blog = await startBlog(options)
    live.browser = await launchBrowser()
  })
  afterAll(async () => {
    await live.browser?.close()
    await live.blog?.close()
  })
  return live
}

/** Saves the page at a phone and a desktop width. */
export async function screenshots(page: Page, name: string): Promise<void> {
  // For a person to look at; CI keeps none of them (27 a run, each at two widths: ~20 s of a CI run).
  if (process.env.CI && !process.env.SCREENSHOTS) return
  mkdirSync(SCREENSHOTS, { recursive: true })
  const original = page.viewportSize() ?? VIEWPORTS.desktop
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size)
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true })
  }
  await page.setViewportSize(original)
}

/** Collects uncaught page errors and dialogs (an XSS payload that runs opens one). */
export function watchPage(page: Page) {
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })
  return problems
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until the focused element matches `selector`, as a keyboard user
 * would; fails when it is not reached within `max` presses (so an unreachable control is a failure).
 */
export async function tabTo(page: Page, selector: string, options: { backwards?: boolean; max?: number } = {}): Promise<void> {
  const key = options.backwards ? 'Shift+Tab' : 'Tab'
  for (let i = 0; i < (options.max ?? 100); i++) {
    await page.keyboard.press(key)
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return
  }
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120) ?? 'nothing')
  throw new Error(`${selector} not reached with ${key} (focus is on ${focused})`)
}

/** The focused element's id. */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? '')
}

/** The public address of a post, by title. */
export async function pathOf(blog: LiveBlog, title: string): Promise<string> {
  const row = await blog.app.db.selectFrom('posts').select(['slug', 'published_at']).where('title', '=', title).executeTakeFirstOrThrow()
  return postPath(row, blog.app.settings.get().timezone)
}

/** Runs `action` (a key press, a click) and waits for the page it leads to; returns that page's response. */
export async function navigation(page: Page, action: () => Promise<void>) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()])
  return response
}

/** Whether the focused element shows a focus ring (an outline or a box-shadow) that a sighted keyboard user sees. */
export function focusVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement
    if (!el || el === document.body || !el.matches(':focus-visible')) return false
    const style = getComputedStyle(el)
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none'
  })
}

/** The admin the browser tests sign in as. */
export const ADMIN = { username: 'claire', password: 'une phrase de passe assez longue' } as const

/** Creates `ADMIN` and a comment waiting for moderation, so the admin pages show their rows and buttons. */
export async function addAdminAndPendingComment(blog: LiveBlog): Promise<void> {
  await createUser(blog.app.db, ADMIN.username, ADMIN.password)
  await blog.app.db
    .insertInto('comments')
    .values({
      post_id: 2,
      parent_id: null,
      author_name: 'Lina',
      body: 'Un commentaire qui attend.',
      status: 'pending',
      created_at: new Date().toISOString(),
    })
    .execute()
}

/** Fills the sign-in form `page` shows as `ADMIN` (with another password to fail) and sends it; returns the response. */
export async function signIn(page: Page, password: string = ADMIN.password) {
  await page.getByLabel("Nom d'utilisateur").fill(ADMIN.username)
  await page.getByLabel('Mot de passe').fill(password)
  return navigation(page, () => page.getByRole('button', { name: 'Se connecter' }).click())
}
