// What a client's own doing leaves in the log (issue 30): a client that hangs up in the middle of its request, a
// refused CSRF token. Neither is the database's failure nor ours: no error or warn line, and never "database
// unavailable" (which an operator is paged for).
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { commentsOf, logRecords, openPost, send } from '../helpers/comments.ts'
import { AdminClient, createAdmin } from '../helpers/admin.ts'

type Line = { msg: string; level: number; code?: string; reqId?: string }
const WARN = 40

let blog: TestBlog
let logs: Line[]
beforeEach(async () => {
  const log = logRecords<Line>()
  log.logger.level = 'debug'
  logs = log.records
  blog = await buildTestApp({ logger: log.logger, env: { COMMENT_RATE_LIMIT: '0' } })
})
afterEach(() => blog.close())

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Sends a comment POST's headers and half its body on a real socket, then destroys the socket. */
async function hangUpMidBody(port: number, path: string): Promise<void> {
  const body = new URLSearchParams({ author: 'Zoë', body: 'Un texte que le client abandonne en route. '.repeat(20) }).toString()
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: blog.test\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, body.length / 2)}`,
  )
  // Long enough for the server to have read the headers and started on the body.
  await new Promise((r) => setTimeout(r, 100))
  socket.destroy()
}

describe('a client that hangs up in the middle of a comment', () => {
  it('is no database outage: no error or warn line, nothing stored, and the next comment is stored', async () => {
    const post = await openPost(blog)
    await blog.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = blog.app.server.address() as AddressInfo
    for (let i = 0; i < 3; i++) {
      const before = logs.length
      await hangUpMidBody(port, post.url)
      // The server has dealt with the request when it says it has aborted it (no reply can be sent to a closed socket).
      await until(() => logs.slice(before).some((l) => l.msg === 'request aborted by the client'), 'a line about the request')
    }
    // Give any later line (an error page rendered for nobody) time to be written.
    await new Promise((r) => setTimeout(r, 200))
    expect(logs.filter((l) => l.msg === 'request aborted by the client')).toHaveLength(3)
    expect(logs.filter((l) => l.level >= WARN)).toEqual([])
    expect(logs.filter((l) => /database/i.test(l.msg))).toEqual([])
    expect(await commentsOf(blog, post.id)).toHaveLength(0)
    expect((await send(blog, post.url, { author: 'Rania', body: 'Un commentaire entier.' })).statusCode).toBe(303)
  })
})

describe('a refused CSRF token', () => {
  it('is an ordinary refusal: one info line, no warn or error', async () => {
    await createAdmin(blog.app)
    const admin = new AdminClient(blog.app)
    await admin.signIn()
    await admin.get('/admin/settings')
    const before = logs.length
    expect((await admin.post('/admin/settings', { _csrf: 'not-the-token' })).statusCode).toBe(403)
    // Signed out: no secret in the session at all.
    const anonymous = await blog.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=alice&password=x&_csrf=x',
    })
    expect(anonymous.statusCode).toBe(403)
    const lines = logs.slice(before).filter((l) => l.level >= 30 && l.msg !== 'access')
    expect(lines.filter((l) => l.level >= WARN)).toEqual([])
    expect(lines.map((l) => [l.level, l.code])).toEqual([
      [30, 'FST_CSRF_INVALID_TOKEN'],
      [30, 'FST_CSRF_MISSING_SECRET'],
    ])
  })
})
