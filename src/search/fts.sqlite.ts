// SQLITE-ONLY: every piece of FTS5 SQL lives here (and in the migration that creates `posts_fts`). Its PostgreSQL
// sibling is fts.postgres.ts; engine.ts picks one.
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import { listedToReadersSql } from '../content/visibility.ts'
import { CONTROL_CHARS, htmlToText } from './text.ts'
import { idSpan, rankWindow, type Ranked } from './rank.ts'
import { type MatchQuery, nextToken, plainToken, prefixExpression, wordsExpression } from './query.ts'

type Db = Kysely<Database>

/** Titles, category and tag names are plain text already. */
const plain = (text: string) => text.replace(CONTROL_CHARS, ' ')

/** Markers that snippet() and highlight() put around hits; control characters never occur in indexed text. */
export const HIT_START = '\u0002'
export const HIT_END = '\u0003'

/** Column weights for bm25: a word in the title counts most, then categories and tags, then the body. */
const WEIGHTS = sql.raw('10.0, 1.0, 4.0, 4.0')

/**
 * Indexes at most `max` of the posts the triggers queued, newest first, in one short transaction, and says how
 * many it took from the queue. better-sqlite3 is synchronous: the whole batch holds the event loop, so the
 * caller keeps `max` small enough (src/search/indexer.ts sizes it by the time the previous batch took).
 */
export async function indexBatch(db: Db, max: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The transaction is BEGIN IMMEDIATE (src/db/sqlite.ts): another process indexing at the same time waits for
    // this batch and then finds its ids gone from the queue.
    const queued = await trx.selectFrom('search_queue').select('post_id').orderBy('post_id', 'desc').limit(max).execute()
    const ids = queued.map((q) => q.post_id)
    if (ids.length === 0) return 0
    await trx.deleteFrom('search_queue').where('post_id', 'in', ids).execute()
    await sql`delete from posts_fts where rowid in (${sql.join(ids)})`.execute(trx)
    const { posts, labels } = await textsOf(trx, ids)
    for (const post of posts) {
      const { categories, tags } = labels(post.id)
      await sql`
        insert into posts_fts (rowid, title, body, categories, tags)
        values (${post.id}, ${plain(post.title)}, ${htmlToText(post.body_html)},
                ${plain(categories.join(', '))}, ${plain(tags.join(', '))})`.execute(trx)
    }
    return ids.length
  })
}

/**
 * FTS5 merges its index's segments itself at the commits that cross a threshold (`automerge`): ~400 pages at
 * once at 100,000 posts, 50–100 ms in the commit of whichever batch or write crosses it, however small. Turned
 * off here, once per database (the setting is kept in the index); the indexer merges instead, a bounded number
 * of pages at a time (mergeStep). `crisismerge` (a level's 16th segment merged at once) stays FTS5's safety net.
 */
export async function takeOverMerges(db: Db): Promise<void> {
  const { rows } = await sql<{ v: unknown }>`select v from posts_fts_config where k = 'automerge'`.execute(db)
  if (rows[0] !== undefined && Number(rows[0].v) === 0) return
  await sql`insert into posts_fts (posts_fts, rank) values ('automerge', 0)`.execute(db)
}

/**
 * Merges at most about `pages` pages of the level with the most segments, if one holds 4 or more (FTS5's
 * `usermerge`, as its automerge did); says whether there was anything to merge (FTS5 tells it by the rows it
 * changed).
 */
export async function mergeStep(db: Db, pages: number): Promise<boolean> {
  const before = await sql<{ n: number }>`select total_changes() as n`.execute(db)
  await sql`insert into posts_fts (posts_fts, rank) values ('merge', ${Math.max(1, Math.floor(pages))})`.execute(db)
  const after = await sql<{ n: number }>`select total_changes() as n`.execute(db)
  return after.rows[0]!.n - before.rows[0]!.n >= 2
}

/** The posts of a batch with their category and tag names (three queries, whatever the batch's size). */
export async function textsOf(db: Db, ids: readonly number[]) {
  const [posts, categories, tags] = await Promise.all([
    db.selectFrom('posts').select(['id', 'title', 'body_html']).where('id', 'in', ids).execute(),
    db
      .selectFrom('post_categories as pc')
      .innerJoin('categories as c', 'c.id', 'pc.category_id')
      .select(['pc.post_id', 'c.name'])
      .where('pc.post_id', 'in', ids)
      .orderBy('pc.post_id')
      .orderBy('c.name')
      .execute(),
    db.selectFrom('post_tags').select(['post_id', 'name']).where('post_id', 'in', ids).orderBy('post_id').orderBy('position').execute(),
  ])
  const byPost = (rows: ReadonlyArray<{ post_id: number; name: string }>) => {
    const map = new Map<number, string[]>()
    for (const { post_id, name } of rows) map.set(post_id, [...(map.get(post_id) ?? []), name])
    return map
  }
  const categoriesOf = byPost(categories)
  const tagsOf = byPost(tags)
  return { posts, labels: (id: number) => ({ categories: categoriesOf.get(id) ?? [], tags: tagsOf.get(id) ?? [] }) }
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
  /** Visible posts that match: counted up to the cap, estimated beyond it (rank.ts). */
  total: number
  /** `total` is an estimate: more posts match than the cap, the newest `cap` of them are ranked and shown. */
  capped?: boolean
  /** How many results can be paged through: `total` up to the cap, the cap beyond it. */
  pageable?: number
  hits: SearchHit[]
  /** Nothing found because every word is one the language's search ignores (PostgreSQL: `le`, `the`). */
  onlyCommonWords?: boolean
}

/** FTS5 rejects some inputs only when it runs them; our queries are quoted, but an error must never reach a reader. */
function isFtsQueryError(err: unknown): boolean {
  return err instanceof Error && /fts5:|malformed MATCH|unterminated string/i.test(err.message)
}

/**
 * The window: the `cap + 1` newest visible posts that match, read in the order of FTS5's lists, each with its
 * score (`scored`; else 0). CROSS JOIN keeps the full-text match as the outer loop: left to itself, the planner may
 * walk every visible post through the date index and run the match once per post, which grows with the number of
 * posts. Visibility is read from posts_listed_by_id alone (the posts' rows are wide: their texts; 1,000 of them
 * were ~1,000 pages), which the planner would not choose over the primary key by itself. bm25() is negative, lower
 * is better: negated, higher is better, as ts_rank_cd on PostgreSQL.
 */
export function windowSql(match: string, now: string, cap: number, scored = true) {
  const score = scored ? sql`-bm25(posts_fts, ${WEIGHTS})` : sql`0`
  return sql<Ranked>`
    select posts_fts.rowid as id, p.published_at, ${score} as score
    from posts_fts cross join posts p indexed by posts_listed_by_id on p.id = posts_fts.rowid
    where posts_fts match ${match} and ${listedToReadersSql('p', now)}
    order by posts_fts.rowid desc
    limit ${cap + 1}`
}

/** How many indexed words a last word may be written out as; a prefix beginning more is left to FTS5. */
export const MAX_LISTED_WORDS = 32

/**
 * What a query searches: `match`, the expression for FTS5, and `exact`, when the last word is itself an indexed
 * word among others it begins, the same words with that one alone (the ranking: see searchPosts). Null when no
 * indexed word begins the last one: nothing can match.
 *
 * FTS5 reads a prefix (`"ville"*`) by merging the whole lists of every word it begins, positions included, before
 * the first row: 66,000 posts for `ville` at 100,000 posts, and bm25() merges them again for its statistics. The
 * words it begins are listed instead from the index's vocabulary (posts_fts_vocab: a walk of their lists without
 * merging them) and searched by name, read newest first and only as far as the window. A short or non-ASCII last
 * word keeps FTS5's prefix (short ones have prefix indexes of their own; folding other scripts is FTS5's to do).
 */
export async function resolveQuery(db: Db, query: MatchQuery): Promise<{ match: string; exact?: string } | null> {
  const token = plainToken(query.last)
  if (token === null) return { match: prefixExpression(query) }
  const { rows } = await sql<{ term: string }>`
    select term from posts_fts_vocab where term >= ${token} and term < ${nextToken(token)} limit ${MAX_LISTED_WORDS + 1}`.execute(db)
  const words = rows.map((r) => r.term)
  if (words.length === 0) return null
  if (words.length > MAX_LISTED_WORDS) return { match: prefixExpression(query) }
  const match = wordsExpression(query, words)
  return words.length > 1 && words.includes(token) ? { match, exact: wordsExpression(query, [token]) } : { match }
}

/**
 * Visible posts matching a query (built by query.ts), best first, among the `cap` newest matching posts (by id: the
 * order FTS5 keeps its lists in, read without sorting). A word found in 60,000 posts therefore costs what a word
 * found in 1,000 costs: the window is read in index order, stops at the cap, and its bm25 scores are computed in
 * the same pass; rank.ts orders them and estimates the count beyond the cap.
 *
 * When the last word was typed in full and begins longer words (`ville`: `ville`, `villes`), the window holds the
 * posts with any of them, and is ranked by bm25 of the word as typed: its posts first, in that order, then those
 * with only a longer word, newest first. bm25 of the words listed with OR would weigh each by its own rarity, and
 * put `villes` (7 % of the posts) above `ville` (60 %) whatever the title says; the prefix weighed them as one
 * word, and so does PostgreSQL, whose stems make `villes` `ville`.
 */
export async function searchPosts(
  db: Db,
  query: MatchQuery,
  now: string,
  limit: number,
  offset: number,
  cap: number,
): Promise<SearchResults> {
  try {
    const resolved = await resolveQuery(db, query)
    if (resolved === null) return { total: 0, hits: [] }
    const { match, exact } = resolved
    const window = (await windowSql(match, now, cap, exact === undefined).execute(db)).rows
    if (exact !== undefined) {
      // The newest `cap + 1` visible posts with the word as typed include every one of the window's.
      const scores = new Map((await windowSql(exact, now, cap).execute(db)).rows.map((r) => [r.id, r.score]))
      // -bm25 is positive: -1 puts the posts with only a longer word after all the others.
      for (const row of window) row.score = scores.get(row.id) ?? -1
    }
    const span = window.length > cap ? await idSpan(db) : { min: 0, max: 0 }
    const { total, capped, pageable, ids } = rankWindow(window, cap, limit, offset, span)
    if (ids.length === 0) return { total, capped, pageable, hits: [] }
    // The page's posts read in one pass over the range they span. Not `rowid = ?` per post (a join): FTS5 would
    // read the lists of the query's words once per post. `+` keeps the IN list a filter, not a lookup. The bounds
    // are bound as integers: better-sqlite3 binds a JS number as a REAL, and FTS5 ignores a rowid bound that is
    // not an INTEGER, reading every match instead (27,000 posts for `selon ville` at 100,000: 2.8 ms, not 0.5).
    const [first, last] = [BigInt(Math.min(...ids)), BigInt(Math.max(...ids))]
    const marked = await sql<SearchHit>`
      select p.id, p.slug, p.published_at,
        highlight(posts_fts, 0, ${HIT_START}, ${HIT_END}) as title_marked,
        snippet(posts_fts, 1, ${HIT_START}, ${HIT_END}, '…', 40) as excerpt_marked
      from posts_fts cross join posts p on p.id = posts_fts.rowid
      where posts_fts match ${match} and posts_fts.rowid between ${first} and ${last}
        and +posts_fts.rowid in (${sql.join(ids)})`.execute(db)
    const byId = new Map(marked.rows.map((hit) => [hit.id, hit]))
    const hits = ids.flatMap((id) => byId.get(id) ?? [])
    return { total, capped, pageable, hits }
  } catch (err) {
    if (isFtsQueryError(err)) return { total: 0, hits: [] }
    throw err
  }
}
