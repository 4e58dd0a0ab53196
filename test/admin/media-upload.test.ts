// Uploading images through the admin: from the editor without JavaScript (the whole form comes back with the
// Markdown appended), from a script (JSON), and every refusal storing nothing.
import { existsSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { signedIn, createAdmin, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { ELF, makeImage, pngBomb, POLYGLOT_GIF_JS, SVG_WITH_SCRIPT } from '../helpers/images.ts'
import { multipart, type Part } from '../helpers/multipart.ts'

let blog: TestBlog
afterEach(() => blog?.close())

async function setUp(env: Record<string, string> = {}): Promise<AdminClient> {
  blog = await buildTestApp({ demo: false, env })
  await createAdmin(blog.app)
  const admin = await signedIn(blog.app)
  await admin.get('/admin/posts/new')
  return admin
}

async function send(admin: AdminClient, url: string, parts: Part[], headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const { payload, contentType } = multipart(parts)
  return admin.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, cookie: admin.cookie, ...headers } })
}

function textareaOf(html: string): string {
  return /<textarea id="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)![1]!
}

function mediaFiles(): string[] {
  return existsSync(blog.config.mediaDir) ? readdirSync(blog.config.mediaDir) : []
}

async function mediaRows() {
  return blog.app.db.selectFrom('media').selectAll().execute()
}

/** The editor form's fields in page order, with the file where the page has its input. */
function editorParts(admin: AdminClient, file: { filename: string; type: string; data: Buffer }, alt = 'Un chat sur un toit'): Part[] {
  return [
    ['_csrf', admin.csrf],
    ['title', 'Vacances à Marseille'],
    ['body', 'Premier paragraphe, déjà écrit.'],
    ['categories[]', '1'],
    ['tags', 'voyage, été'],
    ['slug', ''],
    ['signature', 'Alice'],
    ['publishedAt', ''],
    ['imageAlt', alt],
    ['images', file],
  ]
}

describe('adding an image from the editor without JavaScript', () => {
  it('stores it and gives the editor back with its Markdown appended and everything typed kept', async () => {
    const admin = await setUp()
    const res = await send(
      admin,
      '/admin/posts/upload',
      editorParts(admin, { filename: 'chat.jpg', type: 'image/jpeg', data: await makeImage(1200, 900) }),
    )
    expect(res.statusCode, res.body).toBe(200)
    const [row] = await mediaRows()
    expect(row).toMatchObject({ width: 1200, height: 900, type: 'image/jpeg', alt: 'Un chat sur un toit', decorative: 0 })
    expect(textareaOf(res.body)).toBe(`Premier paragraphe, déjà écrit.\n\n![Un chat sur un toit](/media/${row!.name})\n`)
    expect(res.body).toContain('value="Vacances à Marseille"')
    expect(res.body).toContain('value="voyage, été"')
    expect(res.body).toContain('Image ajoutée à la fin du texte.')
    // Nothing saved yet: the author still has to save or publish.
    expect(await blog.app.db.selectFrom('posts').select('id').execute()).toEqual([])
    expect(mediaFiles()).toContain(row!.name)
    // Its other sizes are made in the background; then nothing temporary is left.
    await blog.app.media.settled()
    expect(mediaFiles().filter((f) => f.startsWith('.'))).toEqual([])
    const log = await blog.app.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'media.upload').execute()
    expect(log).toEqual([{ action: 'media.upload', target: `media ${row!.id}` }])
  })

  it('flags an image without alt text in the editor, unless marked decorative', async () => {
    const admin = await setUp()
    const res = await send(
      admin,
      '/admin/posts/upload',
      editorParts(admin, { filename: 'a.png', type: 'image/png', data: await makeImage(300, 200, 'png') }, ''),
    )
    expect(res.statusCode).toBe(200)
    const [row] = await mediaRows()
    expect(textareaOf(res.body)).toContain(`![](/media/${row!.name})`)
    expect(res.body).toContain('Image sans texte alternatif')
    const parts = editorParts(admin, { filename: 'b.png', type: 'image/png', data: await makeImage(300, 201, 'png') }, '')
    parts.splice(9, 0, ['imageDecorative', '1'])
    const decorative = await send(admin, '/admin/posts/upload', parts)
    expect(decorative.statusCode).toBe(200)
    expect(decorative.body).not.toContain('Image sans texte alternatif')
  })

  it('works on an existing post too', async () => {
    const admin = await setUp()
    const created = await admin.post('/admin/posts', { title: 'Existante', body: 'Texte', action: 'draft' })
    const url = created.headers.location as string
    await admin.get(url)
    const id = /\/admin\/posts\/(\d+)/.exec(url)![1]
    const res = await send(
      admin,
      `/admin/posts/${id}/upload`,
      editorParts(admin, { filename: 'c.webp', type: 'image/webp', data: await makeImage(500, 500, 'webp') }),
    )
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain(`action="/admin/posts/${id}"`)
    expect(textareaOf(res.body)).toMatch(/!\[Un chat sur un toit\]\(\/media\/[0-9a-f]{32}-500x500\.webp\)/)
  })
})

describe('uploading from a script', () => {
  it('answers the Markdown in JSON, the token in a header', async () => {
    const admin = await setUp()
    const res = await send(
      admin,
      '/admin/media',
      [
        ['imageAlt', 'Un graphique'],
        ['images', { filename: 'g.png', type: 'image/png', data: await makeImage(640, 480, 'png') }],
      ],
      { 'x-csrf-token': admin.csrf, accept: 'application/json' },
    )
    expect(res.statusCode, res.body).toBe(201)
    const [row] = await mediaRows()
    expect(res.json()).toMatchObject({ markdown: [`![Un graphique](/media/${row!.name})`] })
  })
})

describe('refused uploads store nothing', () => {
  async function refused(parts: (admin: AdminClient) => Part[], status: number, message: string, env: Record<string, string> = {}) {
    const admin = await setUp(env)
    const res = await send(admin, '/admin/posts/upload', parts(admin))
    expect(res.statusCode, res.body).toBe(status)
    expect(res.body).toContain(message)
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
    return res
  }
  const file = (data: Buffer, filename = 'photo.jpg', type = 'image/jpeg') => ({ filename, type, data })

  it('text renamed .jpg', () => refused((a) => editorParts(a, file(Buffer.from('hello, not a photo'))), 400, 'n’est pas une image'))
  it('an executable', () => refused((a) => editorParts(a, file(ELF, 'setup.jpg')), 400, 'n’est pas une image'))
  it('a truncated JPEG', async () => {
    const jpeg = await makeImage(800, 600)
    const res = await refused((a) => editorParts(a, file(jpeg.subarray(0, jpeg.length >> 1))), 400, 'abîmé ou incomplet')
    expect(textareaOf(res.body)).toBe('Premier paragraphe, déjà écrit.')
  })
  it('a PNG bomb', () => refused((a) => editorParts(a, file(pngBomb(), 'bomb.png', 'image/png')), 400, 'trop de pixels'))
  it('an SVG with a script', () => refused((a) => editorParts(a, file(SVG_WITH_SCRIPT, 'x.svg', 'image/svg+xml')), 400, 'SVG'))
  it('a GIF/JavaScript polyglot', () =>
    refused((a) => editorParts(a, file(POLYGLOT_GIF_JS, 'x.gif', 'image/gif')), 400, 'abîmé ou incomplet'))
  it('no file chosen', () =>
    refused((a) => editorParts(a, file(Buffer.alloc(0), '', 'application/octet-stream')), 400, 'Choisissez un fichier image'))

  it('a file over MEDIA_MAX_BYTES: 413 with the limit, the form kept', async () => {
    const big = await makeImage(1500, 1500, 'png')
    expect(big.length).toBeGreaterThan(200 * 1024)
    const res = await refused((a) => editorParts(a, file(big, 'big.png', 'image/png')), 413, 'Ce fichier dépasse 0,2 Mo', {
      MEDIA_MAX_BYTES: String(200 * 1024),
    })
    expect(res.body).toContain('value="Vacances à Marseille"')
    expect(res.body).toContain('value="Un chat sur un toit"')
  })

  it('without the CSRF token: 403', async () => {
    const admin = await setUp()
    const res = await send(admin, '/admin/posts/upload', editorParts(admin, file(await makeImage(100, 100))).slice(1))
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('Ce formulaire a expiré')
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
  })

  it('with a wrong CSRF token: 403', async () => {
    const admin = await setUp()
    const parts = editorParts(admin, file(await makeImage(100, 100)))
    parts[0] = ['_csrf', 'forged']
    expect((await send(admin, '/admin/posts/upload', parts)).statusCode).toBe(403)
    const json = await send(admin, '/admin/media', parts.slice(1), { 'x-csrf-token': 'forged', accept: 'application/json' })
    expect(json.statusCode).toBe(403)
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
  })

  it('signed out: 401', async () => {
    const admin = await setUp()
    const parts = editorParts(admin, file(await makeImage(100, 100)))
    admin.cookie = ''
    for (const url of ['/admin/posts/upload', '/admin/media']) expect((await send(admin, url, parts)).statusCode).toBe(401)
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
  })
})

describe('an oversized upload over a real connection', () => {
  it('is answered 413 as soon as the limit is passed, with the message, and leaves nothing', async () => {
    const admin = await setUp({ MEDIA_MAX_BYTES: String(1024 * 1024) })
    await blog.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = blog.app.server.address() as { port: number }
    // 30 MB that start like a JPEG: far over the 1 MB limit.
    const huge = Buffer.concat([await makeImage(64, 64), Buffer.alloc(30 * 1024 * 1024, 7)])
    const { payload, contentType } = multipart(editorParts(admin, { filename: 'huge.jpg', type: 'image/jpeg', data: huge }))
    const res = await fetch(`http://127.0.0.1:${port}/admin/posts/upload`, {
      method: 'POST',
      body: new Uint8Array(payload),
      headers: { 'content-type': contentType, cookie: admin.cookie },
    })
    expect(res.status).toBe(413)
    const html = await res.text()
    expect(html).toContain('Ce fichier dépasse 1 Mo')
    expect(html).toContain('value="Vacances à Marseille"')
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
  })

  /**
   * Sends a request head and a body of `length` bytes over a raw socket, 64 KB at a time, as fast as the server
   * takes them; returns what the server answered and how much of the body it had taken when it answered or closed.
   */
  async function rawUpload(port: number, head: string, body: Buffer): Promise<{ response: string; written: number; closed: boolean }> {
    const socket = connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const received: Buffer[] = []
    const answered = () => Buffer.concat(received).includes('\r\n\r\n')
    let closed = false
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve(void (closed = true))))
    socket.on('error', () => {})
    socket.write(head)
    let written = 0
    while (written < body.length && !closed && !answered()) {
      const chunk = body.subarray(written, written + 64 * 1024)
      written += chunk.length
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), ended])
    }
    // Whatever the client could send, the server's answer and its closing come within a few seconds.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 5000))])
    socket.destroy()
    return { response: Buffer.concat(received).toString('utf8'), written, closed }
  }

  it('stops reading at the limit: 413 with the message and Connection: close, the socket closed long before 30 MB are sent', async () => {
    const admin = await setUp({ MEDIA_MAX_BYTES: String(1024 * 1024) })
    await blog.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = blog.app.server.address() as { port: number }
    const huge = Buffer.concat([await makeImage(64, 64), Buffer.alloc(30 * 1024 * 1024, 7)])
    for (const [url, headers] of [
      ['/admin/posts/upload', ''],
      ['/admin/media', `x-csrf-token: ${admin.csrf}\r\naccept: application/json\r\n`],
    ] as const) {
      const parts = editorParts(admin, { filename: 'huge.jpg', type: 'image/jpeg', data: huge })
      const { payload, contentType } = multipart(headers ? parts.slice(8) : parts)
      const head = `POST ${url} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${contentType}\r\ncontent-length: ${payload.length}\r\ncookie: ${admin.cookie}\r\n${headers}\r\n`
      const { response, written, closed } = await rawUpload(port, head, payload)
      expect(response, url).toMatch(/^HTTP\/1\.1 413 /)
      expect(response.toLowerCase(), url).toContain('connection: close')
      expect(response, url).toContain('Ce fichier dépasse 1 Mo')
      expect(closed, `${url}: the server closed the connection`).toBe(true)
      expect(written, `${url}: body bytes sent before the answer or the close`).toBeLessThan(8 * 1024 * 1024)
    }
    expect(await mediaRows()).toEqual([])
    expect(mediaFiles()).toEqual([])
  })
})
