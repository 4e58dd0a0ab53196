// `npm run bench:media`: a post page with images, and a large photo uploaded while pages are being served.
// Starts the real server (as `npm start` does) on a fresh demo blog, signs in over HTTP, uploads three images and
// publishes a post with them; then measures with autocannon (c=50):
//   1. the post with images against a demo post without any (the <picture> markup's cost);
//   2. the same post page for DURATION seconds, alone, then again while IMAGES photos (12 megapixels by default)
//      are uploaded together in one request and processed (checked and written at full size while the request
//      waits, their other sizes and formats made in the background, one image at a time): req/s and p99 meanwhile,
//      when the upload was answered, and when every image was ready (asked as the editor does, /admin/media?progress=…).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon, { type Result } from 'autocannon'
import sharp from 'sharp'
import { createUser } from '../src/admin/users.ts'
import { openBlog } from '../src/blog.ts'
import { loadConfig } from '../src/config.ts'
import { cpuMs, freePort, serverCommand, waitForServer } from './process.ts'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'page-cache': { type: 'string', default: 'off' },
    images: { type: 'string', default: '20' },
    megapixels: { type: 'string', default: '12' },
  },
})
const DURATION = Number(args.duration)
const CONNECTIONS = Number(args.connections)
const ADMIN = { username: 'bench', password: 'a long enough bench password' }

/** A photo-like image: a gradient with fine grain (pure noise would be the encoders' worst case, not a photo's). */
async function photo(width: number, height: number): Promise<Buffer> {
  const grain = await sharp({
    create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
  })
    .blur(1.5)
    .png()
    .toBuffer()
  const gradient = Buffer.from(
    `<svg width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#c33"/><stop offset="1" stop-color="#3c6"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  )
  return sharp({ create: { width, height, channels: 3, background: '#6a8caf' } })
    .composite([{ input: gradient }, { input: grain, blend: 'soft-light' }])
    .jpeg({ quality: 92 })
    .toBuffer()
}

class Session {
  cookie = ''
  constructor(readonly base: string) {}
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(this.base + path, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookie },
    })
    const set = res.headers.getSetCookie().find((c) => c.startsWith('carnet_session='))
    if (set) this.cookie = set.split(';')[0]!
    return res
  }
  async csrf(path: string): Promise<string> {
    const html = await (await this.request(path)).text()
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!
  }
  async form(path: string, fields: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams({ _csrf: await this.csrf(path === '/admin/login' ? path : '/admin/posts/new'), ...fields })
    return this.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  }
  async upload(file: Buffer | Buffer[], alt: string): Promise<{ markdown: string; names: string[]; ms: number }> {
    const token = await this.csrf('/admin/posts/new')
    const data = new FormData()
    data.append('imageAlt', alt)
    for (const one of [file].flat()) data.append('images', new Blob([new Uint8Array(one)], { type: 'image/jpeg' }), 'photo.jpg')
    const t0 = performance.now()
    const res = await this.request('/admin/media', {
      method: 'POST',
      body: data,
      headers: { 'x-csrf-token': token, accept: 'application/json' },
    })
    const json = (await res.json()) as { markdown: string[]; names: string[]; error?: string }
    if (res.status !== 201) throw new Error(`upload refused: ${res.status} ${json.error}`)
    return { markdown: json.markdown[0]!, names: json.names, ms: performance.now() - t0 }
  }
  /** Asks where the images stand, as the editor's script does, until all are ready. */
  async ready(names: string[]): Promise<void> {
    const query = names.map((n) => `progress=${encodeURIComponent(n)}`).join('&')
    for (;;) {
      const res = await this.request(`/admin/media?${query}`, { headers: { accept: 'application/json' } })
      if (((await res.json()) as { ready: boolean }).ready) return
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

function row(name: string, r: Result, extra = ''): string {
  return `${name.padEnd(44)} ${String(Math.round(r.requests.average)).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(5)} ms${extra}`
}

const dir = mkdtempSync(join(tmpdir(), 'carnet-bench-media-'))
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const env = { DATABASE_URL: join(dir, 'carnet.db'), SITE_URL: base, PORT: String(port), HOST: '127.0.0.1' }
const blog = await openBlog(loadConfig(env))
await createUser(blog.db, ADMIN.username, ADMIN.password)
await blog.close()

const [node, ...nodeArgs] = serverCommand()
const server = spawn(node!, nodeArgs, {
  env: { ...process.env, ...env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PAGE_CACHE: args['page-cache'], COMMENT_RATE_LIMIT: '0' },
  stdio: ['ignore', 'inherit', 'inherit'],
})
try {
  await waitForServer(server, base)
  const admin = new Session(base)
  await admin.form('/admin/login', { username: ADMIN.username, password: ADMIN.password, next: '/admin' })
  const images = []
  for (const [w, h, alt] of [
    [3000, 2000, 'Le port au matin'],
    [2000, 1500, 'Les barques'],
    [1600, 1200, 'Le marché'],
  ] as const) {
    images.push((await admin.upload(await photo(w, h), alt)).markdown)
  }
  // The same post twice, with and without its images: the difference is the <picture> markup alone.
  const publish = async (title: string, pictures: string[]) => {
    const body = `Le matin, les bateaux rentrent.\n\n${pictures[0] ?? ''}\n\nPuis le marché s’installe.\n\n${pictures[1] ?? ''}\n\n${pictures[2] ?? ''}\n`
    const saved = await admin.form('/admin/posts', { title, body, action: 'publish' })
    const editor = await (await admin.request(saved.headers.get('location')!)).text()
    return /href="(\/archive\/[^"]+\.html)"/.exec(editor)![1]!
  }
  const withImages = await publish('Une journée au port', images)
  const withoutImages = await publish('Une journée au port, sans images', [])

  const headers = { 'accept-encoding': 'gzip, deflate, br, zstd' }
  const measure = async (path: string, duration = DURATION) => {
    await autocannon({ url: base + path, connections: CONNECTIONS, duration: 1, headers })
    const cpu0 = cpuMs(server.pid!)
    const r = await autocannon({ url: base + path, connections: CONNECTIONS, duration, headers })
    return { r, cpuUs: ((cpuMs(server.pid!) - cpu0) * 1000) / Math.max(1, r.requests.total) }
  }
  // Both pages warmed before either is measured: the first page measured would otherwise pay for the JIT.
  for (const path of [withoutImages, withImages]) await autocannon({ url: base + path, connections: CONNECTIONS, duration: 3, headers })
  console.log(`\nNode ${process.version}, PAGE_CACHE=${args['page-cache']}, c=${CONNECTIONS}, ${DURATION} s per figure\n`)
  const plain = await measure(withoutImages)
  console.log(row('post page, no image', plain.r, `   ${Math.round(plain.cpuUs)} µs CPU/response`))
  const pictures = await measure(withImages)
  console.log(row('post page, three <picture>s', pictures.r, `   ${Math.round(pictures.cpuUs)} µs CPU/response`))
  console.log(`  ratio (with / without): ${(pictures.r.requests.average / plain.r.requests.average).toFixed(2)}`)

  const count = Number(args.images)
  const side = Math.sqrt((Number(args.megapixels) * 1e6) / 12)
  const photos: Buffer[] = []
  for (let i = 0; i < count; i++) photos.push(await photo(Math.round(side * 4), Math.round(side * 3) + i))
  const mb = photos.reduce((n, p) => n + p.length, 0) / 1e6
  console.log(`\n${count} photos of ${args.megapixels} megapixels uploaded together: ${mb.toFixed(1)} MB`)
  const alone = await measure(withImages)
  console.log(row('post page, alone', alone.r))
  // The upload starts two seconds into the figure.
  const during = measure(withImages, DURATION)
  await new Promise((r) => setTimeout(r, 2000))
  const t0 = performance.now()
  const upload = await admin.upload(photos, 'Le port, vingt fois')
  const readyAt = admin.ready(upload.names).then(() => performance.now() - t0)
  const loaded = await during
  console.log(row('post page, while they are processed', loaded.r))
  console.log(
    `  ratio (during / alone): req/s ${(loaded.r.requests.average / alone.r.requests.average).toFixed(2)}, p99 ${(loaded.r.latency.p99 / Math.max(1, alone.r.latency.p99)).toFixed(2)}`,
  )
  console.log(`  upload answered (every image checked, usable at full size): ${(upload.ms / 1000).toFixed(1)} s`)
  console.log(`  every size and format of all ${count} made: ${((await readyAt) / 1000).toFixed(1)} s after the upload began`)
} finally {
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
}
