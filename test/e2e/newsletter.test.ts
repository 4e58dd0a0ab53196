// The subscribe form in a real browser: the /subscribe page, its answer with errors, and the sidebar's form on
// the home page pass axe-core and html-validate, fit a 375 px phone without sideways scrolling, and subscribing
// works with JavaScript off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { axeViolations, htmlErrors } from '../helpers/browser-checks.ts'
import { hasChromium, launchBrowser, navigation, startBlog, type Browser, type LiveBlog } from '../helpers/browser.ts'
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts'

let smtp: TestSmtp
let blog: LiveBlog

beforeAll(async () => {
  smtp = await startSmtp()
  blog = await startBlog({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'carnet@blog.test' } })
})
afterAll(async () => {
  await blog?.close()
  await smtp?.stop()
})

describe('valid HTML', () => {
  it('the subscribe page, its answer with errors and the home page with the sidebar form validate', async () => {
    const page = await (await fetch(`${blog.url}/subscribe`)).text()
    expect(await htmlErrors(page, 'subscribe')).toEqual([])
    const home = await (await fetch(`${blog.url}/`)).text()
    expect(home).toContain('id="sidebar-subscribe-email"')
    expect(await htmlErrors(home, 'home with the subscribe form')).toEqual([])
    const refused = await fetch(`${blog.url}/subscribe`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'nadia@exemple', name: 'Nadia', cadence: 'weekly' }),
    })
    expect(refused.status).toBe(400)
    expect(await htmlErrors(await refused.text(), 'subscribe with errors')).toEqual([])
  })
})

describe.skipIf(!hasChromium)('in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(() => browser?.close())

  it('has no axe violation and fits a 375 px phone, on the subscribe page and the home page', async () => {
    const page = await browser.context.newPage()
    await page.setViewportSize({ width: 375, height: 800 })
    for (const path of ['/subscribe', '/']) {
      await page.goto(blog.url + path)
      expect(await axeViolations(page), path).toEqual([])
      const wide = await page.evaluate(() => document.scrollingElement!.scrollWidth)
      expect(wide, path).toBeLessThanOrEqual(375)
    }
    await page.close()
  })

  it('subscribes from the sidebar with JavaScript off', async () => {
    const page = await browser.context.newPage()
    const cdp = await browser.context.newCDPSession(page)
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true })
    await page.goto(blog.url + '/')
    await page.locator('#sidebar-subscribe-email').fill('lea@example.org')
    await page.getByLabel('un résumé par semaine').check()
    const res = await navigation(page, () => page.locator('.subscribe-form button[type="submit"]').click())
    expect(res?.status()).toBe(200)
    expect(await page.locator('h1').innerText()).toBe('Vérifiez votre boîte aux lettres')
    await blog.app.mail.deliverNow()
    const [mail] = await smtp.waitFor(1)
    expect(mail!.to).toEqual(['lea@example.org'])
    await page.close()
  })
})
