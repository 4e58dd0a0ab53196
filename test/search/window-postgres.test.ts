// PostgreSQL's search window (issue 27): a word in a share of the posts is read from the GIN index within the
// newest posts only (the two indexes' bitmaps ANDed), so that a search visits about RANGE_FACTOR × the window's
// rows, not every match; a range that holds too few matches is read again whole; the same results either way. And
// the index's shape: the narrow table a window reads, the texts apart, the visible posts told from an index.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as postgres from '../../src/search/fts.postgres.ts'
import { idSpan } from '../../src/search/rank.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const NOW = '2030-01-01T00:00:00.000Z'
const POSTS = 3000
/** searchPosts' cap here: a window of cap + 1 + 50 (the slack for invisible posts) = 56 matches. */
const CAP = 5
const WINDOW = CAP + 1 + 50

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows'?: number
  Plans?: PlanNode[]
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)]

describe('search window on PostgreSQL: the newest matches read within a range of the newest posts', () => {
  let blog: TestBlog
  const db = () => blog.app.db
  const query = (word: string) => postgres.tsquery([word], 'carnet_french')

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    const now = new Date().toISOString()
    // "escale" in every 10th post (300, spread over all of them), "vestige" in every other one of the oldest 600
    // (300: as frequent, but in none of the newest 840, the range a word in 10 % of the posts is read within).
    const rows = Array.from({ length: POSTS }, (_, i) => ({
      slug: `billet-${i}`,
      title: `Billet ${i}`,
      body_html: `<p>Un jour ${i % 10 === 0 ? 'escale ' : ''}${i < 600 && i % 2 === 1 ? 'vestige ' : ''}au port.</p>`,
      status: 'published' as const,
      published_at: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
      created_at: now,
      updated_at: now,
    }))
    for (let i = 0; i < rows.length; i += 500)
      await db()
        .insertInto('posts')
        .values(rows.slice(i, i + 500))
        .execute()
    while ((await postgres.indexBatch(db(), 2000, 'fr', true)) !== 0);
    await sql`vacuum analyze posts_search`.execute(db())
    await sql`vacuum analyze posts`.execute(db())
  }, 60_000)
  afterAll(() => blog.close())

  it('keeps the texts apart from the narrow rows a window reads', async () => {
    const columns = async (table: string) =>
      (
        await sql<{
          name: string
        }>`select column_name as name from information_schema.columns where table_name = ${table} order by ordinal_position`.execute(db())
      ).rows.map((r) => r.name)
    expect(await columns('posts_search')).toEqual(['post_id', 'config', 'document'])
    expect(await columns('posts_search_text')).toEqual(['post_id', 'title', 'body'])
  })

  it('reads a word in 10 % of the posts within the newest posts: the bitmaps ANDed, a fraction of the matches visited', async () => {
    const { share, posts } = await postgres.estimatedShare(db(), query('escale'))
    const span = await idSpan(db())
    const read = postgres.windowRead(share, posts, WINDOW, span)
    expect(read).toEqual({ backwards: false, from: expect.any(Number) })
    const plan = await db()
      .transaction()
      .execute(async (trx) => {
        await sql`set local enable_indexscan = off`.execute(trx)
        const { rows } = await sql<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>`explain (analyze, format json) ${postgres.hitsSql(
          query('escale'),
          WINDOW,
          read,
        )}`.execute(trx)
        return nodes(rows[0]!['QUERY PLAN'][0]!.Plan)
      })
    const bitmapAnd = plan.find((n) => n['Node Type'] === 'BitmapAnd')
    expect(bitmapAnd?.Plans?.map((n) => n['Index Name']).sort()).toEqual(['posts_search_document', 'posts_search_pkey'])
    const visited = plan.find((n) => n['Node Type'] === 'Bitmap Heap Scan')!['Actual Rows']!
    // About 1.5 × 56 of the 300 matches.
    expect(visited).toBeGreaterThanOrEqual(WINDOW)
    expect(visited).toBeLessThan(2 * WINDOW)
  })

  it('finds the same posts as reading every match, and reads a range that held too few again whole', async () => {
    for (const word of ['escale', 'vestige']) {
      const all = (await postgres.hitsSql(query(word), WINDOW, { backwards: false }).execute(db())).rows
      expect(all).toHaveLength(WINDOW)
      const results = await postgres.searchPosts(db(), [word], NOW, 10, 0, 'fr', CAP)
      // Every post scores the same: the newest first.
      const newest = all.map((h) => h.id).slice(0, CAP)
      expect(results.hits.map((h) => h.id)).toEqual(newest)
      expect(results.capped).toBe(true)
    }
  })

  it('tells the visible posts of a window from the index posts_listed_by_id alone, each by its key', async () => {
    const ids = (await postgres.hitsSql(query('escale'), WINDOW, { backwards: false }).execute(db())).rows.map((h) => h.id)
    expect((await postgres.visibleSql(ids, NOW, CAP + 1).execute(db())).rows.map((r) => r.id)).toEqual(ids.slice(0, CAP + 1))
    const plan = await db()
      .transaction()
      .execute(async (trx) => {
        // 3,000 posts are read whole faster: what a large blog's search does is looking each one up.
        await sql`set local enable_seqscan = off; set local enable_hashjoin = off; set local enable_mergejoin = off`.execute(trx)
        const { rows } = await sql<{
          'QUERY PLAN': Array<{ Plan: PlanNode }>
        }>`explain (format json) ${postgres.visibleSql(ids, NOW, CAP + 1)}`.execute(trx)
        return nodes(rows[0]!['QUERY PLAN'][0]!.Plan)
      })
    expect(plan.filter((n) => n['Index Name']).map((n) => [n['Node Type'], n['Index Name']])).toEqual([
      ['Index Only Scan', 'posts_listed_by_id'],
    ])
  })
})
