import { existsSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { startServer } from './helpers/server-process.ts'
import { useTempDir } from './helpers/app.ts'

describe('graceful shutdown', () => {
  const tmp = useTempDir('shutdown')

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    const dbPath = join(tmp.path, 'carnet.db')
    const server = await startServer({ DATABASE_URL: dbPath })
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

    // The database was closed cleanly: the last connection checkpointed and removed the WAL file.
    expect(existsSync(`${dbPath}-wal`)).toBe(false)
    const db = new BetterSqlite3(dbPath)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })
})
