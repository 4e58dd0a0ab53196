// Images uploaded through nginx with the shipped configuration (test/nginx/carnet.conf): a photo of several
// megabytes reaches Carnet (nginx's old 2 MB limit answered its own HTML 413 instead); one over MEDIA_MAX_BYTES
// gets Carnet's own answer (JSON for the editor's script), not a broken connection or nginx's 502.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { makeImage } from '../helpers/images.ts'
import { multipart } from '../helpers/multipart.ts'
import { freePort, startNginx, type Nginx } from '../helpers/nginx.ts'

let blog: TestBlog
let admin: AdminClient
let nginx: Nginx
beforeAll(async () => {
  // The default MEDIA_MAX_BYTES (20 MB).
  blog = await buildTestApp({ demo: false })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
  await admin.get('/admin/posts/new')
  const port = await freePort()
  await blog.app.listen({ port, host: '127.0.0.1' })
  nginx = await startNginx([port])
})
afterAll(async () => {
  await nginx?.stop()
  await blog?.close()
})

/** A real JPEG followed by `mb` megabytes of padding (decoders stop at the end of the image). */
async function photo(mb: number): Promise<Buffer> {
  return Buffer.concat([await makeImage(640, 480), Buffer.alloc(mb * 1024 * 1024, 0)])
}

async function upload(data: Buffer): Promise<{ status: number; type: string | null; json: { error?: string; markdown?: string[] } }> {
  const { payload, contentType } = multipart([
    ['imageAlt', 'Le port'],
    ['images', { filename: 'port.jpg', type: 'image/jpeg', data }],
  ])
  const res = await fetch(`${nginx.url}/admin/media`, {
    method: 'POST',
    body: new Uint8Array(payload),
    headers: { 'content-type': contentType, cookie: admin.cookie, 'x-csrf-token': admin.csrf, accept: 'application/json' },
  })
  const type = res.headers.get('content-type')
  return { status: res.status, type, json: type?.includes('json') ? await res.json() : { error: await res.text() } }
}

describe('uploads through nginx', () => {
  it('a 6 MB photo reaches Carnet and is added', async () => {
    const res = await upload(await photo(6))
    expect(res.status, res.json.error).toBe(201)
    expect(res.json.markdown).toEqual([expect.stringMatching(/^!\[Le port\]\(\/media\/[0-9a-f]{32}-640x480\.jpg\)$/)])
  })

  it('a 30 MB photo gets Carnet’s own 413 with its message, in JSON', async () => {
    const res = await upload(await photo(30))
    expect(res.status).toBe(413)
    expect(res.type).toContain('application/json')
    expect(res.json.error).toBe('Ce fichier dépasse 20 Mo : réduisez-le avant de l’envoyer.')
  })
})
