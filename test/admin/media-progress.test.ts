// An upload is answered as soon as it is checked and its full size written; its other sizes and formats are made
// in the background, one image at a time. Meanwhile the editor and the media page say where it stands, and every
// address of the image works (a size not yet made is a temporary redirect to the full size).
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'
import { makeImage } from '../helpers/images.ts'
import { multipart } from '../helpers/multipart.ts'

let blog: TestBlog
let held: (() => void) | null = null
afterEach(async () => {
  held?.()
  held = null
  await blog?.close()
})

async function setUp(): Promise<AdminClient> {
  blog = await buildTestApp({ demo: false })
  await createAdmin(blog.app)
  const admin = await signedIn(blog.app)
  await admin.get('/admin/posts/new')
  return admin
}

/** Keeps the copies queue busy with another image's work until `release()`. */
function holdCopies(): () => void {
  let release = () => {}
  void blog.app.media.copies.run(() => new Promise<void>((resolve) => (release = resolve)), 'another image')
  held = () => release()
  return held
}

async function upload(admin: AdminClient, data: Buffer, alt: string) {
  const { payload, contentType } = multipart([
    ['imageAlt', alt],
    ['images', { filename: 'x.jpg', type: 'image/jpeg', data }],
  ])
  const res = await blog.app.inject({
    method: 'POST',
    url: '/admin/media',
    payload,
    headers: { 'content-type': contentType, cookie: admin.cookie, 'x-csrf-token': admin.csrf, accept: 'application/json' },
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { markdown: string[]; names: string[]; message: string; ready: boolean }
}

async function progress(admin: AdminClient, names: string[]) {
  const res = await admin.app.inject({
    url: `/admin/media?${names.map((n) => `progress=${encodeURIComponent(n)}`).join('&')}`,
    headers: { cookie: admin.cookie, accept: 'application/json' },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { ready: boolean; message: string }
}

describe('an upload while other images are being processed', () => {
  it('is answered at once, shows as processing (with the images before it), then ready', async () => {
    const admin = await setUp()
    const release = holdCopies()
    const first = await upload(admin, await makeImage(1200, 800), 'Le port')
    const second = await upload(admin, await makeImage(1000, 700), 'Les barques')
    expect(first.ready).toBe(false)
    expect(first.message).toBe(
      'Image ajoutée. Tailles et formats en préparation : 1 image(s) avant celle-ci. L’image est déjà utilisable en pleine taille.',
    )
    expect(second.message).toContain('2 image(s) avant celle-ci')
    const [name] = first.names as [string]
    const hash = name.slice(0, 32)

    // The full size is there; a size not yet made redirects to it, for now only.
    expect(existsSync(join(blog.config.mediaDir, name))).toBe(true)
    expect(existsSync(join(blog.config.mediaDir, `${hash}-480w.avif`))).toBe(false)
    const standIn = await blog.app.inject(`/media/${hash}-480w.avif`)
    expect(standIn.statusCode).toBe(307)
    expect(standIn.headers.location).toBe(`/media/${name}`)
    expect(standIn.headers['cache-control']).toBe('no-store')
    expect((await blog.app.inject(`/media/${'a'.repeat(32)}-480w.avif`)).statusCode).toBe(404)

    // The editor's script and the media page say where each stands.
    expect(await progress(admin, [name])).toEqual({
      ready: false,
      message: 'Tailles et formats en préparation : 1 image(s) avant celle-ci. L’image est déjà utilisable en pleine taille.',
    })
    const page = visibleText((await admin.get('/admin/media')).body)
    expect(page).toContain('État Tailles et formats en préparation : 2 image(s) avant celle-ci.')
    expect(page).toContain('État Tailles et formats en préparation : 1 image(s) avant celle-ci.')

    release()
    await blog.app.media.settled()
    expect(await progress(admin, [name, second.names[0]!])).toEqual({
      ready: true,
      message: '2 images prêtes : toutes leurs tailles sont faites.',
    })
    expect(visibleText((await admin.get('/admin/media')).body)).not.toContain('en préparation')
    const copy = await blog.app.inject(`/media/${hash}-480w.avif`)
    expect(copy.statusCode).toBe(200)
    expect(copy.headers['content-type']).toBe('image/avif')
  })

  it('a post published meanwhile shows its image: every address in its markup answers, directly or by redirect', async () => {
    const admin = await setUp()
    const release = holdCopies()
    const { markdown } = await upload(admin, await makeImage(1600, 1000), 'Le marché')
    const saved = await admin.post('/admin/posts', { title: 'Le marché', body: `${markdown[0]}\n`, action: 'publish' })
    expect(saved.statusCode).toBe(303)
    const path = /href="(\/archive\/[^"]+\.html)"/.exec((await blog.app.inject('/')).body)![1]!
    const html = (await blog.app.inject(path)).body
    const urls = [...new Set([...html.matchAll(/(\/media\/[0-9a-f]{32}-[^ ",]+)/g)].map((m) => m[1]!))]
    expect(urls.length).toBeGreaterThan(6)
    for (const url of urls) {
      const res = await blog.app.inject(url)
      const final = res.statusCode === 307 ? await blog.app.inject(res.headers.location as string) : res
      expect(final.statusCode, url).toBe(200)
    }
    release()
    await blog.app.media.settled()
    for (const url of urls) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
  })

  it('an image deleted while its copies wait leaves no file', async () => {
    const admin = await setUp()
    const release = holdCopies()
    await upload(admin, await makeImage(900, 600), 'Éphémère')
    const row = await blog.app.db.selectFrom('media').select('id').executeTakeFirstOrThrow()
    const deleting = admin.post(`/admin/media/${row.id}/delete`)
    release()
    expect((await deleting).statusCode).toBe(303)
    await blog.app.media.settled()
    expect(readdirSync(blog.config.mediaDir)).toEqual([])
  })

  it('the media page form (without JavaScript) shows the new image as processing', async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    await admin.get('/admin/media')
    const release = holdCopies()
    const { payload, contentType } = multipart([
      ['_csrf', admin.csrf],
      ['imageAlt', 'Vue'],
      ['images', { filename: 'v.jpg', type: 'image/jpeg', data: await makeImage(800, 600) }],
    ])
    const res = await blog.app.inject({
      method: 'POST',
      url: '/admin/media',
      payload,
      headers: { 'content-type': contentType, cookie: admin.cookie },
    })
    expect(res.statusCode).toBe(303)
    expect(visibleText((await admin.get('/admin/media?done=added')).body)).toContain(
      'État Tailles et formats en préparation : 1 image(s) avant celle-ci.',
    )
    release()
  })
})
