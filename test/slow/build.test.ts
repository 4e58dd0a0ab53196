// `npm start` runs the compiled server (tsconfig.build.json → build/): it must start on a new database (its
// migrations compiled too, found as .js) and serve the same pages as the TypeScript sources.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

describe('the compiled server (npm start)', () => {
  let dir: string
  let server: ServerProcess
  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { encoding: 'utf8' })
    expect(build.status, build.stdout + build.stderr).toBe(0)
    dir = mkdtempSync(join(tmpdir(), 'carnet-build-'))
    server = await startServer({ DATABASE_URL: join(dir, 'carnet.db') }, 20_000, ['build/src/server.js'])
  }, 60_000)
  afterAll(async () => {
    server?.child.kill('SIGTERM')
    await server?.exited
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  it('migrates a new database and serves the pages', async () => {
    const home = await fetch(`${server.url}/`)
    expect(home.status).toBe(200)
    const html = await home.text()
    expect(html).toContain('<!DOCTYPE html>')
    expect(html).toContain('class="sidebar"')
    const css = /href="(\/static\/css\/carnet\.css\?v=[^"]+)"/.exec(html)?.[1]
    expect((await fetch(`${server.url}${css}`)).status).toBe(200)
    const db = new BetterSqlite3(join(dir, 'carnet.db'), { readonly: true })
    try {
      const names = db.prepare('select name from kysely_migration order by name').pluck().all() as string[]
      expect(names).toContain('2026_11_26_13_00_00_counters')
      expect(names.every((n) => !/\.(js|ts)$/.test(n))).toBe(true)
    } finally {
      db.close()
    }
  })
})
