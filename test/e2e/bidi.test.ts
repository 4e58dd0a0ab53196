/// <reference lib="dom" />
// A comment by `علي 2` in Arabic, as a reader sees it: the meta line still reads "Écrit par : علي 2 | <date>"
// from left to right (the name is not glued to the date's digits, which would put the date before the name),
// and the comment's text runs right to left. The markup behind it is checked in test/bidi.test.ts.
import { beforeAll, describe, expect, it } from 'vitest'
import { addRtlContent, RTL } from '../helpers/rtl-content.ts'
import { hasChromium, pathOf, useBlogAndBrowser } from '../helpers/browser.ts'
import { PHONE } from '../helpers/targets.ts'

describe.skipIf(!hasChromium)('right-to-left text in the browser', () => {
  const live = useBlogAndBrowser()
  beforeAll(() => addRtlContent(live.blog.app))

  for (const viewport of [PHONE, { width: 1280, height: 900 }]) {
    it(`a comment by ${RTL.author}: name before date, body right to left (${viewport.width} px)`, async () => {
      const page = await live.browser.context.newPage()
      await page.setViewportSize(viewport)
      await page.goto(live.blog.url + (await pathOf(live.blog, RTL.title)))
      const comment = page.locator('.comment', { hasText: RTL.comment })
      const meta = comment.locator('.comment-meta')
      await expect.poll(() => meta.count()).toBe(1)
      const name = (await meta.locator('.comment-author').boundingBox())!
      const date = (await meta.locator('.comment-date').boundingBox())!
      // One line, the name wholly left of the date, as in every other comment of this left-to-right page.
      expect(Math.abs(name.y + name.height / 2 - (date.y + date.height / 2))).toBeLessThan(2)
      expect(name.x + name.width).toBeLessThanOrEqual(date.x)
      // The "|" between them sits between them too.
      const order = await meta.evaluate((p) => {
        const range = document.createRange()
        const text = Array.from(p.childNodes).find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.includes('|'))!
        const bar = text.textContent!.indexOf('|')
        range.setStart(text, bar)
        range.setEnd(text, bar + 1)
        return range.getBoundingClientRect().x
      })
      expect(order).toBeGreaterThan(name.x + name.width - 1)
      expect(order).toBeLessThan(date.x + 1)
      const body = comment.locator('.comment-body')
      expect(await body.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl')
      // Right to left also means right-aligned: the text's first line ends at the right edge of its block.
      const line = await body.locator('p').evaluate((p) => {
        const range = document.createRange()
        range.selectNodeContents(p)
        const text = range.getBoundingClientRect()
        const box = p.getBoundingClientRect()
        return { textRight: text.right, boxRight: box.right }
      })
      expect(Math.abs(line.textRight - line.boxRight)).toBeLessThan(2)
      await page.close()
    })
  }
})
