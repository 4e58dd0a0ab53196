// The admin's comment list says where each comment came from (its origin, a remote author's handle, a link to
// the original) and filters by origin (?origin=fediverse), keeping the filter through tabs and actions.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { openPost, send } from '../helpers/comments.ts'
import { receiveRemoteComment } from '../../src/comments/remote.ts'

let blog: TestBlog
let admin: AdminClient
beforeAll(async () => {
  blog = await buildTestApp({ demo: false, env: { COMMENT_RATE_LIMIT: '0' } })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
})
afterAll(() => blog.close())

it('shows the origin, handle and original of remote comments, and filters by origin', async () => {
  await blog.app.settings.update({ moderation: 'all' })
  const post = await openPost(blog)
  await send(blog, post.url, { author: 'Camille', body: 'Par le formulaire, à modérer.' })
  const stored = await receiveRemoteComment(blog.app, {
    postId: post.id,
    parentId: null,
    origin: 'fediverse',
    originUrl: 'https://mastodon.example/users/alice/statuses/9',
    permalink: 'https://mastodon.example/@alice/9',
    author: { name: 'Alice', url: null, actor: 'https://mastodon.example/users/alice', handle: '@alice@mastodon.example' },
    text: 'Du fédivers, à modérer.',
  })
  expect(stored).toMatchObject({ kind: 'stored', status: 'pending' })
  const id = (stored as { id: number }).id

  const all = await admin.get('/admin/comments')
  const text = visibleText(mainOf(all.body))
  expect(text).toContain('Par le formulaire, à modérer.')
  expect(text).toContain('Alice · @alice@mastodon.example · Fédivers (original)')
  expect(all.body).toContain('<a href="https://mastodon.example/@alice/9" rel="nofollow ugc noopener">original</a>')
  expect(await htmlErrors(all.body, 'admin-comments-origins')).toEqual([])

  const fediverse = await admin.get('/admin/comments?origin=fediverse')
  expect(visibleText(mainOf(fediverse.body))).toContain('Du fédivers, à modérer.')
  expect(visibleText(mainOf(fediverse.body))).not.toContain('Par le formulaire')
  expect(fediverse.body).toContain('<option value="fediverse" selected>')
  expect(fediverse.body).toContain('href="/admin/comments?status=approved&amp;origin=fediverse"')
  const form = await admin.get('/admin/comments?origin=form')
  expect(visibleText(mainOf(form.body))).not.toContain('Du fédivers')
  // An unknown origin is no filter, not an error.
  expect((await admin.get('/admin/comments?origin=carrier-pigeon')).statusCode).toBe(200)

  const approved = await admin.post('/admin/comments', { status: 'pending', origin: 'fediverse', row: `approve:${id}` })
  expect(approved.statusCode).toBe(303)
  expect(approved.headers.location).toBe('/admin/comments?status=pending&origin=fediverse&done=1')
  await blog.app.settings.update({ moderation: 'none' })
})

it('offers showReactions on the settings page (shown by default), saves it, and refuses a bad value keeping the rest', async () => {
  const page = await admin.get('/admin/settings')
  expect(page.body).toContain('<input type="radio" name="showReactions" value="true" checked>')
  expect(visibleText(mainOf(page.body))).toContain('Réactions venues d’ailleurs (fédivers, webmentions)')
  const form = Object.fromEntries(Object.entries({ ...blog.app.settings.get() }).map(([k, v]) => [k, String(v)]))
  const bad = await admin.post('/admin/settings', { ...form, showReactions: 'peut-être' })
  expect(bad.statusCode).toBe(400)
  expect(blog.app.settings.get().showReactions).toBe(true)
  const off = await admin.post('/admin/settings', { ...form, showReactions: 'false' })
  expect(off.statusCode).toBe(303)
  expect(blog.app.settings.get().showReactions).toBe(false)
  expect((await admin.get('/admin/settings')).body).toContain('<input type="radio" name="showReactions" value="false" checked>')
  // A form without the field (from before it existed) shows them again, the default.
  const { showReactions: _omitted, ...without } = form
  expect((await admin.post('/admin/settings', without)).statusCode).toBe(303)
  expect(blog.app.settings.get().showReactions).toBe(true)
})
