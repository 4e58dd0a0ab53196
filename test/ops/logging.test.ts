// The server's log: readable lines on a developer's terminal, one JSON object a line anywhere else (a pipe, a
// file, production). Real server processes: one under a pseudo-terminal (util-linux `script`), one piped.
import { type ChildProcess, spawn } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { prettyLogs, requestMessage } from '../../src/ops/logging.ts'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'

const stripColors = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')

describe('the choice of log format', () => {
  it.each([
    [{ isTTY: true }, false, true],
    [{ isTTY: true }, true, false],
    [{ isTTY: false }, false, false],
    [{}, false, false],
  ])('output %o, production %s: readable %s', (output, production, expected) => {
    expect(prettyLogs(output, production)).toBe(expected)
  })

  it('an access line reads as its method, address, status and duration', () => {
    expect(requestMessage({ msg: 'access', method: 'GET', path: '/nope', status: 404, ms: 3.14159 })).toBe('GET /nope 404 3.1 ms')
    expect(requestMessage({ msg: 'shutting down' })).toBe('shutting down')
  })
})

describe('a real server', () => {
  const tmp = useTempDir('logging')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('piped, outside production: one JSON object a line', async () => {
    const server = await startServer({ DATABASE_URL: database.url, ...database.env, NODE_ENV: 'development' })
    try {
      expect((await fetch(`${server.url}/nope`)).status).toBe(404)
      await new Promise((r) => setTimeout(r, 200))
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
    const lines = server.output().trimEnd().split('\n')
    const records = lines.map((l) => JSON.parse(l) as { msg: string; status?: number })
    expect(records.find((r) => r.msg === 'access')?.status).toBe(404)
  })

  it('on a terminal: readable lines with the time, the level, and each request’s line, status and duration', async () => {
    // `script` gives the server a pseudo-terminal as its output; its own process group, to stop both.
    const command = `${process.execPath} --import tsx src/server.ts`
    const child: ChildProcess = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...database.env, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'development' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    const exited = new Promise((r) => child.on('exit', r))
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no server:\n${out}`)), 20_000)
        child.stdout!.on('data', () => {
          const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(stripColors(out))
          if (m) {
            clearTimeout(timer)
            resolve(m[1]!)
          }
        })
      })
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404)
      const deadline = Date.now() + 5_000
      while (!stripColors(out).includes('GET /nope 404') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    } finally {
      process.kill(-child.pid!, 'SIGTERM')
      await exited
    }
    const lines = stripColors(out).split(/\r?\n/).filter(Boolean)
    expect(lines.find((l) => l.includes('/nope'))).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/nope 404 \d+\.\d ms$/)
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([])
  })
})
