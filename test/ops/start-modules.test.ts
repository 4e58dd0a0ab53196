// What a start and a reader's requests load: none of the modules only writers, the admin or another database
// need (src/lib/lazy.ts). Each one loaded stays in the server's memory for good (bench/RESULTS.md: sharp, pg,
// nodemailer and the importer's XML parser held ~12 MB of the demo blog's idle 186 MB).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, testDialect, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'

/** Packages loaded at their first use only (by path in node_modules). */
function lazyPackages(): string[] {
  // On PostgreSQL, pg is the database's driver: loaded at start. @fedify/fedify alone is 62 MB of RSS and 16 MB of
  // V8 heap (jsonld with it): loaded by the first request from another server or the first delivery.
  // microformats-parser (and parse5 with it) reads a webmention's source: loaded by the first one received.
  return [
    'sharp',
    '@img',
    'nodemailer',
    'saxes',
    '@fedify',
    'jsonld',
    'microformats-parser',
    'parse5',
    ...(testDialect() === 'sqlite' ? ['pg', 'pg-protocol'] : []),
  ]
}

describe('a server that readers use', () => {
  const tmp = useTempDir('start-modules')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('loads no module that only writers, the admin or another database need', async () => {
    const trace = join(tmp.path, 'modules.txt')
    const server = await startServer({ DATABASE_URL: database.url, ...database.env, PAGE_CACHE: 'on', LOADED_MODULES: trace }, 20_000, [
      '--import',
      'tsx',
      '--import',
      './test/fixtures/loaded-modules.mjs',
      'src/server.ts',
    ])
    try {
      const home = await (await fetch(`${server.url}/`)).text()
      const post = /href="(\/archive\/[^"]+\.html)"/.exec(home)?.[1]
      expect(post).toBeDefined()
      const page = await fetch(server.url + post!)
      expect(page.status).toBe(200)
      await page.arrayBuffer()
      for (const path of ['/feed.xml', '/search?q=ville', '/sitemap.xml', '/media/none.jpg'])
        await (await fetch(server.url + path)).arrayBuffer()
      const comment = new URLSearchParams({ author: 'Lectrice', email: 'l@example.org', url: '', body: 'Un avis de passage.' })
      const posted = await fetch(server.url + post!, { method: 'POST', body: comment, redirect: 'manual' })
      expect(posted.status).toBe(303)
      const loaded = readFileSync(trace, 'utf8')
      // The trace works: it saw the packages a reader's page does need.
      expect(loaded).toMatch(/node_modules\/fastify\//)
      expect(loaded).toMatch(/node_modules\/eta\//)
      const packages = new Set([...loaded.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!.replace(/\/.*$/, '')))
      expect(lazyPackages().filter((p) => packages.has(p))).toEqual([])
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
