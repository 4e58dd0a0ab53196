// POSTGRESQL-ONLY: every piece of tsvector SQL lives here (and in the migration that creates `posts_search`), the
// sibling of fts.sqlite.ts behind the same interface (engine.ts). Words are folded by the carnet_french and
// carnet_english text search configurations (unaccent, then the language's stemmer): `deir` finds `Deïr`, and
// ts_headline marks `Deïr` in the excerpt.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import { listedToReadersSql } from '../content/visibility.ts'
import type { Language } from '../config.ts'
import { CONTROL_CHARS, htmlToText } from './text.ts'
import { HIT_END, HIT_START, textsOf, type SearchHit, type SearchResults } from './fts.sqlite.ts'
import { idSpan, rankWindow, type IdSpan } from './rank.ts'

type Db = Kysely<Database>

const CONFIGS: Record<Language, string> = { fr: 'carnet_french', en: 'carnet_english' }

const plain = (text: string) => text.replace(CONTROL_CHARS, ' ')

/**
 * The advisory lock every batch takes: two instances sharing the database never index at the same time (one
 * waits for, or skips, the other's batch), and a crashed instance holds nothing (the lock ends with its
 * transaction).
 */
const INDEXING_LOCK = sql`hashtext('carnet.search_index')`

/** The language each database's index was last checked against, in this process. */
const checkedLanguage = new WeakMap<Db, Language>()

/** Queues every entry built in another language (their stems are the other language's); once per language. */
export async function queueOtherLanguage(db: Db, language: Language): Promise<void> {
  if (checkedLanguage.get(db) === language) return
  await sql`
    insert into search_queue (post_id)
    select post_id from posts_search where config <> ${CONFIGS[language]}::regconfig
    on conflict do nothing`.execute(db)
  checkedLanguage.set(db, language)
}

/**
 * Indexes at most `max` of the posts the triggers queued, newest first, in one short transaction: as
 * fts.sqlite.ts does, with every row of the batch written by one statement. Gives null, having done nothing, when
 * another instance is indexing and `wait` is false.
 */
export async function indexBatch(db: Db, max: number, language: Language, wait: boolean): Promise<number | null> {
  const config = CONFIGS[language]
  return db.transaction().execute(async (trx) => {
    if (wait) await sql`select pg_advisory_xact_lock(${INDEXING_LOCK})`.execute(trx)
    else {
      const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${INDEXING_LOCK}) as ok`.execute(trx)
      if (!rows[0]?.ok) return null
    }
    // A write to a post after this delete queues it again (its trigger waits for this transaction's end).
    const queued = await sql<{ post_id: number }>`
      delete from search_queue
      where post_id in (select post_id from search_queue order by post_id desc limit ${max})
      returning post_id`.execute(trx)
    const ids = queued.rows.map((q) => q.post_id)
    if (ids.length === 0) return 0
    const { posts, labels } = await textsOf(trx, ids)
    if (posts.length > 0) {
      const texts = posts.map((post) => {
        const { categories, tags } = labels(post.id)
        return {
          id: post.id,
          title: plain(post.title),
          body: htmlToText(post.body_html),
          labels: plain([...categories, ...tags].join(', ')),
        }
      })
      // Weights: A for the title (ranked first), B for categories and tags, D for the body. The tsvector and the
      // plain texts go to two tables (the migration search_narrow_table says why), in one statement.
      await sql`
        with t as materialized (
          select t.* from unnest(${texts.map((t) => t.id)}::int[], ${texts.map((t) => t.title)}::text[],
            ${texts.map((t) => t.body)}::text[], ${texts.map((t) => t.labels)}::text[]) as t (id, title, body, labels)
          join posts p on p.id = t.id
        ),
        documents as (
          insert into posts_search (post_id, config, document)
          select t.id, ${config}::regconfig,
            setweight(to_tsvector(${config}::regconfig, t.title), 'A') ||
            setweight(to_tsvector(${config}::regconfig, t.labels), 'B') ||
            setweight(to_tsvector(${config}::regconfig, t.body), 'D')
          from t
          on conflict (post_id) do update set config = excluded.config, document = excluded.document
        )
        insert into posts_search_text (post_id, title, body)
        select t.id, t.title, t.body from t
        on conflict (post_id) do update set title = excluded.title, body = excluded.body`.execute(trx)
    }
    return ids.length
  })
}

export async function analyzeIndex(db: Db): Promise<void> {
  await sql`analyze posts_search`.execute(db)
}

/**
 * The words ANDed. The last one also matches as a prefix (a reader still typing `qaryat` finds `Qaryatayn`), as
 * FTS5 does on SQLite: the prefix is the word as typed (lower case, accents folded), not its stem, so that `ville`
 * finds `ville` and `villes` (stem `vill`) and `Villeurbanne`, but not `village` — which `vill:*` would find, and
 * SQLite's `"ville"*` does not. plainto_tsquery takes any text (no operator of the reader's is ever one); a
 * prefix is printed and read back with `:*` on its final lexeme.
 */
export function tsquery(words: readonly string[], config: string): RawBuilder<unknown> {
  const parts = words.map((word, i) =>
    i < words.length - 1
      ? sql`plainto_tsquery(${config}::regconfig, ${word})`
      : // A word the language leaves out (`le`) stays out, prefix or not, as in the other positions.
        sql`(case when numnode(plainto_tsquery(${config}::regconfig, ${word})) = 0 then plainto_tsquery(${config}::regconfig, ${word})
          else plainto_tsquery(${config}::regconfig, ${word}) ||
            to_tsquery('simple', regexp_replace(plainto_tsquery('simple', unaccent(${word}))::text, '''$', ''':*')) end)`,
  )
  return sql`(${sql.join(parts, sql` && `)})`
}

/** Matching posts read beyond the cap in case some of the newest are not visible (drafts, scheduled posts). */
const INVISIBLE_SLACK = 50

const TITLE_OPTIONS = `HighlightAll=true, StartSel=${HIT_START}, StopSel=${HIT_END}`
const EXCERPT_OPTIONS = `MaxWords=40, MinWords=20, ShortWord=2, StartSel=${HIT_START}, StopSel=${HIT_END}`

/** Costs of a search's window, in µs of one core, measured at 100,000 posts (bench/RESULTS.md, branch pgsearch3). */
const COST = {
  /** A post checked walking backwards along the primary key: its document read (often out of TOAST) and matched. */
  checked: 6,
  /** A match visited from the GIN index's bitmap: its row read and ranked. */
  visited: 6,
  /** An entry of the GIN index's bitmap. */
  bitmap: 0.14,
}

/**
 * Whether a query's newest matches are best read backwards along the primary key (about window / share posts
 * checked) rather than from the GIN index (every match in the bitmap, and RANGE_FACTOR × window of them visited
 * within the newest posts, or all of them on a blog too small for a range). At 100,000 posts the two meet at
 * about 40 % of the posts; a word in 26 % reads 3× faster from the index, one in 62 % 1.7× faster backwards.
 * The planner cannot weigh this itself: it does not count the reading of each checked document out of TOAST,
 * and walked 20,000 of them for a word in 7 % of the posts (180 ms).
 */
export function readBackwards(share: number, posts: number, window: number): boolean {
  if (posts <= 0 || share <= 0) return false
  const visited = Math.min(RANGE_FACTOR * window, share * posts)
  return (COST.checked * window) / share <= COST.visited * visited + COST.bitmap * share * posts
}

/**
 * The share of the indexed posts a query matches, as the planner estimates it from the index's statistics (the
 * most common lexemes ANALYZE keeps; planning only, nothing is read), and how many posts are indexed (0 before
 * the first ANALYZE: then the GIN index serves every query).
 */
export async function estimatedShare(db: Db, query: RawBuilder<unknown>): Promise<{ share: number; posts: number }> {
  const [plan, size] = await Promise.all([
    sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>`
      explain (format json) select 1 from posts_search where document @@ ${query}`.execute(db),
    sql<{ n: number }>`select reltuples::float8 as n from pg_class where oid = 'posts_search'::regclass`.execute(db),
  ])
  const rows = plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0
  const posts = Math.max(0, Number(size.rows[0]?.n ?? 0))
  return { share: posts > 0 ? rows / posts : 0, posts }
}

/** ts_rank_cd's weights for D (the body), C (unused), B (categories and tags), A (the title): bm25's on SQLite. */
const RANK_WEIGHTS = sql.raw(`'{0.1, 0.4, 0.4, 1.0}'`)
/**
 * ts_rank_cd (each occurrence counts, as in bm25) divided by the document's length (2): a word in a short post
 * counts more, as in bm25. Of ts_rank and ts_rank_cd with each normalization, this gave the top 10 closest to
 * SQLite's bm25 at 100,000 posts (bench/RESULTS.md); test/search/ranking.test.ts checks a small blog's.
 */
const RANK_NORMALIZATION = 2

/**
 * How a query's newest matches are read: backwards along the primary key (a word in most posts), from the GIN
 * index within the newest posts, from `from` on (a bitmap of the GIN index's matches ANDed with one of the
 * primary key's range: only the matches in that range are visited, about `RANGE_FACTOR` × the window), or from
 * the GIN index alone (a rare word, or a range that held too few).
 */
export type WindowRead = { backwards: true } | { backwards: false; from?: number }

/**
 * How many times the window's size of posts the range holds, by the estimated share: enough that the range
 * almost always holds the window (else it is read again without the range), few enough that a word in 7 % of
 * 100,000 posts visits ~1,600 rows rather than its 7,255 (bench/RESULTS.md).
 */
const RANGE_FACTOR = 1.5

/** The read for a query of this estimated share, the window's size and the posts' ids. */
export function windowRead(share: number, posts: number, window: number, span: IdSpan): WindowRead {
  if (readBackwards(share, posts, window)) return { backwards: true }
  if (share <= 0) return { backwards: false }
  const from = span.max - Math.ceil((RANGE_FACTOR * window) / share)
  return from > span.min ? { backwards: false, from } : { backwards: false }
}

/**
 * The newest `limit` matches, each with its score (ranked in the same pass: ts_rank_cd reads each one's document
 * once, and no other). `+ 0` hides the primary key's order from the planner when the GIN index should serve.
 */
export function hitsSql(query: RawBuilder<unknown>, limit: number, read: WindowRead) {
  const range = !read.backwards && read.from !== undefined ? sql`and post_id >= ${read.from}` : sql``
  return sql<{ id: number; score: number }>`
    select post_id as id, ts_rank_cd(${RANK_WEIGHTS}, document, ${query}, ${RANK_NORMALIZATION})::float8 as score
    from (
      -- The query written out: the planner then knows its lexemes and their frequency.
      select post_id, document from posts_search where document @@ ${query} ${range}
      order by ${read.backwards ? sql`post_id desc` : sql`post_id + 0 desc`} limit ${limit}
    ) hits`
}

/**
 * Which of these posts readers see, the newest `limit` of them: from the index posts_listed_by_id alone (the posts'
 * rows are wide: a thousand of them are a thousand pages), each by its key.
 */
export function visibleSql(ids: readonly number[], now: string, limit: number) {
  // A join, each id looked up in turn: given `id = any(…)` the planner would rather read the rows.
  return sql<{ id: number; published_at: string }>`
    select p.id, p.published_at from unnest(${ids}::int[]) as h (id) join posts p on p.id = h.id
    where ${listedToReadersSql('p', now)}
    order by p.id desc limit ${limit}`
}

/**
 * The newest `limit` matches and their scores. Within a range, the planner would rather walk the primary key
 * over it, checking each post's document (out of TOAST, ~6 µs each, the thing the range avoids): plain index scans
 * are off for that statement, so that it ANDs the two indexes' bitmaps. A range that held fewer than `limit`
 * matches (the word rarer among the newest posts than its share says) is read again whole.
 */
async function readHits(db: Db, query: RawBuilder<unknown>, limit: number, read: WindowRead) {
  if (read.backwards || read.from === undefined) return (await hitsSql(query, limit, read).execute(db)).rows
  const ranged = await db.transaction().execute(async (trx) => {
    await sql`set local enable_indexscan = off`.execute(trx)
    return (await hitsSql(query, limit, read).execute(trx)).rows
  })
  return ranged.length < limit ? (await hitsSql(query, limit, { backwards: false }).execute(db)).rows : ranged
}

/**
 * Visible posts matching every word, best first (title before categories and tags before body), among the `cap`
 * newest matching posts (by id, as on SQLite), each ranked once, in the pass that reads the window; rank.ts
 * orders them and estimates the count beyond the cap.
 */
export async function searchPosts(
  db: Db,
  words: readonly string[],
  now: string,
  limit: number,
  offset: number,
  language: Language,
  cap: number,
): Promise<SearchResults> {
  const config = CONFIGS[language]
  const query = tsquery(words, config)
  const { share, posts } = await estimatedShare(db, query)
  // After, not beside it: a first search after start would open one more connection for it (a new backend).
  const span = await idSpan(db)
  // A few more than the cap, for the drafts and scheduled posts that may be among the newest matches.
  const read = cap + 1 + INVISIBLE_SLACK
  const hits = await readHits(db, query, read, windowRead(share, posts, read, span))
  const visible =
    hits.length > 0
      ? (
          await visibleSql(
            hits.map((h) => h.id),
            now,
            cap + 1,
          ).execute(db)
        ).rows
      : []
  if (visible.length === 0) {
    // Every word one the configuration leaves out of the index (`le`, "to be or not to be"): the reader is told
    // so, rather than that nothing matches.
    const nodes = await sql<{ n: number }>`select numnode(plainto_tsquery(${config}::regconfig, ${words.join(' ')})) as n`.execute(db)
    return { total: 0, hits: [], onlyCommonWords: Number(nodes.rows[0]?.n ?? 0) === 0 }
  }
  const scores = new Map(hits.map((h) => [h.id, h.score]))
  const window = visible.map((v) => ({ ...v, score: scores.get(v.id)! }))
  const full = window.length > cap || hits.length === read
  const { total, capped, pageable, ids } = rankWindow(window, cap, limit, offset, span, full)
  if (ids.length === 0) return { total, capped, pageable, hits: [] }
  // The headlines of the one page shown (ts_headline re-parses the text: costly).
  const marked = await sql<SearchHit & { body: string }>`
    with q as (select ${query} as query)
    select p.id, p.slug, p.published_at, s.body,
      ts_headline(${config}::regconfig, s.title, q.query, ${TITLE_OPTIONS}) as title_marked,
      ts_headline(${config}::regconfig, s.body, q.query, ${EXCERPT_OPTIONS}) as excerpt_marked
    from posts_search_text s join posts p on p.id = s.post_id cross join q
    where s.post_id in (${sql.join(ids)})`.execute(db)
  const byId = new Map(marked.rows.map(({ body, ...hit }) => [hit.id, { ...hit, excerpt_marked: withEllipses(hit.excerpt_marked, body) }]))
  return { total, capped, pageable, hits: ids.flatMap((id) => byId.get(id) ?? []) }
}

/** An excerpt cut from the body says so at the cut ends, as SQLite's snippet() does. */
function withEllipses(excerpt: string, body: string): string {
  const text = excerpt.replaceAll(HIT_START, '').replaceAll(HIT_END, '')
  const at = body.indexOf(text)
  if (at < 0) return excerpt
  return `${at > 0 ? '…' : ''}${excerpt}${at + text.length < body.length ? '…' : ''}`
}
