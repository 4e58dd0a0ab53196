/// <reference lib="dom" />
// A commenter uses the keyboard only (Tab, Shift+Tab, typing, Enter, Space): a comment refused by the server
// comes back with the message beside the field and the text kept, is fixed and lands on the page after the
// redirect; then a reply, reached from the comment's "Répondre" link, appears nested under its parent.
import { describe, expect, it } from 'vitest'
import {
  focusedId,
  focusVisible,
  hasChromium,
  navigation,
  pathOf,
  screenshots,
  tabTo,
  watchPage,
  useBlogAndBrowser,
} from '../helpers/browser.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'
const SUBMIT = '.comment-form button[type="submit"]'

describe.skipIf(!hasChromium)('commenter flow (keyboard only)', () => {
  const live = useBlogAndBrowser()

  it('posts a comment after fixing an error, then a reply nested under its parent', async () => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    const path = await pathOf(live.blog, POST)
    await page.goto(live.blog.url + path)
    const { keyboard } = page
    const value = (id: string) => page.locator(`#${id}`).inputValue()

    // From the top of the page to the form, then field after field in order.
    await tabTo(page, '#comment-author')
    // Wherever the focus goes, a sighted keyboard user sees it.
    expect(await focusVisible(page)).toBe(true)
    await keyboard.type('Nadia')
    await keyboard.press('Tab')
    expect(await focusedId(page)).toBe('comment-email')
    // The browser accepts an address without a dot in its domain; the server does not.
    await keyboard.type('nadia@exemple')
    await keyboard.press('Tab')
    expect(await focusedId(page)).toBe('comment-url')
    await keyboard.press('Tab')
    expect(await focusedId(page)).toBe('comment-body')
    await keyboard.type('Bonne question.\nEt les sources ouvertes ?')
    // The trap field for robots is skipped: next comes "remember me", ticked with Space.
    await keyboard.press('Tab')
    expect(await focusedId(page)).toBe('comment-remember')
    expect(await focusVisible(page)).toBe(true)
    await keyboard.press('Space')
    await keyboard.press('Tab')
    expect(await page.evaluate((s) => document.activeElement!.matches(s), SUBMIT)).toBe(true)
    expect(await focusVisible(page)).toBe(true)
    const refused = await navigation(page, () => keyboard.press('Enter'))

    expect(refused?.status()).toBe(400)
    expect(new URL(page.url()).hash).toBe('#respond')
    const emailField = page.locator('.field', { has: page.locator('#comment-email') })
    expect(await emailField.locator('.field-error').textContent()).toBe('Cette adresse e-mail n’est pas valide (exemple : nom@exemple.fr).')
    expect(await page.locator('#comment-email').getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('#comment-errors').isVisible()).toBe(true)
    expect(await value('comment-author')).toBe('Nadia')
    expect(await value('comment-email')).toBe('nadia@exemple')
    expect(await value('comment-body')).toBe('Bonne question.\nEt les sources ouvertes ?')
    expect(await page.locator('#comment-remember').isChecked()).toBe(true)
    await screenshots(page, 'commenter-error')

    // The page opened at the form: the first Tab reaches the error summary, whose link leads to the field.
    await keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement!.getAttribute('href'))).toBe('#comment-email')
    await keyboard.press('Enter')
    expect(await focusedId(page)).toBe('comment-email')
    await keyboard.press('Control+A')
    await keyboard.type('nadia@exemple.fr')
    await tabTo(page, SUBMIT)
    const posted = await navigation(page, () => keyboard.press('Enter'))

    expect(posted?.status()).toBe(200)
    const hash = new URL(page.url()).hash
    expect(hash).toMatch(/^#comment-\d+$/)
    const comment = page.locator(hash)
    expect(await comment.locator('.comment-body').innerText()).toBe('Bonne question.\nEt les sources ouvertes ?')
    expect(await comment.locator('.comment-meta').innerText()).toContain('Nadia')
    expect(await inViewport(comment)).toBe(true)
    await screenshots(page, 'commenter-comment')

    // Back up the page (Shift+Tab) to Marc's comment, which comes first, and answer it.
    const marc = await page.locator('.comment-list > li > article').first().getAttribute('id')
    expect(await page.locator(`#${marc} .comment-meta`).innerText()).toContain('Marc')
    await tabTo(page, `#${marc} a.comment-reply`, { backwards: true })
    expect(await focusVisible(page)).toBe(true)
    await navigation(page, () => keyboard.press('Enter'))

    expect(await page.locator('#respond-heading').textContent()).toBe('Répondre à Marc')
    // "Remember me" filled in who is writing.
    expect(await value('comment-author')).toBe('Nadia')
    expect(await value('comment-email')).toBe('nadia@exemple.fr')
    await tabTo(page, '#comment-body')
    await keyboard.type('Des cartes satellites, oui, quand elles sont datées.')
    await tabTo(page, SUBMIT)
    await navigation(page, () => keyboard.press('Enter'))

    const replyHash = new URL(page.url()).hash
    expect(replyHash).toMatch(/^#comment-\d+$/)
    expect(replyHash).not.toBe(hash)
    const nested = page.locator(`li:has(> article#${marc}) > ol.comment-replies > li > article${replyHash}`)
    expect(await nested.count()).toBe(1)
    expect(await nested.locator('.comment-body').innerText()).toBe('Des cartes satellites, oui, quand elles sont datées.')
    expect(await inViewport(nested)).toBe(true)
    // Nadia's first comment stays a top-level comment.
    expect(await page.locator(`.comment-list > li > article${hash}`).count()).toBe(1)
    await screenshots(page, 'commenter-reply')

    // The refused post's 400 is the one thing the browser reports.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)'])
    await page.close()
  })
})

/** Whether any of the element is inside the visible part of the page. */
function inViewport(locator: import('playwright-core').Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect()
    return r.bottom > 0 && r.top < window.innerHeight && r.height > 0
  })
}
