// Erasing old comments' IP addresses on a big blog (an import of years of comments): the comments to erase are
// found through an index that holds only those with an address (a run reads nothing when there is nothing to
// erase), and erased ERASE_BATCH at a time: a start waits for one batch, the rest follows in the background.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ERASE_BATCH, eraseOldIps } from '../../src/content/ip-retention.ts'
import { testDialect } from '../helpers/database.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const OLD = 2 * ERASE_BATCH + 500
/** A parameter written into the statement (EXPLAIN takes no parameters). */
const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`)
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()

describe('erasing old IP addresses in batches', () => {
  let dir: string
  let blog: TestBlog | undefined
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-ip-batches-'))
  })
  afterEach(async () => {
    await blog?.close()
    blog = undefined
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  /** OLD comments 100 days old and 10 recent ones, all with an address. */
  async function comments(b: TestBlog) {
    const row = (i: number, days: number) => ({
      post_id: 1,
      parent_id: null,
      author_name: `Lecteur ${i}`,
      body: `Commentaire ${i}`,
      status: 'approved' as const,
      created_at: daysAgo(days),
      ip: `192.0.2.${i % 250}`,
    })
    const rows = [...Array.from({ length: OLD }, (_, i) => row(i, 100)), ...Array.from({ length: 10 }, (_, i) => row(OLD + i, 10))]
    for (let i = 0; i < rows.length; i += 500)
      await b.app.db
        .insertInto('comments')
        .values(rows.slice(i, i + 500))
        .execute()
  }
  const withIp = async (b: TestBlog) =>
    Number(
      (
        await b.app.db
          .selectFrom('comments')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('ip', 'is not', null)
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('finds the comments to erase through an index, never by reading every comment', async () => {
    blog = await buildTestApp({ dir })
    const cutoff = daysAgo(90)
    const query = blog.app.db
      .selectFrom('comments')
      .select('id')
      .where('ip', 'is not', null)
      .where('created_at', '<', cutoff)
      .limit(ERASE_BATCH)
      .compile()
    if (testDialect() === 'sqlite') {
      const plan = blog.app.sqlite.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as Array<{ detail: string }>
      expect(plan.map((r) => r.detail)).toEqual([expect.stringContaining('USING INDEX comments_ip_created')])
    } else {
      // With the sequential scan priced out, the planner uses the index if one serves (tiny tables aside).
      const plan = await blog.app.db.connection().execute(async (db) => {
        await sql`set enable_seqscan = off`.execute(db)
        const rows = await sql<{
          'QUERY PLAN': string
        }>`explain ${sql.raw(query.sql.replace(/\$(\d+)/g, (_, n: string) => literal(query.parameters[Number(n) - 1])))}`.execute(db)
        await sql`reset enable_seqscan`.execute(db)
        return rows.rows.map((r) => r['QUERY PLAN']).join('\n')
      })
      expect(plan).toContain('comments_ip_created')
    }
  })

  it('erases ERASE_BATCH at a time: at most `batches` batches, then says more are left', async () => {
    blog = await buildTestApp({ dir })
    await comments(blog)
    const before = await withIp(blog)
    expect(await eraseOldIps(blog.app.db, 90, new Date(), 1)).toEqual({ erased: ERASE_BATCH, more: true })
    expect(await withIp(blog)).toBe(before - ERASE_BATCH)
    expect(await eraseOldIps(blog.app.db, 90)).toEqual({ erased: OLD - ERASE_BATCH, more: false })
    expect(await withIp(blog)).toBe(before - OLD)
    expect(await eraseOldIps(blog.app.db, 90)).toEqual({ erased: 0, more: false })
  })

  it('waits at start-up for one batch and erases the rest in the background', async () => {
    blog = await buildTestApp({ dir })
    await comments(blog)
    const recent = (await withIp(blog)) - OLD
    await blog.close()
    blog = await buildTestApp({ dir })
    const left = await withIp(blog)
    expect(left).toBeLessThanOrEqual(recent + OLD - ERASE_BATCH)
    for (let i = 0; i < 100 && (await withIp(blog)) > recent; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await withIp(blog)).toBe(recent)
  })
})
