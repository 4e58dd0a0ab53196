// Every cache has a stated bound (src/cache/README.md) and refuses to grow beyond it: filled past it, it keeps
// no more than its bound.
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Compressor, WORKER_OLD_MB, WORKER_YOUNG_MB } from '../../src/cache/compression.ts'
import { Memos } from '../../src/cache/freshness.ts'
import { PageStore, type Entry } from '../../src/cache/page-cache.ts'
import { StatementCache } from '../../src/db/sqlite.ts'
import { MemoryStore } from '../../src/http/rate-limit.ts'

const entry = (bytes: number): Entry => ({
  headers: {},
  etag: '"x"',
  lastModified: null,
  length: bytes,
  identity: Buffer.alloc(bytes),
  bytes,
  answers: {},
})

describe('cache bounds', () => {
  it('freshness memos: at most their number of results, the oldest dropped first', async () => {
    const memos = new Memos(5)
    for (let i = 0; i < 12; i++) await memos.get(1, `k${i}`, async () => i)
    expect(memos.size).toBe(5)
    // The newest are kept: asking again computes nothing.
    expect(await memos.get(1, 'k11', async () => -1)).toBe(11)
    expect(await memos.get(1, 'k0', async () => -1)).toBe(-1)
  })

  it('page store: at most its entries and its bytes, least recently used dropped first', () => {
    const byEntries = new PageStore(3, 1 << 20)
    for (let i = 0; i < 10; i++) byEntries.set(`p${i}`, entry(100))
    expect(byEntries.size).toBe(3)
    expect(byEntries.get('p9')).toBeDefined()
    expect(byEntries.get('p0')).toBeUndefined()
    const byBytes = new PageStore(1000, 1000)
    for (let i = 0; i < 10; i++) byBytes.set(`p${i}`, entry(300))
    expect(byBytes.bytes).toBeLessThanOrEqual(1000)
    expect(byBytes.size).toBe(3)
    // A copy added to an entry (its br or gzip form) counts too.
    byBytes.grow(byBytes.get('p9')!, 500)
    expect(byBytes.bytes).toBeLessThanOrEqual(1000)
  })

  it("SQLite's prepared statements: at most its number of SQL texts", () => {
    const sqlite = new BetterSqlite3(':memory:')
    const statements = new StatementCache(sqlite, 4)
    for (let i = 0; i < 20; i++) statements.prepare(`select ${i}`)
    expect(statements.sqlTexts()).toEqual(['select 16', 'select 17', 'select 18', 'select 19'])
    sqlite.close()
  })

  it('per-instance rate limits: at most MAX_KEYS clients counted', () => {
    const store = new MemoryStore()
    for (let i = 0; i < MemoryStore.MAX_KEYS + 500; i++) store.incr(`client ${i}`, () => {}, 60_000)
    expect(store.size).toBe(MemoryStore.MAX_KEYS)
  })

  it('the compression worker: a heap of its own bounded size, and it still compresses', async () => {
    const compressor = new Compressor()
    try {
      const page = Buffer.from('<p>Une page de blog, répétée.</p>\n'.repeat(2000))
      const br = await compressor.compress(page, 'br')
      expect(br!.length).toBeLessThan(page.length / 10)
      expect(compressor.resourceLimits).toMatchObject({ maxOldGenerationSizeMb: WORKER_OLD_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB })
      expect(WORKER_OLD_MB).toBeLessThanOrEqual(16)
    } finally {
      await compressor.close()
    }
  })
})
