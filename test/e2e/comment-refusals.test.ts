/// <reference lib="dom" />
// What a commenter sees when the blog cannot take a comment: the thread closed meanwhile (403, the text given
// back to keep), a full database (503 with Retry-After, the form as typed), too many comments (429, the form
// as typed). Each page passes html-validate and axe. The three tests run in this order: the rate limit (3 a
// minute) counts the earlier ones.
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { hasChromium, navigation, pathOf, screenshots, useBlogAndBrowser } from '../helpers/browser.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'
const SUBMIT = '.comment-form button[type="submit"]'

/**
 * A full disk: the SQLite file may not grow by one more page (browser tests run on SQLite only, test/projects.ts;
 * PostgreSQL's full disk is test/reader/comments-full-disk-postgres.test.ts).
 */
function fillDisk(app: FastifyInstance) {
  app.sqlite.pragma(`max_page_count = ${app.sqlite.pragma('page_count', { simple: true })}`)
}

function emptyDisk(app: FastifyInstance) {
  app.sqlite.pragma('max_page_count = 1073741823')
}

describe.skipIf(!hasChromium)('refused comments in the browser', () => {
  const live = useBlogAndBrowser({ env: { COMMENT_RATE_LIMIT: '3' } })

  async function fill(page: Page, author: string, body: string) {
    await page.goto(live.blog.url + (await pathOf(live.blog, POST)))
    await page.locator('#comment-author').fill(author)
    await page.locator('#comment-body').fill(body)
  }

  async function expectClean(page: Page, html: string, name: string) {
    expect(await htmlErrors(html, name)).toEqual([])
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, `comment-refusals-${name}`)
  }

  it('a thread closed while the comment was written: 403, the text given back to keep, no form', async () => {
    const page = await live.browser.context.newPage()
    const body = 'J’écrivais encore quand le fil a été fermé.'
    await fill(page, 'Retardataire', body)
    await live.blog.app.db.updateTable('posts').set({ comments_open: 0 }).where('title', '=', POST).execute()
    try {
      const res = await navigation(page, () => page.locator(SUBMIT).click())
      expect(res?.status()).toBe(403)
      expect(await page.locator('.comments-closed').innerText()).toBe('Les commentaires sont fermés.')
      expect(await page.locator('#comment-unsent').inputValue()).toBe(body)
      expect(await page.locator('.comment-form').count()).toBe(0)
      await expectClean(page, await res!.text(), 'closed')
    } finally {
      await live.blog.app.db.updateTable('posts').set({ comments_open: 1 }).where('title', '=', POST).execute()
    }
    await page.close()
  })
  it('a full database: 503, Retry-After, the form as typed with the message; the page still reads', async () => {
    const page = await live.browser.context.newPage()
    const body = 'Un commentaire écrit pendant que le disque se remplissait.\n'.repeat(60)
    await fill(page, 'Disque plein', body)
    fillDisk(live.blog.app)
    try {
      const res = await navigation(page, () => page.locator(SUBMIT).click())
      expect(res?.status()).toBe(503)
      expect(Number(await res!.headerValue('retry-after'))).toBeGreaterThan(0)
      expect(await page.locator('#comment-errors').innerText()).toContain('Votre commentaire n’a pas pu être enregistré')
      expect(await page.locator('#comment-author').inputValue()).toBe('Disque plein')
      expect((await page.locator('#comment-body').inputValue()) === body).toBe(true)
      await expectClean(page, await res!.text(), 'full-database')
      // Readers are not affected while the database is full.
      for (const path of ['/', await pathOf(live.blog, POST)])
        expect((await page.request.get(live.blog.url + path)).status(), path).toBe(200)
    } finally {
      emptyDisk(live.blog.app)
    }
    // Sent again once there is room: it is published.
    const posted = await navigation(page, () => page.locator(SUBMIT).click())
    expect(posted?.status()).toBe(200)
    expect(new URL(page.url()).hash).toMatch(/^#comment-\d+$/)
    await page.close()
  })

  it('too many comments: 429, Retry-After, the form as typed with the message', async () => {
    const page = await live.browser.context.newPage()
    let res
    for (let n = 1; n <= 3; n++) {
      await fill(page, 'Pressé', `Commentaire pressé numéro ${n}.`)
      res = await navigation(page, () => page.locator(SUBMIT).click())
      if (res?.status() === 429) break
    }
    expect(res?.status()).toBe(429)
    expect(Number(await res!.headerValue('retry-after'))).toBeGreaterThan(0)
    expect(await page.locator('#comment-errors').innerText()).toContain('Vous avez envoyé trop de commentaires en peu de temps')
    expect(await page.locator('#comment-body').inputValue()).toMatch(/^Commentaire pressé numéro \d\.$/)
    await expectClean(page, await res!.text(), 'too-many')
    await page.close()
  })
})
