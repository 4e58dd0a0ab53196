// A test file in the postgres project must test PostgreSQL: one that makes its own SQLite file (a hand-made
// `carnet.db` path, better-sqlite3, openSqlite) silently runs on SQLite there. Tests get their database from the
// helpers (test/helpers/app.ts buildTestApp, test/helpers/database.ts createTestDatabase) and read rows back
// through app.db or test/helpers/other-connection.ts. Tests of SQLite's own machinery go in SQLITE_ONLY.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NO_DATABASE, POSTGRES_ONLY, SQLITE_ONLY } from './projects.ts'

const ROOT = resolve(import.meta.dirname, '..')

/** Files outside SQLITE_ONLY and NO_DATABASE that may name SQLite, and why. Keep each reason true. */
const ALLOWED: Record<string, string> = {
  'test/projects.ts': 'names better-sqlite3 in a comment',
  'test/helpers/database.ts': 'the helper itself: the SQLite half of createTestDatabase',
  'test/helpers/other-connection.ts': 'the helper itself: the SQLite half of the dialect-neutral connection',
  'test/crash.test.ts': "runs on both; only SQLite's integrity_check of its file is guarded by testDialect() === 'sqlite'",
  'test/shutdown.test.ts': "runs on both; only SQLite's WAL-file and integrity checks are guarded by testDialect() === 'sqlite'",
  'test/media/publish.test.ts': "'/media/../carnet.db' is an address a visitor tries, not a database the test opens",
}

/** What a file does when it makes its own SQLite database instead of the test's. */
const SQLITE_BY_HAND: Array<[string, RegExp]> = [
  ['names carnet.db', /carnet\.db/],
  ['uses better-sqlite3', /better-sqlite3|BetterSqlite3/],
  ['opens SQLite itself', /openSqlite|src\/db\/sqlite\.ts/],
  ['makes a database path by hand', /(DATABASE_URL|databasePath)\s*:\s*join\(/],
]

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path)
    return entry.name.endsWith('.ts') ? [relative(ROOT, path)] : []
  })
}

/** projects.ts's patterns are file paths or `folder/**`. */
function listed(patterns: readonly string[], file: string): boolean {
  return patterns.some((p) => (p.endsWith('/**') ? file.startsWith(p.slice(0, -2)) : file === p))
}

/** Why a file makes its own SQLite database, or nothing. */
function sqliteByHand(source: string): string[] {
  return SQLITE_BY_HAND.filter(([, pattern]) => pattern.test(source)).map(([why]) => why)
}

describe('test/projects.ts', () => {
  const files = tsFiles(join(ROOT, 'test'))

  it('names files and folders that exist', () => {
    const missing = [...SQLITE_ONLY, ...NO_DATABASE, ...POSTGRES_ONLY, ...Object.keys(ALLOWED)].filter((p) => {
      const path = join(ROOT, p.endsWith('/**') ? p.slice(0, -3) : p)
      return !existsSync(path) || (p.endsWith('/**') ? !statSync(path).isDirectory() : !statSync(path).isFile())
    })
    expect(missing).toEqual([])
  })

  it('no file that runs on PostgreSQL makes its own SQLite database (outside the allowed helpers and cases)', () => {
    const offenders = files
      .filter((f) => !listed(SQLITE_ONLY, f) && !listed(NO_DATABASE, f) && !(f in ALLOWED))
      .map((f) => [f, sqliteByHand(readFileSync(join(ROOT, f), 'utf8'))] as const)
      .filter(([, why]) => why.length > 0)
      .map(([f, why]) => `${f}: ${why.join(', ')} (use test/helpers/database.ts, or list it in SQLITE_ONLY with a reason)`)
    expect(offenders).toEqual([])
  })

  it('allows no file that no longer needs it', () => {
    const stale = Object.keys(ALLOWED).filter((f) => sqliteByHand(readFileSync(join(ROOT, f), 'utf8')).length === 0)
    expect(stale).toEqual([])
  })

  it('recognises a test that makes its own SQLite file', () => {
    expect(sqliteByHand("loadConfig({ DATABASE_URL: join(dir, 'carnet.db'), SITE_URL })")).toEqual([
      'names carnet.db',
      'makes a database path by hand',
    ])
    expect(sqliteByHand("import BetterSqlite3 from 'better-sqlite3'")).toEqual(['uses better-sqlite3'])
    expect(sqliteByHand("await app.register(database, { databasePath: join(dir, 'blog.db') })")).toEqual(['makes a database path by hand'])
    expect(sqliteByHand('const db = await createTestDatabase(dir); buildTestApp({ env: { DATABASE_URL: db.url } })')).toEqual([])
  })
})
