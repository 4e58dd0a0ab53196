/// <reference lib="dom" />
// The classic theme (themes/classic) in a real browser, as the default look is tested: the post page shows the
// date band above the post and the sidebar on the left, a reader comments and replies without JavaScript, every
// page passes axe and html-validate, nothing scrolls sideways at 375 px, Lighthouse judges it as the default.
// Switching back (THEME_DIR unset) gives Carnet's own look.
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../src/lib/root.ts'
import { SEED_PATH } from '../helpers/app.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { hasChromium, navigation, pathOf, screenshots, useBlogAndBrowser, watchPage } from '../helpers/browser.ts'

const CLASSIC = join(PROJECT_ROOT, 'themes', 'classic')
const OPEN_POST = 'Questions de lecteurs : comment vérifier une information ?'

const PAGES: Array<[string, string, number]> = [
  ['home', '/', 200],
  ['home page 2', '/?page=2', 200],
  ['post, closed thread', SEED_PATH, 200],
  ['category', '/category/syrie', 200],
  ['month archive', '/archive/2017/10/', 200],
  ['search results', '/search?q=Syrie', 200],
  ['not found', '/nowhere', 404],
]

async function box(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox()
  if (!b) throw new Error(`${selector} is not visible`)
  return b
}

const sidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

describe.skipIf(!hasChromium)('the classic theme in a browser', () => {
  const live = useBlogAndBrowser({ env: { THEME_DIR: CLASSIC } })

  it('shows the date band above the post and the sidebar on the left; on a phone, one column', async () => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(live.blog.url + SEED_PATH)
    // The theme's stylesheet is loaded (its banner is navy).
    expect(await page.locator('.site-header').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(31, 58, 95)')
    const date = await box(page, '.post-full .post-date')
    const title = await box(page, '.post-full .post-title')
    expect(await page.locator('.post-full .post-date').textContent()).toBe('01/10/2017')
    expect(date.y + date.height).toBeLessThanOrEqual(title.y)
    // A band: as wide as the post, with its own background.
    expect(date.width).toBeGreaterThan(title.width * 0.9)
    expect(await page.locator('.post-full .post-date').evaluate((e) => getComputedStyle(e).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)')
    const sidebar = await box(page, '.sidebar')
    const main = await box(page, 'main')
    expect(sidebar.x + sidebar.width).toBeLessThanOrEqual(main.x)
    expect(sidebar.y).toBeLessThan(main.y + 100)
    expect(await page.locator('.post-footer p').first().textContent()).toContain('19:08 Publié dans')
    await screenshots(page, 'theme-classic-post')

    await page.setViewportSize({ width: 375, height: 800 })
    for (const [name, path] of [
      ...PAGES.map(([n, p]) => [n, p] as const),
      ['post, open thread', await pathOf(live.blog, OPEN_POST)] as const,
    ]) {
      await page.goto(live.blog.url + path)
      expect(await sidewaysScroll(page), name).toBeLessThanOrEqual(0)
    }
    await page.goto(live.blog.url + SEED_PATH)
    // One column: the sidebar after the post.
    expect((await box(page, '.sidebar')).y).toBeGreaterThan((await box(page, 'main')).y)
    expect(problems.filter((p) => !p.includes('status of 404'))).toEqual([])
    await page.close()
  })

  it('a reader comments, then replies, without JavaScript', async () => {
    const page = await live.browser.context.newPage()
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true })
    const path = await pathOf(live.blog, OPEN_POST)
    await page.goto(live.blog.url + path)
    await page.locator('#comment-author').fill('Odile')
    await page.locator('#comment-body').fill('Un commentaire sous le thème classique.')
    await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    const mine = page.locator('.classic-comment', { hasText: 'Un commentaire sous le thème classique.' })
    await expect.poll(() => mine.count()).toBe(1)
    expect(await mine.locator('.comment-meta').textContent()).toMatch(/^Écrit par : Odile \| \d\d\/\d\d\/\d{4}/)

    await navigation(page, () => mine.locator('.comment-reply').click())
    expect(await page.locator('#respond-heading').textContent()).toContain('Odile')
    await page.locator('#comment-author').fill('Paul')
    await page.locator('#comment-body').fill('Une réponse à Odile.')
    await navigation(page, () => page.locator('.comment-form button[type="submit"]').click())
    const reply = page.locator('.comment-replies .classic-comment', { hasText: 'Une réponse à Odile.' })
    await expect.poll(() => reply.count()).toBe(1)
    expect(await reply.locator('.comment-meta').textContent()).toMatch(/^Écrit par : Paul/)
    await screenshots(page, 'theme-classic-comments')
    await page.close()
  })

  it('every page has no axe violation and valid HTML', async () => {
    const page = await live.browser.context.newPage()
    const open = await pathOf(live.blog, OPEN_POST)
    for (const [name, path, status] of [
      ...PAGES,
      ['post, open thread', open, 200] as const,
      ['replying', `${open}?reply=5`, 200] as const,
    ]) {
      const res = await page.goto(live.blog.url + path)
      expect(res?.status(), name).toBe(status)
      expect(await axeViolations(page), name).toEqual([])
      expect(await htmlErrors(await (await fetch(live.blog.url + path)).text(), name), name).toEqual([])
    }
    await page.close()
  })

  it('Lighthouse: accessibility, best practices and SEO at 95 or more on the phone profile', { timeout: 180_000 }, async () => {
    const { default: lighthouse } = await import('lighthouse')
    const chromeLauncher = await import('chrome-launcher')
    const { CHROMIUM, CHROMIUM_FLAGS } = await import('../helpers/browser.ts')
    const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS] })
    try {
      for (const path of [SEED_PATH, await pathOf(live.blog, OPEN_POST)]) {
        const lhr = (
          await lighthouse(live.blog.url + path, {
            port: chrome.port,
            output: 'json',
            logLevel: 'error',
            formFactor: 'mobile',
            onlyCategories: ['accessibility', 'best-practices', 'seo'],
          })
        )?.lhr
        expect(lhr?.runtimeError, path).toBeUndefined()
        for (const category of ['accessibility', 'best-practices', 'seo']) {
          const failing = Object.values(lhr!.audits)
            .filter(
              (a) => a.score !== null && a.score < 1 && lhr!.categories[category]!.auditRefs.some((r) => r.id === a.id && r.weight > 0),
            )
            .map((a) => a.id)
          expect(Math.round(lhr!.categories[category]!.score! * 100), `${path} ${category}: ${failing.join(', ')}`).toBeGreaterThanOrEqual(
            95,
          )
        }
      }
    } finally {
      chrome.kill()
    }
  })
})

describe.skipIf(!hasChromium)('THEME_DIR unset', () => {
  const live = useBlogAndBrowser()

  it("gives Carnet's own look back: the sidebar on the right, no theme stylesheet", async () => {
    const page = await live.browser.context.newPage()
    await page.goto(live.blog.url + SEED_PATH)
    expect(await page.locator('link[href^="/theme/"]').count()).toBe(0)
    expect(await page.locator('.classic-banner').count()).toBe(0)
    const sidebar = await box(page, '.sidebar')
    const main = await box(page, 'main')
    expect(sidebar.x).toBeGreaterThanOrEqual(main.x + main.width)
    expect(await page.locator('.site-footer').textContent()).not.toContain('thème classique')
    await page.close()
  })
})
