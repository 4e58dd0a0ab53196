/// <reference lib="dom" />
// A double click on "Publier le commentaire" (issue 30): the browser sends the form twice and shows the answer to
// the second request. The comment is stored once, and the commenter ends on the post page with their comment,
// not on a page saying it was already sent, as if it had failed.
import { describe, expect, it } from 'vitest'
import { hasChromium, pathOf, useBlogAndBrowser, watchPage } from '../helpers/browser.ts'

const POST = 'Questions de lecteurs : comment vérifier une information ?'
const TEXT = 'Un commentaire envoyé d’un double clic.'

describe.skipIf(!hasChromium)('a double click on the comment form', () => {
  /** What the server answered each comment post, in order. */
  const answers: number[] = []
  const live = useBlogAndBrowser({
    beforeReady: (app) => {
      // A server a little slow to answer, as over a phone's connection: the comment is stored, and its answer
      // is still on its way when the second click sends the form again (a second click before the first post
      // has left only replaces it). The browser drops the first answer and shows the second.
      app.addHook('onSend', async (request, reply) => {
        if (request.method !== 'POST') return
        answers.push(reply.statusCode)
        await new Promise((resolve) => setTimeout(resolve, 500))
      })
    },
  })

  it('stores the comment once and ends on the post page showing it', async () => {
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    const path = await pathOf(live.blog, POST)
    await page.goto(live.blog.url + path)
    await page.locator('#comment-author').fill('Double')
    await page.locator('#comment-body').fill(TEXT)
    // A person's double click: each press lasts 80 ms.
    await page.locator('.comment-form button[type="submit"]').dblclick({ delay: 80 })
    // Where the page ends, not one navigation: the second post aborts the first's (net::ERR_ABORTED), and
    // waitForURL fails when the navigation it watches is the aborted one.
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/#comment-\d+$/)
    await page.waitForLoadState('load')
    await page.waitForLoadState('networkidle')

    const url = new URL(page.url())
    expect(url.pathname).toBe(path)
    const id = Number(url.hash.slice('#comment-'.length))
    const rows = await live.blog.app.db.selectFrom('comments').select(['id', 'body']).where('body', '=', TEXT).execute()
    expect(rows).toEqual([{ id, body: TEXT }])
    expect(await page.locator(`#comment-${id}`).innerText()).toContain(TEXT)
    expect(await page.locator('main').innerText()).not.toContain('Vous avez déjà envoyé ce commentaire')
    // Both clicks reached the server, and both were answered with the way to the comment.
    expect(answers).toEqual([303, 303])
    expect(problems).toEqual([])
    await page.close()
  })
})
