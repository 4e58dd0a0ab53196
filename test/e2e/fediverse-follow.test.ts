/// <reference lib="dom" />
// The footer's "Follow on the fediverse" line in a real browser: with JavaScript its button copies the address
// (and says so); without, the button stays hidden and the address is text to select; on a 375 px phone a
// 30-character handle wraps instead of scrolling sideways.
import { describe, expect, it } from 'vitest'
import { axeViolations } from '../helpers/browser-checks.ts'
import { hasChromium, useBlogAndBrowser, watchPage } from '../helpers/browser.ts'

describe.skipIf(!hasChromium)('the footer’s fediverse address', () => {
  const live = useBlogAndBrowser({ demo: false })

  it('copies the address with the button, and says so', async () => {
    const handle = `@blog@${new URL(live.blog.url).host}`
    await live.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: live.blog.url })
    const page = await live.browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(live.blog.url)
    const button = page.getByRole('button', { name: 'Copier' })
    await expect.poll(() => button.isVisible()).toBe(true)
    await button.click()
    await expect.poll(() => page.locator('.copy-status').innerText()).toBe('Adresse copiée')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(handle)
    expect(await axeViolations(page)).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })

  it('without JavaScript: no button, the address is there to select', async () => {
    // The persistent context cannot turn scripts off: the script is not delivered, as if JavaScript were off.
    const page = await live.browser.context.newPage()
    await page.route(
      (url) => url.pathname.endsWith('.js'),
      (route) => route.abort(),
    )
    await page.goto(live.blog.url)
    expect(await page.locator('.fediverse-handle').innerText()).toBe(`@blog@${new URL(live.blog.url).host}`)
    expect(await page.getByRole('button', { name: 'Copier' }).isVisible()).toBe(false)
    await page.close()
  })

  it('wraps a long handle within 375 px', async () => {
    await live.blog.app.settings.update({ fediverseHandle: 'un_nom_de_blog_assez_long_123' })
    const page = await live.browser.context.newPage()
    await page.setViewportSize({ width: 375, height: 800 })
    await page.goto(live.blog.url)
    expect(await page.locator('.fediverse-handle').innerText()).toContain('@un_nom_de_blog_assez_long_123@')
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
    await page.close()
  })
})
