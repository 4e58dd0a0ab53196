// The admin's media page: every image with what it is and where it is used; alt text edited; deletion refused
// while a post uses it unless confirmed, and then every file of the image gone.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { makeImage } from '../helpers/images.ts'
import { multipart } from '../helpers/multipart.ts'

let blog: TestBlog
afterEach(() => blog?.close())

async function setUp(): Promise<{ admin: AdminClient; name: string; id: number }> {
  blog = await buildTestApp({ demo: false })
  await createAdmin(blog.app)
  const admin = await signedIn(blog.app)
  await admin.get('/admin/media')
  // The page's own form, without JavaScript: token first, then the alt text, then the file.
  const { payload, contentType } = multipart([
    ['_csrf', admin.csrf],
    ['imageAlt', 'Vue du Vieux-Port'],
    ['images', { filename: 'port.jpg', type: 'image/jpeg', data: await makeImage(1000, 750) }],
  ])
  const res = await blog.app.inject({
    method: 'POST',
    url: '/admin/media',
    payload,
    headers: { 'content-type': contentType, cookie: admin.cookie },
  })
  expect(res.statusCode, res.body).toBe(303)
  expect(res.headers.location).toBe('/admin/media?done=added')
  const row = await blog.app.db.selectFrom('media').selectAll().executeTakeFirstOrThrow()
  // Its other sizes and formats, made in the background (test/admin/media-progress.test.ts).
  await blog.app.media.settled()
  return { admin, name: row.name, id: row.id }
}

describe('the media page', () => {
  it('lists each image with its thumbnail, dimensions, size, alt text and the posts that use it', async () => {
    const { admin, name } = await setUp()
    await admin.post('/admin/posts', { title: 'Le port', body: `![Vue du Vieux-Port](/media/${name})`, action: 'publish' })
    const res = await admin.get('/admin/media')
    expect(res.statusCode).toBe(200)
    expect(res.body).toMatch(new RegExp(`<img src="/media/${name.slice(0, 32)}-480w.jpg" alt="Vue du Vieux-Port" width="480" height="360"`))
    const text = visibleText(res.body)
    expect(text).toContain('1000 × 750')
    expect(text).toMatch(/\d+(,\d)? ko/)
    expect(text).toContain(`![Vue du Vieux-Port](/media/${name})`)
    expect(text).toContain('Utilisée dans Le port')
    expect(res.body).toContain('value="Vue du Vieux-Port"')
  })

  it('saves a new alt text, or marks the image decorative', async () => {
    const { admin, id } = await setUp()
    const res = await admin.post(`/admin/media/${id}`, { alt: '  Le Vieux-Port au matin  ' })
    expect(res.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('media').select(['alt', 'decorative']).executeTakeFirstOrThrow()).toEqual({
      alt: 'Le Vieux-Port au matin',
      decorative: 0,
    })
    await admin.post(`/admin/media/${id}`, { alt: 'ignored', decorative: '1' })
    expect(await blog.app.db.selectFrom('media').select(['alt', 'decorative']).executeTakeFirstOrThrow()).toEqual({
      alt: '',
      decorative: 1,
    })
    const tooLong = await admin.post(`/admin/media/${id}`, { alt: 'x'.repeat(1001) })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.body).toContain('Texte alternatif trop long')
    const actions = await blog.app.db.selectFrom('audit_log').select('action').where('action', 'like', 'media.%').execute()
    expect(actions.map((a) => a.action)).toEqual(['media.upload', 'media.alt', 'media.alt'])
  })

  it('refuses to delete an image a post uses unless confirmed; then removes its row and every file', async () => {
    const { admin, name, id } = await setUp()
    await admin.post('/admin/posts', { title: 'Le port', body: `![x](/media/${name})`, action: 'draft' })
    const confirm = await admin.get(`/admin/media/${id}/delete`)
    expect(confirm.statusCode).toBe(200)
    expect(visibleText(confirm.body)).toContain('utilisée dans 1 note(s)')
    const refused = await admin.post(`/admin/media/${id}/delete`)
    expect(refused.statusCode).toBe(409)
    expect(await blog.app.db.selectFrom('media').select('id').execute()).toHaveLength(1)
    const files = readdirSync(blog.config.mediaDir)
    expect(files.length, '480, 960 and 1000 px in AVIF, WebP and JPEG').toBe(9)
    const done = await admin.post(`/admin/media/${id}/delete`, { force: '1' })
    expect(done.statusCode).toBe(303)
    expect(await blog.app.db.selectFrom('media').select('id').execute()).toEqual([])
    expect(readdirSync(blog.config.mediaDir)).toEqual([])
    expect((await blog.app.inject(`/media/${name}`)).statusCode).toBe(404)
    const log = await blog.app.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'media.delete')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(log.details)).toMatchObject({ name, usedBy: [1] })
  })

  it('deletes an unused image at once', async () => {
    const { admin, id } = await setUp()
    expect((await admin.post(`/admin/media/${id}/delete`)).statusCode).toBe(303)
    expect(existsSync(join(blog.config.mediaDir))).toBe(true)
    expect(readdirSync(blog.config.mediaDir)).toEqual([])
  })
})
