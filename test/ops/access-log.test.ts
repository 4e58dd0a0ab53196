// The access log: one line per answered request (method, path, status, bytes, duration), gathered and written off
// the event loop, and none lost when the server stops. A real server process, SIGTERM'd right after its last answer.
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogOutput } from '../../src/ops/logging.ts'
import { buildTestApp, useTempDir } from '../helpers/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'

interface AccessLine {
  level: number
  time: number
  msg: string
  reqId: string
  method: string
  path: string
  status: number
  bytes: number
  ms: number
}

describe('the access log of a real server', () => {
  const tmp = useTempDir('access-log')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('one line per request, with its method, path, status, bytes and duration; none lost at SIGTERM', async () => {
    const server = await startServer({ DATABASE_URL: database.url, ...database.env, PAGE_CACHE: 'on' })
    const paths = ['/', '/nope', '/feed.rss', '/?q=%22x%22']
    const N = 120
    const sizes = new Map<string, number>()
    try {
      // Several at once, as readers come; the last answers arrive just before the signal.
      for (let i = 0; i < N; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, j) => {
            const path = paths[(i + j) % paths.length]!
            const res = await fetch(`${server.url}${path}`, { headers: { 'accept-encoding': 'identity' } })
            sizes.set(`${path} ${res.status}`, (await res.arrayBuffer()).byteLength)
          }),
        )
      }
    } finally {
      server.child.kill('SIGTERM')
    }
    expect(await server.exited).toBe(0)
    const records = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AccessLine)
    // Fastify's own request lines are gone: one line a request.
    expect(records.filter((r) => /incoming request|request completed/.test(r.msg))).toEqual([])
    const access = records.filter((r) => r.msg === 'access')
    // startServer's own requests: none (it waits for the "listening" line).
    expect(access).toHaveLength(N)
    expect(new Set(access.map((r) => r.reqId)).size).toBe(N)
    for (const r of access) {
      expect(Object.keys(r)).toEqual(['level', 'time', 'msg', 'reqId', 'method', 'path', 'status', 'bytes', 'ms'])
      expect(r.level).toBe(30)
      expect(r.method).toBe('GET')
      expect(paths).toContain(r.path)
      expect(r.ms).toBeGreaterThan(0)
      // What went out: the body and its headers.
      expect(r.bytes).toBeGreaterThan(sizes.get(`${r.path} ${r.status}`)!)
      expect(r.bytes).toBeLessThan(sizes.get(`${r.path} ${r.status}`)! + 2048)
    }
    expect(access.filter((r) => r.path === '/nope').map((r) => r.status)).toEqual(Array(N / 4).fill(404))
    expect(access.filter((r) => r.path === '/').every((r) => r.status === 200)).toBe(true)
    // The shutdown's own line comes after the last request's.
    const lines = server.output().split('\n')
    expect(lines.findIndex((l) => l.includes('shutting down'))).toBeGreaterThan(lines.findLastIndex((l) => l.includes('"msg":"access"')))
  })
})

describe('the log level', () => {
  it('takes access lines at info, not at warn', async () => {
    for (const level of ['info', 'warn']) {
      const lines: string[] = []
      const blog = await buildTestApp({ logger: { level, stream: { write: (l: string) => void lines.push(l) } } })
      try {
        expect((await blog.app.inject('/')).statusCode).toBe(200)
        expect((await blog.app.inject('/nope')).statusCode).toBe(404)
      } finally {
        await blog.close()
      }
      const access = lines.map((l) => JSON.parse(l) as AccessLine).filter((r) => r.msg === 'access')
      expect(access.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(level === 'info' ? ['GET / 200', 'GET /nope 404'] : [])
    }
  })
})

describe('LogOutput', () => {
  const tmp = useTempDir('log-output')

  it('writes every line, in order, once flushed', async () => {
    const file = join(tmp.path, 'out.log')
    const fd = openSync(file, 'w')
    const out = new LogOutput(fd, { chunkBytes: 100 })
    for (let i = 0; i < 1000; i++) out.write(`line ${i}\n`)
    await out.flush()
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''))
  })

  it('writes lines of any script and length as they were given, across chunks', async () => {
    const file = join(tmp.path, 'scripts.log')
    const fd = openSync(file, 'w')
    // Small chunks: Arabic (2 bytes a letter), Japanese (3), emoji (4 bytes, two UTF-16 units), a line longer than a
    // chunk.
    const out = new LogOutput(fd, { chunkBytes: 48 })
    const lines = [
      '{"path":"/archive/2026/12/07/مرحبا-بالعالم.html"}\n',
      '{"p":"/مرحبا-بالعالم"}\n',
      '{"q":"日本語のブログ記事を読むのが好きです"}\n',
      '{"path":"/tag/🎉🎉🎉"}\n',
      `{"path":"/${'é'.repeat(200)}"}\n`,
      'short\n',
      '{"path":"/search?q=عربي 😀"}\n',
    ]
    for (let i = 0; i < 50; i++) for (const line of lines) out.write(line)
    await out.flush()
    closeSync(fd)
    expect(readFileSync(file, 'utf8')).toBe(lines.join('').repeat(50))
  })

  it('keeps at most its bound waiting, and says how many lines it dropped', async () => {
    const file = join(tmp.path, 'bounded.log')
    const fd = openSync(file, 'w')
    // Nothing is handed to the thread pool before the event loop turns: all 100 lines wait at once.
    const out = new LogOutput(fd, { chunkBytes: 1 << 20, maxBytes: 100 })
    for (let i = 0; i < 100; i++) out.write('0123456789\n')
    expect(out.pendingBytes).toBeLessThanOrEqual(100)
    out.flushSync()
    closeSync(fd)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    expect(lines.slice(0, 9)).toEqual(Array(9).fill('0123456789'))
    expect(JSON.parse(lines[9]!)).toMatchObject({ level: 40, dropped: 91 })
  })
})
