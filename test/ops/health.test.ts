// GET /healthz on either database: 200 `ok` while the database answers, plain text, never cached nor limited,
// not logged at info; a real server process answers `shutting-down` (503) to a probe that arrives while it closes.
// The database away (PostgreSQL stopped): test/http/postgres-outage.test.ts.
import net from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog, useTempDir } from '../helpers/app.ts'
import { logRecords } from '../helpers/comments.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'

describe('GET /healthz', () => {
  let blog: TestBlog
  let logs: Array<{ msg: string; level: number; req?: { url?: string }; url?: string }>
  beforeAll(async () => {
    const log = logRecords<(typeof logs)[number]>()
    logs = log.records
    blog = await buildTestApp({ env: { PAGE_CACHE: 'on' }, logger: log.logger })
  })
  afterAll(() => blog.close())

  it('answers 200 ok in plain text, never stored by any cache', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await blog.app.inject('/healthz')
      expect(res.statusCode).toBe(200)
      expect(res.body).toBe('ok')
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-store')
      // Neither the page cache nor the validators (ETag, 304) touch it.
      expect(res.headers['x-page-cache']).toBeUndefined()
      expect(res.headers.etag).toBeUndefined()
    }
    const head = await blog.app.inject({ method: 'HEAD', url: '/healthz' })
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
  })

  it('is never rate-limited, and its successes are not logged at info', async () => {
    logs.length = 0
    for (let i = 0; i < 150; i++) expect((await blog.app.inject('/healthz')).statusCode).toBe(200)
    expect(logs.filter((l) => JSON.stringify(l).includes('/healthz'))).toEqual([])
    // Other requests still are.
    await blog.app.inject('/')
    expect(logs.filter((l) => l.msg === 'access')).toHaveLength(1)
  })
})

describe('a real server that is shutting down', () => {
  const tmp = useTempDir('health')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('answers a probe on an open connection 503 shutting-down, then exits 0', async () => {
    const server = await startServer({ DATABASE_URL: database.url, ...database.env })
    try {
      const ok = await fetch(`${server.url}/healthz`)
      expect(ok.status).toBe(200)
      expect(await ok.text()).toBe('ok')

      // A probe whose request is under way when SIGTERM comes (its connection is not idle: it stays open).
      const socket = net.connect(server.port, '127.0.0.1')
      await new Promise((r) => socket.once('connect', r))
      let response = ''
      socket.on('data', (d) => (response += d))
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n')
      await new Promise((r) => setTimeout(r, 200))
      server.child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 300))
      socket.write('\r\n')
      await new Promise((r) => socket.once('close', r))

      expect(response).toMatch(/^HTTP\/1\.1 503 /)
      expect(response).toMatch(/\r\ncontent-type: text\/plain; charset=utf-8\r\n/i)
      expect(response).toMatch(/\r\ncache-control: no-store\r\n/i)
      expect(response).toMatch(/\r\nconnection: close\r\n/i)
      expect(response.split('\r\n\r\n')[1]).toBe('shutting-down')
      expect(await server.exited).toBe(0)
    } finally {
      server.child.kill('SIGKILL')
    }
  })
})
