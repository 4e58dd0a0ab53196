import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from '../../src/db/errors.ts'

const withCode = (code: string) => Object.assign(new Error(code), { code })
/** A socket's error, as Node gives it: the system call that failed is named. */
const socketError = (code: string, syscall = 'connect') => Object.assign(new Error(`${syscall} ${code}`), { code, syscall })

describe('isDatabaseUnavailable', () => {
  it('says "not now" for a full disk, a busy lock or a server away, on either database', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_IOERR_WRITE', '53100', '53300', '57P01', '08006', '40P01']) {
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(true)
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) expect(isDatabaseUnavailable(socketError(code)), code).toBe(true)
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    // pg's messages without a code, as a real server gave them (test/http/postgres-outage.test.ts): a client used
    // after the server ended its connection, and a pool that could not connect in time.
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true)
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true)
    // Kysely wraps the driver's error; Node's connect() to several addresses throws an AggregateError.
    expect(isDatabaseUnavailable(new Error('query failed', { cause: withCode('57P03') }))).toBe(true)
    expect(isDatabaseUnavailable(new AggregateError([socketError('ECONNREFUSED')]))).toBe(true)
  })

  it('says a bug is a bug', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', '23505', '42P01', '22021']) {
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(false)
    }
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false)
    expect(isDatabaseUnavailable(null)).toBe(false)
  })

  it('says a client that hung up is not the database (Node’s "aborted": an ECONNRESET of no system call)', async () => {
    const { createServer, request } = await import('node:http')
    const seen = await new Promise<unknown>((resolve) => {
      const server = createServer((req) => {
        req.on('error', (err) => {
          resolve(err)
          server.close()
        })
        req.resume()
      })
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '100' } })
        req.on('error', () => {})
        req.write('half', () => setTimeout(() => req.destroy(), 50))
      })
    })
    expect((seen as { code?: string }).code).toBe('ECONNRESET')
    expect(isDatabaseUnavailable(seen)).toBe(false)
  })
})
