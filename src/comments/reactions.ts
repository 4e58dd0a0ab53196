// Reactions from elsewhere (likes, boosts and reposts, bookmarks, mentions): one row each, unique by post, kind
// and source, so that a delivery repeated never counts twice. Shown under the post (setting showReactions).
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely'
import type { Database, ReactionKind, ReactionsTable } from '../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/** Stores a reaction unless the same source already gave it to the post: true when it is new. */
export async function insertReaction(db: Db, reaction: Insertable<ReactionsTable>): Promise<boolean> {
  const rows = await db
    .insertInto('reactions')
    .values(reaction)
    .onConflict((oc) => oc.columns(['post_id', 'kind', 'source_url']).doNothing())
    .returning('id')
    .execute()
  return rows.length > 0
}

/** Removes the reactions of a source (of one kind, or all), on every post. */
export async function deleteReactions(db: Db, sourceUrl: string, kind?: ReactionKind): Promise<number> {
  let q = db.deleteFrom('reactions').where('source_url', '=', sourceUrl)
  if (kind) q = q.where('kind', '=', kind)
  return Number((await q.executeTakeFirst()).numDeletedRows)
}

/** The most mentions listed under a post (the count says how many there are). */
export const MENTIONS_SHOWN = 50

export interface PostReactions {
  like: number
  boost: number
  bookmark: number
  mention: number
  /** The latest mentions, oldest first: who wrote about the post, and where. */
  mentions: Array<{ name: string; url: string }>
}

/**
 * A post's reactions: the count of each kind and the latest mentions, in one query by the (post_id, kind,
 * source_url) index. Null when it has none.
 */
export async function reactionsOf(db: Db, postId: number): Promise<PostReactions | null> {
  const rows = await db
    .selectFrom('reactions')
    .select([
      'kind',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<string | null>`null`.as('name'),
      sql<string | null>`null`.as('url'),
      sql<number>`0`.as('id'),
    ])
    .where('post_id', '=', postId)
    .groupBy('kind')
    .unionAll(
      db
        .selectFrom(
          db
            .selectFrom('reactions')
            .select(['kind', sql<number>`0`.as('n'), 'author_name as name', 'source_url as url', 'id'])
            .where('post_id', '=', postId)
            .where('kind', '=', 'mention')
            .orderBy('id', 'desc')
            .limit(MENTIONS_SHOWN)
            .as('m'),
        )
        .selectAll(),
    )
    .execute()
  if (rows.length === 0) return null
  const counts: PostReactions = { like: 0, boost: 0, bookmark: 0, mention: 0, mentions: [] }
  for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
    if (row.url === null) counts[row.kind] = Number(row.n)
    else counts.mentions.push({ name: row.name || new URL(row.url).hostname, url: row.url })
  }
  return counts
}
