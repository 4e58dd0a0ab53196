// Graceful shutdown of the real server, on either database: SIGTERM lets the request in flight finish, then the
// database is closed (SQLite: checkpointed, no WAL left; PostgreSQL: the pool ended) and the process exits 0.
import { existsSync } from 'node:fs'
import net from 'node:net'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startServer } from './helpers/server-process.ts'
import { useTempDir } from './helpers/app.ts'
import { createTestDatabase, testDialect, type TestDatabase } from './helpers/database.ts'

describe('graceful shutdown', () => {
  const tmp = useTempDir('shutdown')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    // On PostgreSQL, closing the database ends the pool: a connection never given back would hold the exit until
    // the 10 s timeout (exit 1).
    const server = await startServer({ DATABASE_URL: database.url, ...database.env })
    expect((await fetch(`${server.url}/`)).status).toBe(200)

    // A request in flight: its body arrives in two parts, with the SIGTERM in between.
    const socket = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    let response = ''
    socket.on('data', (d) => (response += d))
    const body = 'author=x&body=hello'
    socket.write(
      `POST /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    )
    await new Promise((r) => setTimeout(r, 200))
    const signalledAt = Date.now()
    server.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))

    // No new connections once shutting down.
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(server.port, '127.0.0.1')
      probe.once('connect', () => {
        probe.destroy()
        resolve(false)
      })
      probe.once('error', () => resolve(true))
    })
    expect(refused).toBe(true)

    socket.write(body.slice(5))
    await new Promise((r) => socket.once('close', r))
    expect(response).toMatch(/^HTTP\/1\.1 404 /)
    expect(response).toContain('Page introuvable')

    expect(await server.exited).toBe(0)
    expect(Date.now() - signalledAt).toBeLessThan(5_000)
    expect(server.output()).toContain('shutting down')

    if (testDialect() === 'sqlite') {
      // The database was closed cleanly: the last connection checkpointed and removed the WAL file.
      expect(existsSync(`${database.url}-wal`)).toBe(false)
      const db = new BetterSqlite3(database.url)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      db.close()
    }
  })
})
