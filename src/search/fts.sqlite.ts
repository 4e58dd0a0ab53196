// SQLITE-ONLY: every piece of FTS5 SQL lives here (and in the migration that creates `posts_fts`). Its PostgreSQL
// sibling is fts.postgres.ts; engine.ts picks one.
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import { listedToReadersSql } from '../content/visibility.ts'
import { CONTROL_CHARS, htmlToText } from './text.ts'

type Db = Kysely<Database>

/** Titles, category and tag names are plain text already. */
const plain = (text: string) => text.replace(CONTROL_CHARS, ' ')

/** Markers that snippet() and highlight() put around hits; control characters never occur in indexed text. */
export const HIT_START = '\u0002'
export const HIT_END = '\u0003'

/** Column weights for bm25: a word in the title counts most, then categories and tags, then the body. */
const WEIGHTS = sql.raw('10.0, 1.0, 4.0, 4.0')

/**
 * Rebuilds the index entries of the posts the triggers queued. Called before every search and at start-up, so
 * the index always reflects every committed write, whichever process made it.
 */
export async function refreshIndex(db: Db): Promise<number> {
  const pending = await db.selectFrom('search_queue').select('post_id').limit(1).executeTakeFirst()
  if (!pending) return 0
  return db.transaction().execute(async (trx) => {
    // A write first, so that the transaction takes the write lock before it reads (no stale snapshot when
    // another process writes meanwhile); a concurrent refresh finds the queue already empty.
    const queued = await trx.deleteFrom('search_queue').returning('post_id').execute()
    for (const { post_id: id } of queued) {
      await sql`delete from posts_fts where rowid = ${id}`.execute(trx)
      const post = await trx.selectFrom('posts').select(['title', 'body_html']).where('id', '=', id).executeTakeFirst()
      if (!post) continue
      const [categories, tags] = await Promise.all([
        trx
          .selectFrom('post_categories as pc')
          .innerJoin('categories as c', 'c.id', 'pc.category_id')
          .select('c.name')
          .where('pc.post_id', '=', id)
          .execute(),
        trx.selectFrom('post_tags').select('name').where('post_id', '=', id).orderBy('position').execute(),
      ])
      await sql`
        insert into posts_fts (rowid, title, body, categories, tags)
        values (${id}, ${plain(post.title)}, ${htmlToText(post.body_html)},
                ${plain(categories.map((c) => c.name).join(', '))}, ${plain(tags.map((t) => t.name).join(', '))})`.execute(trx)
    }
    return queued.length
  })
}

export interface SearchHit {
  id: number
  slug: string
  published_at: string
  /** Title and excerpt as plain text with HIT_START/HIT_END around the matched words. */
  title_marked: string
  excerpt_marked: string
}

export interface SearchResults {
  total: number
  hits: SearchHit[]
  /** Nothing found because every word is one the language's search ignores (PostgreSQL: `le`, `the`). */
  onlyCommonWords?: boolean
}

/** FTS5 rejects some inputs only when it runs them; our queries are quoted, but an error must never reach a reader. */
function isFtsQueryError(err: unknown): boolean {
  return err instanceof Error && /fts5:|malformed MATCH|unterminated string/i.test(err.message)
}

/** Visible posts matching an FTS5 expression (built by query.ts), best first, with the total count. */
export async function searchPosts(db: Db, match: string, now: string, limit: number, offset: number): Promise<SearchResults> {
  await refreshIndex(db)
  try {
    const count = await sql<{ n: number }>`
      select count(*) as n
      from posts_fts cross join posts p on p.id = posts_fts.rowid
      where posts_fts match ${match} and ${listedToReadersSql('p', now)}`.execute(db)
    const total = Number(count.rows[0]?.n ?? 0)
    if (total === 0 || offset >= total) return { total, hits: [] }
    // CROSS JOIN keeps the full-text match as the outer loop: left to itself, the planner may walk every visible
    // post through the date index and run the match once per post, which grows with the number of posts.
    // Rank first, then build excerpts for the one page shown: SQLite computes the selected columns of every
    // matching row before it sorts, and snippet() over thousands of rows is what would make a search slow.
    const rows = await sql<SearchHit>`
      with page as (
        select posts_fts.rowid as id, bm25(posts_fts, ${WEIGHTS}) as score, p.published_at
        from posts_fts cross join posts p on p.id = posts_fts.rowid
        where posts_fts match ${match} and ${listedToReadersSql('p', now)}
        order by score, p.published_at desc, p.id desc
        limit ${limit} offset ${offset}
      )
      select p.id, p.slug, p.published_at,
        highlight(posts_fts, 0, ${HIT_START}, ${HIT_END}) as title_marked,
        snippet(posts_fts, 1, ${HIT_START}, ${HIT_END}, '…', 40) as excerpt_marked
      from page cross join posts_fts on posts_fts.rowid = page.id cross join posts p on p.id = page.id
      where posts_fts match ${match}
      order by page.score, page.published_at desc, page.id desc`.execute(db)
    return { total, hits: rows.rows }
  } catch (err) {
    if (isFtsQueryError(err)) return { total: 0, hits: [] }
    throw err
  }
}
