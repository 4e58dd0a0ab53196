// POSTGRESQL-ONLY: every piece of tsvector SQL lives here (and in the migration that creates `posts_search`), the
// sibling of fts.sqlite.ts behind the same interface (engine.ts). Words are folded by the carnet_french and
// carnet_english text search configurations (unaccent, then the language's stemmer): `deir` finds `Deïr`, and
// ts_headline marks `Deïr` in the excerpt.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import { listedToReadersSql } from '../content/visibility.ts'
import type { Language } from '../config.ts'
import { CONTROL_CHARS, htmlToText } from './text.ts'
import { HIT_END, HIT_START, type SearchHit, type SearchResults } from './fts.sqlite.ts'

type Db = Kysely<Database>

const CONFIGS: Record<Language, string> = { fr: 'carnet_french', en: 'carnet_english' }

const plain = (text: string) => text.replace(CONTROL_CHARS, ' ')

/** The language each database's index was last checked against, in this process. */
const checkedLanguage = new WeakMap<Db, Language>()

/**
 * Rebuilds the index entries of the posts the triggers queued (as fts.sqlite.ts does), and every entry when the
 * blog's language changed since they were built (their stems are the other language's).
 */
export async function refreshIndex(db: Db, language: Language): Promise<number> {
  const config = CONFIGS[language]
  if (checkedLanguage.get(db) !== language) {
    await sql`
      insert into search_queue (post_id)
      select post_id from posts_search where config <> ${config}::regconfig
      on conflict do nothing`.execute(db)
    checkedLanguage.set(db, language)
  }
  const pending = await db.selectFrom('search_queue').select('post_id').limit(1).executeTakeFirst()
  if (!pending) return 0
  return db.transaction().execute(async (trx) => {
    // Another instance refreshing at the same time waits for these rows and then finds them gone.
    const queued = await trx.deleteFrom('search_queue').returning('post_id').execute()
    for (const { post_id: id } of queued) {
      const post = await trx.selectFrom('posts').select(['title', 'body_html']).where('id', '=', id).executeTakeFirst()
      if (!post) continue
      const categories = await trx
        .selectFrom('post_categories as pc')
        .innerJoin('categories as c', 'c.id', 'pc.category_id')
        .select('c.name')
        .where('pc.post_id', '=', id)
        .execute()
      const tags = await trx.selectFrom('post_tags').select('name').where('post_id', '=', id).orderBy('position').execute()
      const title = plain(post.title)
      const body = htmlToText(post.body_html)
      const labels = plain([...categories, ...tags].map((c) => c.name).join(', '))
      // Weights: A for the title (ranked first), B for categories and tags, D for the body.
      await sql`
        insert into posts_search (post_id, config, title, body, document)
        values (${id}, ${config}::regconfig, ${title}, ${body},
          setweight(to_tsvector(${config}::regconfig, ${title}), 'A') ||
          setweight(to_tsvector(${config}::regconfig, ${labels}), 'B') ||
          setweight(to_tsvector(${config}::regconfig, ${body}), 'D'))
        on conflict (post_id) do update set config = excluded.config, title = excluded.title, body = excluded.body,
          document = excluded.document`.execute(trx)
    }
    return queued.length
  })
}

/**
 * The words ANDed, the last one as a prefix (a reader still typing `qaryat` finds `Qaryatayn`). plainto_tsquery
 * takes any text (no operator of the reader's is ever one); the last word's lexemes are printed and read back
 * with `:*` on the final one.
 */
function tsquery(words: readonly string[], config: string): RawBuilder<unknown> {
  const parts = words.map((word, i) =>
    i < words.length - 1
      ? sql`plainto_tsquery(${config}::regconfig, ${word})`
      : sql`to_tsquery('simple', regexp_replace(plainto_tsquery(${config}::regconfig, ${word})::text, '''$', ''':*'))`,
  )
  return sql`(${sql.join(parts, sql` && `)})`
}

const TITLE_OPTIONS = `HighlightAll=true, StartSel=${HIT_START}, StopSel=${HIT_END}`
const EXCERPT_OPTIONS = `MaxWords=40, MinWords=20, ShortWord=2, StartSel=${HIT_START}, StopSel=${HIT_END}`

/** Visible posts matching every word, best first (title before categories and tags before body), with the total. */
export async function searchPosts(
  db: Db,
  words: readonly string[],
  now: string,
  limit: number,
  offset: number,
  language: Language,
): Promise<SearchResults> {
  await refreshIndex(db, language)
  const config = CONFIGS[language]
  const query = tsquery(words, config)
  const count = await sql<{ n: number }>`
    select count(*) as n from posts_search s join posts p on p.id = s.post_id
    where s.document @@ ${query} and ${listedToReadersSql('p', now)}`.execute(db)
  const total = Number(count.rows[0]?.n ?? 0)
  if (total === 0) {
    // Every word one the configuration leaves out of the index (`le`, "to be or not to be"): the reader is told
    // so, rather than that nothing matches.
    const nodes = await sql<{ n: number }>`select numnode(${query}) as n`.execute(db)
    return { total, hits: [], onlyCommonWords: Number(nodes.rows[0]?.n ?? 0) === 0 }
  }
  if (offset >= total) return { total, hits: [] }
  // Rank first, then build the headlines of the one page shown (ts_headline re-parses the text: costly).
  const rows = await sql<SearchHit & { body: string; excerpt_plain: string }>`
    with q as (select ${query} as query),
    page as (
      select s.post_id as id, ts_rank(s.document, q.query) as score, p.published_at
      from posts_search s join posts p on p.id = s.post_id cross join q
      where s.document @@ q.query and ${listedToReadersSql('p', now)}
      order by score desc, p.published_at desc, p.id desc
      limit ${limit} offset ${offset}
    )
    select p.id, p.slug, p.published_at, s.body,
      ts_headline(${config}::regconfig, s.title, q.query, ${TITLE_OPTIONS}) as title_marked,
      ts_headline(${config}::regconfig, s.body, q.query, ${EXCERPT_OPTIONS}) as excerpt_marked
    from page join posts_search s on s.post_id = page.id join posts p on p.id = page.id cross join q
    order by page.score desc, page.published_at desc, page.id desc`.execute(db)
  return {
    total,
    hits: rows.rows.map(({ body, ...hit }) => ({ ...hit, excerpt_marked: withEllipses(hit.excerpt_marked, body) })),
  }
}

/** An excerpt cut from the body says so at the cut ends, as SQLite's snippet() does. */
function withEllipses(excerpt: string, body: string): string {
  const text = excerpt.replaceAll(HIT_START, '').replaceAll(HIT_END, '')
  const at = body.indexOf(text)
  if (at < 0) return excerpt
  return `${at > 0 ? '…' : ''}${excerpt}${at + text.length < body.length ? '…' : ''}`
}
