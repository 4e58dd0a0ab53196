// Addresses the router cannot take (bad percent-encoding, a path parameter over 500 characters) are refused by
// Fastify before routing: they must still get the usual error page, every security header, and one info line
// in the log, no error and no stack trace.
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'

describe('malformed addresses', () => {
  let blog: TestBlog
  let app: FastifyInstance
  let log: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) log.push(JSON.parse(line) as Record<string, unknown>)
        done()
      },
    })
    // buildTestApp silences the log by default: this suite reads it.
    blog = await buildTestApp({ demo: false, env: { LOG_LEVEL: 'info' }, logger: { level: 'info', stream } })
    app = blog.app
  })
  afterAll(() => blog.close())

  const cases = [
    ['/search%FF', '/search%FF', 400],
    ['a cut percent-escape', '/%E0%A4%A', 400],
    ['a 501-character category', `/category/${'x'.repeat(501)}`, 414],
    ['a 600-character post slug', `/archive/2017/10/01/${'a'.repeat(600)}.html`, 414],
  ] as const

  it.each(cases)('%s: the error page with every security header, one info line', async (_name, url, status) => {
    const normal = await app.inject('/nope')
    log = []
    const res = await app.inject(url)
    expect(res.statusCode).toBe(status)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    // The blog's own error page (its layout, in the blog's language), not a bare fallback.
    expect(res.body).toContain('<link rel="stylesheet"')
    expect(visibleText(res.body)).toContain('Requête invalide')
    for (const [name, value] of Object.entries(app.securityHeaders)) {
      expect(res.headers[name], name).toBe(value)
      expect(res.headers[name], name).toBe(normal.headers[name])
    }
    expect(res.headers['x-frame-options']).toBe('DENY')

    expect(log.length).toBeGreaterThan(0)
    for (const line of log) {
      expect(line.level, JSON.stringify(line).slice(0, 300)).toBeLessThanOrEqual(30)
      expect(JSON.stringify(line)).not.toContain('"stack"')
    }
    const refused = log.find((line) => line.msg === 'request refused')
    expect(refused).toMatchObject({ level: 30, status })
  })
})
