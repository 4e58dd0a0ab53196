/// <reference lib="dom" />
// Another site cannot sign the admin out. A page on another site (localhost is another site than 127.0.0.1)
// posts a form to the admin's sign-out address: the browser sends no session cookie with it (SameSite=Lax), so
// the blog refuses it; the refusal must not set a cookie either, or the browser would replace the admin's.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { ADMIN, hasChromium, navigation, signIn, useBlogAndBrowser } from '../helpers/browser.ts'

describe.skipIf(!hasChromium)('a cross-site form aimed at the admin', () => {
  const live = useBlogAndBrowser()
  let evil: Server
  let evilUrl = ''
  beforeAll(async () => {
    await createUser(live.blog.app.db, ADMIN.username, ADMIN.password)
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(`<!DOCTYPE html><html lang="en"><title>Win a prize</title>
<form method="post" action="${live.blog.url}/admin/logout"><button>Claim</button></form>
<form method="post" action="${live.blog.url}/admin/posts/1/thread"><input type="hidden" name="open" value="1"><button>Reopen</button></form>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`
  })
  afterAll(async () => {
    // The browser, still open, keeps its connections alive: close them, or close() waits for them.
    evil?.closeAllConnections()
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()))
  })

  it('is refused, and the admin stays signed in with the same cookie', async () => {
    const page = await live.browser.context.newPage()
    await page.goto(`${live.blog.url}/admin/login`)
    await signIn(page)
    expect(new URL(page.url()).pathname).toBe('/admin')
    const session = async () => (await live.browser.context.cookies(live.blog.url)).find((c) => c.name === 'carnet_session')?.value
    const before = await session()
    expect(before).toBeTruthy()

    for (const button of ['Claim', 'Reopen']) {
      await page.goto(evilUrl)
      const refused = await navigation(page, () => page.getByRole('button', { name: button }).click())
      expect(refused?.status(), button).toBe(401)
      expect(await refused?.headerValue('set-cookie'), button).toBeNull()
      expect(await session(), button).toBe(before)
    }

    await page.goto(`${live.blog.url}/admin`)
    expect(new URL(page.url()).pathname).toBe('/admin')
    expect(await page.locator('.admin-logout').innerText()).toContain('claire')
    // Nothing the forms asked for happened.
    const post = await live.blog.app.db.selectFrom('posts').select('comments_open').where('id', '=', 1).executeTakeFirstOrThrow()
    expect(post.comments_open).toBe(0) // the seed post's thread stays closed
    expect((await live.blog.app.db.selectFrom('revoked_sessions').selectAll().execute()).length).toBe(0)
  })
})
