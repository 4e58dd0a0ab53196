// The rule for what readers may see is written three times (Kysely, raw SQL, JavaScript): on a real database,
// the three must pick the same posts.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  isVisibleToReaders,
  listedToReaders,
  listedToReadersSql,
  visibleToReaders,
  visibleToReadersSql,
} from '../../src/content/visibility.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const NOW = '2026-06-01T12:00:00.000Z'
const POSTS = [
  { slug: 'brouillon', status: 'draft', published_at: null },
  { slug: 'brouillon-date', status: 'draft', published_at: '2026-01-01T00:00:00.000Z' },
  { slug: 'programme', status: 'published', published_at: '2026-07-01T00:00:00.000Z' },
  { slug: 'a-l-instant', status: 'published', published_at: NOW },
  { slug: 'publie', status: 'published', published_at: '2026-05-01T00:00:00.000Z' },
  // ---- pages ----
  { slug: 'page-publiee', status: 'published', published_at: '2026-05-01T00:00:00.000Z', kind: 'page' },
  { slug: 'page-brouillon', status: 'draft', published_at: null, kind: 'page' },
] as const

describe('visible to readers', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await blog.app.db
      .insertInto('posts')
      .values(POSTS.map((p) => ({ kind: 'post' as const, ...p, title: p.slug, created_at: NOW, updated_at: NOW })))
      .execute()
  })
  afterAll(() => blog.close())

  it('is the same rule in Kysely, in raw SQL and in JavaScript', async () => {
    const db = blog.app.db
    const kysely = await db
      .selectFrom('posts as p')
      .select('p.slug')
      .where((eb) => visibleToReaders(eb, NOW))
      .orderBy('p.slug')
      .execute()
    const raw = await sql<{ slug: string }>`select slug from posts where ${visibleToReadersSql('posts', NOW)} order by slug`.execute(db)
    const rows = await db.selectFrom('posts').select(['slug', 'status', 'published_at']).orderBy('slug').execute()
    const js = rows.filter((p) => isVisibleToReaders(p, NOW))

    expect(kysely.map((p) => p.slug)).toEqual(['a-l-instant', 'page-publiee', 'publie'])
    expect(raw.rows.map((p) => p.slug)).toEqual(['a-l-instant', 'page-publiee', 'publie'])
    expect(js.map((p) => p.slug)).toEqual(['a-l-instant', 'page-publiee', 'publie'])
  })

  it('lists posts only, in Kysely and in raw SQL: a static page is visible, in no list', async () => {
    const db = blog.app.db
    const kysely = await db
      .selectFrom('posts as p')
      .select('p.slug')
      .where((eb) => listedToReaders(eb, NOW))
      .orderBy('p.slug')
      .execute()
    const raw = await sql<{ slug: string }>`select slug from posts where ${listedToReadersSql('posts', NOW)} order by slug`.execute(db)
    expect(kysely.map((p) => p.slug)).toEqual(['a-l-instant', 'publie'])
    expect(raw.rows.map((p) => p.slug)).toEqual(['a-l-instant', 'publie'])
  })
})
