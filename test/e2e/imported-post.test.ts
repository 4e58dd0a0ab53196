// An imported WordPress post (HTML with WordPress's paragraphs, a caption shortcode, threaded comments, Arabic
// and emoji) renders as valid HTML with no accessibility violation, like every other page.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { hasChromium, launchBrowser, startBlog, type Browser, type LiveBlog } from '../helpers/browser.ts'
import { OWN } from '../helpers/transfer.ts'

describe('an imported post', () => {
  let blog: LiveBlog
  let path: string
  beforeAll(async () => {
    blog = await startBlog({ demo: false })
    await importWxr(blog.app.db, join(OWN, 'threads.xml'), { timeZone: 'Europe/Paris', anonymous: 'Anonyme' })
    const post = await blog.app.db.selectFrom('posts').selectAll().where('slug', '=', 'arrivee-a-palmyre').executeTakeFirstOrThrow()
    path = postPath(post, 'Europe/Paris')
  })
  afterAll(() => blog?.close())

  it('validates with no error', async () => {
    const res = await fetch(blog.url + path)
    expect(res.status).toBe(200)
    expect(await htmlErrors(await res.text(), 'imported post')).toEqual([])
  })

  describe.skipIf(!hasChromium)('in Chromium', () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(() => browser?.close())

    it('has no axe violation', async () => {
      const page = await browser.context.newPage()
      await page.goto(blog.url + path)
      expect(await page.locator('main').innerText()).toContain('Les colonnes')
      expect(await axeViolations(page)).toEqual([])
      await page.close()
    })
  })
})
