/// <reference lib="dom" />
// Long comments through the real form in a real browser: the browser must not cut what a person typed (a
// `maxlength` counts UTF-16 code units, so it cut 6,000 emoji to 5,000 without a word); the server counts
// characters and, over the limit, gives the whole text back with the message. An e-mail address with an
// internationalised domain goes through as typed.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { hasChromium, navigation, pathOf, screenshots, useBlogAndBrowser, watchPage } from '../helpers/browser.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'
const SUBMIT = '.comment-form button[type="submit"]'

describe.skipIf(!hasChromium)('long comments and international addresses in the real form', () => {
  const live = useBlogAndBrowser()

  /** Opens the post, types the fields (the comment as one paste, the way a long text arrives) and sends. */
  async function post(page: Page, fields: { author: string; email?: string; body: string }) {
    await page.goto(live.blog.url + (await pathOf(live.blog, POST)))
    await page.locator('#comment-author').focus()
    await page.keyboard.insertText(fields.author)
    if (fields.email) {
      await page.locator('#comment-email').focus()
      await page.keyboard.type(fields.email)
    }
    await page.locator('#comment-body').focus()
    await page.keyboard.insertText(fields.body)
    return navigation(page, () => page.locator(SUBMIT).click())
  }

  async function stored(author: string) {
    return live.blog.app.db.selectFrom('comments').selectAll().where('author_name', '=', author).execute()
  }

  const tooLong: Array<[string, string, string]> = [
    ['10,001 letters', 'x'.repeat(10_001), '10 001'],
    ['10,001 emoji', '😀'.repeat(10_001), '10 001'],
  ]
  it.each(tooLong)('%s: nothing is cut; the form comes back with the message and the whole text', async (label, body, count) => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    const author = `Trop long ${label}`
    const res = await post(page, { author, body })
    expect(res?.status()).toBe(400)
    const bodyField = page.locator('.field', { has: page.locator('#comment-body') })
    expect((await bodyField.locator('.field-error').textContent())!.replace(/\u202f/g, ' ')).toBe(
      `Votre commentaire ne doit pas dépasser 10 000 caractères (il en compte ${count}).`,
    )
    const back = await page.locator('#comment-body').inputValue()
    expect(back.length).toBe(body.length)
    expect(back === body).toBe(true)
    expect(await stored(author)).toHaveLength(0)
    if (label === '10,001 emoji') await screenshots(page, 'comment-length-too-long')
    // The browser reports the 400 itself in the console; nothing else may go wrong.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)'])
    await page.close()
  })

  const accepted: Array<[string, string]> = [
    ['6,000 emoji', '😀'.repeat(6_000)],
    ['exactly 10,000 emoji (the limit)', '🙂'.repeat(10_000)],
    ['exactly 10,000 characters mixing letters and emoji', 'é'.repeat(5_000) + '🎉'.repeat(5_000)],
  ]
  it.each(accepted)('%s: accepted and stored whole', async (label, body) => {
    const page = await live.browser.context.newPage()
    // A name of 60 emoji is 60 characters (the limit is 100) but 120 code units: it is not cut either.
    const author = `${label.slice(0, 20)} ${'🦊'.repeat(60)}`
    const res = await post(page, { author, body })
    expect(res?.status()).toBe(200)
    expect(new URL(page.url()).hash).toMatch(/^#comment-\d+$/)
    const rows = await stored(author)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.body === body).toBe(true)
    expect([...rows[0]!.body].length).toBe([...body].length)
    expect((await page.locator(`${new URL(page.url()).hash} .comment-body`).innerText()).trim() === body).toBe(true)
    await page.close()
  })

  it('an e-mail address with an internationalised domain is accepted and stored as typed', async () => {
    const page = await live.browser.context.newPage()
    const res = await post(page, { author: 'Jean', email: 'jean+blog@exämple.fr', body: 'Bonjour depuis un domaine accentué.' })
    expect(res?.status()).toBe(200)
    const rows = await stored('Jean')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.author_email).toBe('jean+blog@exämple.fr')
    await page.close()
  })
})
