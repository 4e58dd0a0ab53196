// Logo and favicon chosen from the media library (Appearance): the logo in the header with the blog's title as
// its text, the favicon's sizes made by sharp and read back by sharp here, odd images included (a 1×5000 strip,
// an animated GIF, a transparent PNG).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import type { MediaRow } from '../../src/media/store.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { makeImage } from '../helpers/images.ts'

let blog: TestBlog | undefined
afterEach(async () => {
  await blog?.close()
  blog = undefined
})

async function adminBlog(): Promise<{ blog: TestBlog; admin: AdminClient }> {
  blog = await buildTestApp({ demo: false, env: { BLOG_LANGUAGE: 'en', BLOG_TITLE: 'My <Blog>' } })
  await createAdmin(blog.app)
  return { blog, admin: await signedIn(blog.app) }
}

let uploads = 0
async function addImage(blog: TestBlog, bytes: Buffer, alt = 'an image'): Promise<MediaRow> {
  const input = join(blog.config.mediaDir, `.upload-test-${++uploads}`)
  writeFileSync(input, bytes)
  const row = await blog.app.media.addReceived(input, bytes.length, { alt, decorative: false })
  await blog.app.media.settled()
  return row
}

/** A transparent PNG with an opaque red square in its middle. */
async function transparentPng(side: number): Promise<Buffer> {
  const square = await sharp({ create: { width: side / 2, height: side / 2, channels: 4, background: '#ff0000' } })
    .png()
    .toBuffer()
  return sharp({ create: { width: side, height: side, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: square, gravity: 'centre' }])
    .png()
    .toBuffer()
}

const linkHref = (html: string, rel: string) => new RegExp(`<link rel="${rel}" href="([^"]+)"`).exec(html)?.[1]

/** The images in an ICO file, as sharp reads them. */
async function icoImages(ico: Buffer): Promise<Array<{ width: number; height: number; format: string }>> {
  expect(ico.readUInt16LE(2)).toBe(1)
  const count = ico.readUInt16LE(4)
  const images = []
  for (let i = 0; i < count; i++) {
    const size = ico.readUInt32LE(6 + 16 * i + 8)
    const offset = ico.readUInt32LE(6 + 16 * i + 12)
    const meta = await sharp(ico.subarray(offset, offset + size)).metadata()
    images.push({ width: meta.width, height: meta.height, format: meta.format })
  }
  return images
}

describe('logo and favicon', () => {
  it('show the logo in the header, its text the blog’s title, and the favicon in its sizes', async () => {
    const { blog, admin } = await adminBlog()
    const photo = await addImage(blog, await makeImage(800, 600))
    const icon = await addImage(blog, await transparentPng(256))
    const defaultIco = (await blog.app.inject('/favicon.ico')).rawPayload
    const res = await admin.post('/admin/appearance/images', { logo: String(photo.id), favicon: String(icon.id) })
    expect(res.statusCode, res.body).toBe(303)

    const home = (await blog.app.inject('/')).body
    expect(home).toContain(
      `<a class="h-card" href="/"><img class="site-logo" src="/media/${photo.name}" alt="My &lt;Blog&gt;" width="800" height="600"></a>`,
    )
    const iconHref = linkHref(home, 'icon')!
    expect(iconHref).toMatch(/^\/look\/icon-[0-9a-f]{16}\.png$/)
    const small = await blog.app.inject(iconHref)
    expect(small.statusCode).toBe(200)
    expect(small.headers['content-type']).toBe('image/png')
    expect(small.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const smallMeta = await sharp(small.rawPayload).metadata()
    expect([smallMeta.width, smallMeta.height, smallMeta.hasAlpha]).toEqual([32, 32, true])
    // Transparency kept: the corner is clear, the middle red.
    const { data } = await sharp(small.rawPayload).raw().toBuffer({ resolveWithObject: true })
    expect(data[3]).toBe(0)
    expect([...data.subarray((16 * 32 + 16) * 4, (16 * 32 + 16) * 4 + 4)]).toEqual([255, 0, 0, 255])

    const apple = await blog.app.inject(linkHref(home, 'apple-touch-icon')!)
    const appleMeta = await sharp(apple.rawPayload).metadata()
    // Flattened on white (iOS would put a transparent icon on black).
    expect([appleMeta.width, appleMeta.height, appleMeta.hasAlpha]).toEqual([180, 180, false])
    const appleCorner = (await sharp(apple.rawPayload).raw().toBuffer()).subarray(0, 3)
    expect([...appleCorner]).toEqual([255, 255, 255])

    const ico = await blog.app.inject('/favicon.ico')
    expect(ico.statusCode).toBe(200)
    expect(ico.headers['content-type']).toBe('image/x-icon')
    expect(ico.rawPayload.equals(defaultIco)).toBe(false)
    expect(await icoImages(ico.rawPayload)).toEqual([
      { width: 16, height: 16, format: 'png' },
      { width: 32, height: 32, format: 'png' },
      { width: 48, height: 48, format: 'png' },
    ])

    // None again: the title, Carnet's own favicon.ico, and the old icon's address gone.
    await admin.post('/admin/appearance/images', { logo: '', favicon: '' })
    const after = (await blog.app.inject('/')).body
    expect(after).toContain('<a class="h-card" href="/">My &lt;Blog&gt;</a>')
    expect(linkHref(after, 'apple-touch-icon')).toBeUndefined()
    expect((await blog.app.inject('/favicon.ico')).rawPayload.equals(defaultIco)).toBe(true)
    expect((await blog.app.inject(iconHref)).statusCode).toBe(404)
  })

  it('make a sensible square of a 1×5000 strip and of an animated GIF', async () => {
    const { blog, admin } = await adminBlog()
    const strip = await addImage(blog, await makeImage(1, 5000, 'png'))
    await admin.post('/admin/appearance/images', { logo: '', favicon: String(strip.id) })
    let home = (await blog.app.inject('/')).body
    const stripIcon = (await blog.app.inject(linkHref(home, 'icon')!)).rawPayload
    const stripMeta = await sharp(stripIcon).metadata()
    expect([stripMeta.width, stripMeta.height]).toEqual([32, 32])
    // The whole strip, centred, upright: the middle column opaque, the sides clear.
    const { data } = await sharp(stripIcon).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    const alpha = (x: number, y: number) => data[(y * 32 + x) * 4 + 3]
    expect(alpha(0, 16)).toBe(0)
    expect(alpha(31, 16)).toBe(0)
    expect(Math.max(...[15, 16].map((x) => alpha(x, 16)!))).toBeGreaterThan(0)

    const frame = await makeImage(120, 60, 'png')
    const gif = await sharp([frame, await sharp(frame).negate().toBuffer()], { join: { animated: true } })
      .gif()
      .toBuffer()
    const animated = await addImage(blog, gif)
    expect((await sharp(join(blog.config.mediaDir, animated.name), { animated: true }).metadata()).pages).toBe(2)
    await admin.post('/admin/appearance/images', { logo: String(animated.id), favicon: String(animated.id) })
    home = (await blog.app.inject('/')).body
    const still = await sharp((await blog.app.inject(linkHref(home, 'icon')!)).rawPayload, { animated: true }).metadata()
    expect([still.width, still.height, still.pages ?? 1]).toEqual([32, 32, 1])
    expect(await icoImages((await blog.app.inject('/favicon.ico')).rawPayload)).toHaveLength(3)
    // The logo is shown as uploaded (it stays animated), bounded by the stylesheet.
    expect(home).toContain(`src="/media/${animated.name}" alt="My &lt;Blog&gt;" width="120" height="60"`)
  })

  it('refuses an image that is not in the library, the form kept, nothing changed', async () => {
    const { blog, admin } = await adminBlog()
    const photo = await addImage(blog, await makeImage(300, 200))
    for (const favicon of ['999999', 'abc', '1; drop table media']) {
      const res = await admin.post('/admin/appearance/images', { logo: String(photo.id), favicon })
      expect(res.statusCode, favicon).toBe(400)
      expect(res.body).toContain('This image is no longer in the library')
      expect(res.body).toContain(`<option value="${photo.id}" selected>`)
    }
    expect(blog.app.settings.get().logo).toBeNull()
    expect(blog.app.settings.get().favicon).toBeNull()
  })

  it('are forgotten when their image is deleted from the library: the title and Carnet’s favicon come back', async () => {
    const { blog, admin } = await adminBlog()
    const photo = await addImage(blog, await makeImage(400, 100))
    await admin.post('/admin/appearance/images', { logo: String(photo.id), favicon: String(photo.id) })
    expect((await blog.app.inject('/')).body).toContain('class="site-logo"')
    await admin.get(`/admin/media/${photo.id}/delete`)
    expect((await admin.post(`/admin/media/${photo.id}/delete`)).statusCode).toBe(303)
    const home = (await blog.app.inject('/')).body
    expect(home).not.toContain('class="site-logo"')
    expect(home).toContain('<a class="h-card" href="/">My &lt;Blog&gt;</a>')
    expect(linkHref(home, 'apple-touch-icon')).toBeUndefined()
    expect(blog.app.settings.get().logo).toBeNull()
  })

  it('falls back to Carnet’s favicon.ico when the chosen image’s file is gone', async () => {
    const { blog, admin } = await adminBlog()
    const defaultIco = (await blog.app.inject('/favicon.ico')).rawPayload
    const icon = await addImage(blog, await makeImage(64, 64, 'png'))
    await admin.post('/admin/appearance/images', { logo: '', favicon: String(icon.id) })
    await blog.app.media.remove(icon)
    const ico = await blog.app.inject('/favicon.ico')
    expect(ico.statusCode).toBe(200)
    expect(ico.rawPayload.equals(defaultIco)).toBe(true)
  })
})
