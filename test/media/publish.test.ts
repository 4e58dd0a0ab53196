// An uploaded image in a published post: the post page's <picture>, its metadata, the feeds, and the /media/ files
// as browsers and caches get them.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { parseXml } from '../helpers/feeds.ts'
import { makeImage } from '../helpers/images.ts'
import { multipart } from '../helpers/multipart.ts'

let blog: TestBlog
let admin: AdminClient
let name = ''
let hash = ''
let postPath = ''

beforeAll(async () => {
  blog = await buildTestApp({ demo: false })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
  await admin.get('/admin/posts/new')
  const upload = async (data: Buffer, alt: string) => {
    const { payload, contentType } = multipart([
      ['imageAlt', alt],
      ['images', { filename: 'x', type: 'image/jpeg', data }],
    ])
    const res = await blog.app.inject({
      method: 'POST',
      url: '/admin/media',
      payload,
      headers: { 'content-type': contentType, cookie: admin.cookie, 'x-csrf-token': admin.csrf, accept: 'application/json' },
    })
    expect(res.statusCode, res.body).toBe(201)
    return (res.json() as { markdown: string[] }).markdown[0]!
  }
  const lead = await upload(await makeImage(2000, 1500), 'Le port au lever du jour')
  const second = await upload(await makeImage(400, 300, 'png'), 'Un plan')
  // Their other sizes and formats, made in the background (test/admin/media-progress.test.ts).
  await blog.app.media.settled()
  name = /\/media\/([^)]+)\)/.exec(lead)![1]!
  hash = name.slice(0, 32)
  const res = await admin.post('/admin/posts', {
    title: 'Photos du port',
    body: `Intro.\n\n${lead}\n\nSuite.\n\n${second}\n`,
    action: 'publish',
  })
  expect(res.statusCode, res.body).toBe(303)
  const list = await blog.app.inject('/')
  postPath = /href="(\/archive\/[^"]+\.html)"/.exec(list.body)![1]!
})
afterAll(() => blog.close())

describe('a post with images', () => {
  it('shows each as a <picture>: AVIF and WebP sources at every width, an <img> with its size; only the first loads at once', async () => {
    const html = (await blog.app.inject(postPath)).body
    const pictures = [...html.matchAll(/<picture>([\s\S]*?)<\/picture>/g)].map((m) => m[1]!)
    expect(pictures).toHaveLength(2)
    const [first, second] = pictures as [string, string]
    expect(first).toContain(
      `<source type="image/avif" srcset="/media/${hash}-480w.avif 480w, /media/${hash}-960w.avif 960w, /media/${hash}-1600w.avif 1600w, /media/${hash}-2000x1500.avif 2000w" sizes="`,
    )
    expect(first).toContain(`<source type="image/webp" srcset="/media/${hash}-480w.webp 480w,`)
    expect(first).toMatch(
      new RegExp(
        `<img src="/media/${name}" srcset="[^"]+" sizes="[^"]+" alt="Le port au lever du jour" width="2000" height="1500" loading="eager">`,
      ),
    )
    expect(first).not.toContain('lazy')
    expect(second).toMatch(/alt="Un plan" width="400" height="300" loading="lazy" decoding="async"/)
    // Every address in the markup is a file that exists.
    const files = new Set(readdirSync(blog.config.mediaDir))
    for (const [, url] of html.matchAll(/\/media\/([0-9a-f]{32}-[^ ",]+)/g)) expect(files.has(url!), url).toBe(true)
  })

  it('makes the first image its og:image, twitter:image and JSON-LD image, absolute', async () => {
    const html = (await blog.app.inject(postPath)).body
    const abs = `http://blog.test/media/${name}`
    expect(html).toContain(`<meta property="og:image" content="${abs}">`)
    expect(html).toContain(`<meta name="twitter:image" content="${abs}">`)
    const ld = JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!)
    expect(ld.image).toEqual([abs])
  })

  it('gives feeds absolute image addresses and the lead image as an enclosure', async () => {
    const rss = parseXml((await blog.app.inject('/feed.rss')).body)
    const item = rss.rss.channel.item[0]
    expect(item.enclosure).toEqual({
      '@_url': `http://blog.test/media/${name}`,
      '@_type': 'image/jpeg',
      '@_length': String(statSync(join(blog.config.mediaDir, name)).size),
    })
    const content: string = item['content:encoded']
    expect(content).toContain(`src="http://blog.test/media/${name}"`)
    expect(content).toContain(`http://blog.test/media/${hash}-480w.avif 480w`)
    expect(content).not.toMatch(/"\/media\//)
    const atom = (await blog.app.inject('/feed.atom')).body
    expect(atom).toContain(`<link rel="enclosure" href="http://blog.test/media/${name}"`)
  })
})

describe('/media/ files', () => {
  it('are served with their type, cached for ever, nosniff', async () => {
    for (const [file, type] of [
      [name, 'image/jpeg'],
      [`${hash}-960w.avif`, 'image/avif'],
      [`${hash}-480w.webp`, 'image/webp'],
    ] as const) {
      const res = await blog.app.inject(`/media/${file}`)
      expect(res.statusCode, file).toBe(200)
      expect(res.headers['content-type']).toBe(type)
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.rawPayload.length).toBe(statSync(join(blog.config.mediaDir, file)).size)
      expect(res.headers['set-cookie']).toBeUndefined()
    }
  })

  it('answer ranges (206) and conditional requests (304)', async () => {
    const size = statSync(join(blog.config.mediaDir, name)).size
    const range = await blog.app.inject({ url: `/media/${name}`, headers: { range: 'bytes=100-199' } })
    expect(range.statusCode).toBe(206)
    expect(range.headers['content-range']).toBe(`bytes 100-199/${size}`)
    expect(range.rawPayload.length).toBe(100)
    const first = await blog.app.inject(`/media/${name}`)
    const etag = first.headers.etag as string
    expect(etag).toBeTruthy()
    const again = await blog.app.inject({ url: `/media/${name}`, headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.rawPayload.length).toBe(0)
    const since = await blog.app.inject({
      url: `/media/${name}`,
      headers: { 'if-modified-since': first.headers['last-modified'] as string },
    })
    expect(since.statusCode).toBe(304)
  })

  it('answer 404 for any other name: unknown, temporary, or outside the folder', async () => {
    for (const url of [
      `/media/${'f'.repeat(32)}-10x10.jpg`,
      '/media/.upload-1-abc',
      '/media/../carnet.db',
      '/media/%2e%2e/carnet.db',
      '/media/..%2fcarnet.db',
      '/media/',
      `/media/${name}/x`,
      `/media/${name.replace('.jpg', '.JPG')}`,
    ]) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(404)
      expect(res.body).not.toContain('SQLite format')
    }
  })
})
