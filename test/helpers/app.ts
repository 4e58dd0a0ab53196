// Each test gets a real database (a SQLite file in its own temp folder, or in the postgres project a fresh
// PostgreSQL database, see database.ts) and the real app, and closes both.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach } from 'vitest'
import { buildApp, type BuildOptions } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { createTestDatabase, testDialect, type TestDatabase } from './database.ts'

export const SITE_URL = 'http://blog.test'

export interface TestBlog {
  app: FastifyInstance
  config: Readonly<Config>
  dir: string
  close(): Promise<void>
}

export async function buildTestApp(
  options: {
    demo?: boolean
    env?: Record<string, string>
    dir?: string
    logger?: BuildOptions['logger']
    /** buildApp's options other than the logger (a lowered limit). */
    build?: Omit<BuildOptions, 'logger'>
    /** Routes a test adds to the real app (stand-ins for other features); called before it is ready. */
    beforeReady?: (app: FastifyInstance) => void
  } = {},
): Promise<TestBlog> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'carnet-test-'))
  // A test that names its own database keeps it; a test that gives a folder of its own reopens the same one.
  const database = options.env?.DATABASE_URL ? undefined : await testDatabaseFor(dir, options.dir !== undefined)
  const config = loadConfig({
    ...database?.env,
    // Without one of its own, the test's database (options.env names it otherwise).
    DATABASE_URL: database?.url,
    // The test's own folder on either database (on PostgreSQL the default would be ./data/media).
    MEDIA_DIR: join(dir, 'media'),
    SITE_URL,
    DEMO_CONTENT: options.demo === false ? 'false' : 'true',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    // Background jobs run when a test says so (app.jobs.runDue()), not on a timer.
    JOBS_POLL_MS: '0',
    ...options.env,
  })
  let app: FastifyInstance
  try {
    app = await buildApp(config, { ...options.build, logger: options.logger ?? false })
    options.beforeReady?.(app)
    await app.ready()
  } catch (err) {
    if (!options.dir) await database?.drop()
    throw err
  }
  return {
    app,
    config,
    dir,
    async close() {
      await app.close()
      if (!options.dir) {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
        await database?.drop()
      }
    },
  }
}

/**
 * The test's database. Tests that pass a folder of their own (`dir`) build the app on it more than once (a
 * restart, or a second app on the first one's folder): on PostgreSQL the folder remembers its database's URL in a
 * file, so the second app opens the same.
 */
async function testDatabaseFor(dir: string, reused: boolean): Promise<TestDatabase> {
  const remembered = join(dir, 'postgres-url')
  if (reused && existsSync(remembered))
    return { url: readFileSync(remembered, 'utf8'), env: JSON.parse(readFileSync(`${remembered}.env`, 'utf8')), drop: async () => {} }
  const database = await createTestDatabase(dir)
  if (testDialect() === 'postgres') {
    writeFileSync(remembered, database.url)
    writeFileSync(`${remembered}.env`, JSON.stringify(database.env))
  }
  return database
}

/**
 * A temporary folder of its own for each test of the describe block it is called in, removed after the test
 * (after the block's own afterEach hooks, which run first: vitest runs them last registered first).
 */
export function useTempDir(name: string): { readonly path: string } {
  const dir = { path: '' }
  beforeEach(() => {
    dir.path = mkdtempSync(join(tmpdir(), `carnet-${name}-`))
  })
  afterEach(() => rmSync(dir.path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }))
  return dir
}

/** The text a reader sees: tags removed, entities decoded, whitespace collapsed. */
export function visibleText(html: string): string {
  return (
    html
      .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, ' ')
      // Inline elements join their neighbours; block elements separate them.
      .replace(/<\/?(a|span|bdi|time|em|strong|b|i|abbr|code|small|mark|q|cite|sup|sub|del|s|kbd|label)\b[^>]*>/gi, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, '\u00a0')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\u202f/g, ' ')
      .replace(/[ \t\r\n]+/g, ' ')
      .trim()
  )
}

/** The HTML of the <main> element. */
export function mainOf(html: string): string {
  const m = /<main[^>]*>([\s\S]*?)<\/main>/.exec(html)
  if (!m) throw new Error('page has no <main>')
  return m[1]!
}

/** Asserts that each string occurs in `text` after the previous one; returns a message when it does not. */
export function expectInOrder(text: string, parts: readonly string[]): void {
  let from = 0
  for (const part of parts) {
    const at = text.indexOf(part, from)
    if (at < 0) {
      const anywhere = text.indexOf(part)
      throw new Error(
        anywhere < 0
          ? `missing: ${JSON.stringify(part)}`
          : `out of order: ${JSON.stringify(part)} is at ${anywhere}, before the previous element (at ${from})`,
      )
    }
    from = at + part.length
  }
}

/** Article titles of a list page, in order. */
export function listedTitles(html: string): string[] {
  return [...mainOf(html).matchAll(/<h2 class="post-title"><a [^>]*>([^<]*)<\/a>/g)].map((m) =>
    m[1]!
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"'),
  )
}

export const SEED_PATH = '/archive/2017/10/01/syrie-daech-s-empare-d-al-qaryatayn-ville-symbolique-dans-le-centre-de-la-syrie.html'
