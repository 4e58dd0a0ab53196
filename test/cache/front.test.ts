// The page cache's front (src/cache/page-cache.ts, PageCacheFront): on a real port, a stored page is answered
// before Fastify (none of its hooks runs: an onResponse hook added here counts what Fastify answers), with the same status,
// headers and bytes as Fastify's own hit (inject(), which goes through Fastify); everything it cannot decide
// exactly (a private cookie or address, an ActivityPub Accept, a new generation, a page not yet stored, a closing
// app) goes to Fastify.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMENTER_COOKIE } from '../../src/reader/commenter-cookie.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

interface Raw {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

interface AccessLine {
  msg: string
  reqId: string
  method: string
  path: string
  status: number
  bytes: number
  ms: number
}

/** Headers that describe the transfer, not the answer. */
const TRANSFER = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding'])
const answerHeaders = (headers: IncomingHttpHeaders | Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSFER.has(name)))

describe('the page cache front', () => {
  let blog: TestBlog
  let base: string
  /** Requests Fastify answered, by address. */
  const seen: string[] = []
  const lines: string[] = []
  let whileClosing: { served: unknown; written: unknown[] } | undefined

  beforeAll(async () => {
    blog = await buildTestApp({
      env: { PAGE_CACHE: 'on' },
      logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
      beforeReady: (app) => {
        // onResponse: it runs for every answer Fastify gives, its own page-cache hits included.
        app.addHook('onResponse', (request, _reply, done) => {
          seen.push(request.url)
          done()
        })
        // While the app closes (after the page cache's own preClose hook, the database still open), a stored page
        // is left to Fastify, whose health hook answers 503.
        app.addHook('preClose', (done) => {
          const written: unknown[] = []
          const res = { writeHead: (...args: unknown[]) => written.push(args), end: () => written.push('end'), destroy: () => {} }
          whileClosing = {
            served: app.pageCacheFront!.serve({ method: 'GET', url: SEED_PATH, headers: {} } as never, res as never),
            written,
          }
          done()
        })
      },
    })
    base = await blog.app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => blog.close())

  function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
    return new Promise((resolve, reject) => {
      httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      })
        .on('error', reject)
        .end()
    })
  }

  /** Whether Fastify saw the request this call makes. */
  async function throughFastify<T>(make: () => Promise<T>): Promise<[T, boolean]> {
    const before = seen.length
    const result = await make()
    return [result, seen.length > before]
  }

  const accessLines = () => lines.filter((l) => l.includes('"msg":"access"')).map((l) => JSON.parse(l) as AccessLine)

  it('answers a stored page without Fastify, byte for byte and header for header what Fastify answers', async () => {
    const [miss, missSeen] = await throughFastify(() => get(SEED_PATH))
    expect(miss.status).toBe(200)
    expect(miss.headers['x-page-cache']).toBe('miss')
    expect(missSeen).toBe(true)
    for (const encoding of ['br', 'gzip', 'identity', 'gzip, deflate, br, zstd']) {
      const headers = { 'accept-encoding': encoding }
      const [hit, hitSeen] = await throughFastify(() => get(SEED_PATH, headers))
      expect(hitSeen, encoding).toBe(false)
      const [fastify, fastifySeen] = await throughFastify(() => blog.app.inject({ url: SEED_PATH, headers }))
      expect(fastifySeen).toBe(true)
      expect(hit.status).toBe(200)
      expect(hit.headers['x-page-cache']).toBe('hit')
      expect(answerHeaders(hit.headers)).toEqual(answerHeaders(fastify.headers))
      expect(hit.body.equals(fastify.rawPayload), encoding).toBe(true)
      expect(hit.headers['content-security-policy']).toBe(blog.app.securityHeaders['content-security-policy'])
    }
    // HEAD: the same headers, no body.
    const [head, headSeen] = await throughFastify(() => get(SEED_PATH, { 'accept-encoding': 'br' }, 'HEAD'))
    const fastifyHead = await blog.app.inject({ method: 'HEAD', url: SEED_PATH, headers: { 'accept-encoding': 'br' } })
    expect(headSeen).toBe(false)
    expect(head.body.length).toBe(0)
    expect(answerHeaders(head.headers)).toEqual(answerHeaders(fastifyHead.headers))
    // A current copy: 304, the same as Fastify's.
    const validator = { 'if-none-match': String(miss.headers.etag), 'accept-encoding': 'br' }
    const [notModified, notModifiedSeen] = await throughFastify(() => get(SEED_PATH, validator))
    const fastify304 = await blog.app.inject({ url: SEED_PATH, headers: validator })
    expect(notModifiedSeen).toBe(false)
    expect(notModified.status).toBe(304)
    expect(notModified.body.length).toBe(0)
    expect(answerHeaders(notModified.headers)).toEqual(answerHeaders(fastify304.headers))
  })

  it('writes one access line per answer it gives, as Fastify writes its own', async () => {
    await get('/')
    lines.length = 0
    const hit = await get('/', { 'accept-encoding': 'identity' })
    await blog.app.inject({ url: '/', headers: { 'accept-encoding': 'identity' } })
    // The line is written once the answer is sent.
    await new Promise((r) => setTimeout(r, 20))
    const [front, fastify] = accessLines()
    expect(accessLines()).toHaveLength(2)
    expect(front).toMatchObject({ method: 'GET', path: '/', status: 200 })
    expect(fastify).toMatchObject({ method: 'GET', path: '/', status: 200 })
    // What went out on the connection: the status line, the headers and the page.
    const headerBytes = Object.entries(hit.headers).reduce(
      (n, [k, v]) => n + k.length + 4 + String(v).length,
      'HTTP/1.1 200 OK\r\n\r\n'.length,
    )
    expect(front!.bytes).toBe(headerBytes + hit.body.length)
    expect(front!.ms).toBeGreaterThanOrEqual(0)
    // One counter of request ids for both.
    expect(front!.reqId).toMatch(/^req-[0-9a-z]+$/)
    expect(front!.reqId).not.toBe(fastify!.reqId)
  })

  it('leaves private requests, other representations and unstored addresses to Fastify', async () => {
    await get(SEED_PATH)
    const cases: Array<[string, Record<string, string>]> = [
      [SEED_PATH, { cookie: `${COMMENTER_COOKIE}=someone` }],
      [SEED_PATH, { accept: 'application/activity+json' }],
      ['/admin', {}],
      [`${SEED_PATH}?utm=1`, {}],
    ]
    for (const [path, headers] of cases) {
      const [answer, wasSeen] = await throughFastify(() => get(path, headers))
      expect(wasSeen, `${path} ${JSON.stringify(headers)}`).toBe(true)
      expect(answer.headers['x-page-cache']).not.toBe('hit')
      if (headers.accept) expect(answer.headers['content-type']).not.toMatch(/text\/html/)
    }
    // A query names its own page: stored by Fastify, then answered at the front.
    expect((await throughFastify(() => get(`${SEED_PATH}?utm=1`)))[1]).toBe(false)
    // So does a trailing slash (the same route, another address).
    expect((await throughFastify(() => get('/archive/')))[1]).toBe(true)
    expect((await throughFastify(() => get('/archive/')))[1]).toBe(false)
  })

  it('never answers from an older generation: after a write, Fastify renders the page anew', async () => {
    await get(SEED_PATH)
    expect((await throughFastify(() => get(SEED_PATH)))[1]).toBe(false)
    await blog.app.db.updateTable('posts').set({ title: 'Un titre changé par le front' }).where('slug', 'like', 'syrie-daech%').execute()
    const [after, afterSeen] = await throughFastify(() => get(SEED_PATH, { 'accept-encoding': 'identity' }))
    expect(afterSeen).toBe(true)
    expect(after.headers['x-page-cache']).toBe('miss')
    expect(after.body.toString()).toContain('Un titre changé par le front')
  })

  it("never answers from an older generation: after another process's write, Fastify renders the page anew", async () => {
    await get(SEED_PATH)
    expect((await throughFastify(() => get(SEED_PATH)))[1]).toBe(false)
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run("update posts set title = ? where slug like 'syrie-daech%'", 'Modifié par une autre instance')
    } finally {
      await other.close()
    }
    const [after, afterSeen] = await throughFastify(() => get(SEED_PATH, { 'accept-encoding': 'identity' }))
    expect(afterSeen).toBe(true)
    expect(after.body.toString()).toContain('Modifié par une autre instance')
    expect((await throughFastify(() => get(SEED_PATH)))[1]).toBe(false)
  })

  it('reads what other processes wrote once, until they write (SQLite: the wal-index header; PostgreSQL: at each turn)', async () => {
    await get(SEED_PATH)
    await get(SEED_PATH)
    const before = blog.app.pageCacheFront!.readings
    for (let i = 0; i < 5; i++) expect((await throughFastify(() => get(SEED_PATH)))[1]).toBe(false)
    const sqlite = blog.app.dialect === 'sqlite'
    expect(blog.app.pageCacheFront!.readings - before).toBe(sqlite ? 0 : 5)
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run("update posts set title = ? where slug like 'syrie-daech%'", 'Écrit ailleurs, encore')
    } finally {
      await other.close()
    }
    const [after, afterSeen] = await throughFastify(() => get(SEED_PATH, { 'accept-encoding': 'identity' }))
    expect(afterSeen).toBe(true)
    expect(after.body.toString()).toContain('Écrit ailleurs, encore')
    expect(blog.app.pageCacheFront!.readings - before).toBe(sqlite ? 1 : 6)
  })

  it('leaves everything to Fastify once the app closes (its 503)', async () => {
    await get(SEED_PATH)
    expect((await throughFastify(() => get(SEED_PATH)))[1]).toBe(false)
    await blog.app.close()
    expect(whileClosing).toEqual({ served: false, written: [] })
  })
})

// Built without a logger (as the tests' apps are by default), a route's logger has no level: the front answered a
// hit, then failed on that level, and the connection's next request got Node's 400 (a browser's next page).
describe('the page cache front, in an app without a logger', () => {
  let blog: TestBlog
  let base: string
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'on' } })
    base = await blog.app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => blog.close())

  it('answers a hit, then the next request on the same connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const get = (path: string) =>
      new Promise<{ status: number; cache: unknown }>((resolve, reject) => {
        httpRequest(`${base}${path}`, { agent }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode!, cache: res.headers['x-page-cache'] }))
        })
          .on('error', reject)
          .end()
      })
    try {
      expect(await get('/')).toEqual({ status: 200, cache: 'miss' })
      expect(await get('/')).toEqual({ status: 200, cache: 'hit' })
      expect(await get('/category/syrie')).toEqual({ status: 200, cache: 'miss' })
      expect(await get('/category/syrie')).toEqual({ status: 200, cache: 'hit' })
      expect(await get('/')).toEqual({ status: 200, cache: 'hit' })
    } finally {
      agent.destroy()
    }
  })
})
