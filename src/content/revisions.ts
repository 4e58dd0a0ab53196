// A post's revisions (issue 29): every save from the editor keeps what the post became, who saved it and when, so
// that any earlier version can be read, compared and restored. The last KEEP_ALL of a post are all kept; older
// ones are thinned to the last of each day (UTC), so a post edited for years keeps a bounded, useful history.
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

type Db = Kysely<Database> | Transaction<Database>

/** Revisions of a post kept whatever their age; beyond, one a day. */
export const KEEP_ALL = 50

/** Who saved: an account (its name as it was), or nobody known (an import, a save before revisions were kept). */
export interface Saver {
  id: number | null
  username: string
}

/**
 * Keeps the post's current state as a revision (call it in the save's transaction, after the write). A post saved
 * for the first time since revisions exist first gets its earlier state recorded by `keepStateBeforeFirstSave`.
 */
export async function recordRevision(trx: Db, postId: number, by: Saver | null, restoredFrom: number | null = null): Promise<number> {
  const post = await trx
    .selectFrom('posts')
    .select(['title', 'slug', 'body_source', 'format', 'excerpt', 'signature', 'status', 'published_at', 'version', 'updated_at'])
    .where('id', '=', postId)
    .executeTakeFirstOrThrow()
  const [categories, tags] = await Promise.all([
    trx.selectFrom('post_categories').select('category_id').where('post_id', '=', postId).orderBy('category_id').execute(),
    trx.selectFrom('post_tags').select('name').where('post_id', '=', postId).orderBy('position').execute(),
  ])
  const { id } = await trx
    .insertInto('post_revisions')
    .values({
      post_id: postId,
      version: post.version,
      title: post.title,
      slug: post.slug,
      body_source: post.body_source,
      format: post.format,
      excerpt: post.excerpt,
      signature: post.signature,
      status: post.status,
      published_at: post.published_at,
      category_ids: JSON.stringify(categories.map((c) => c.category_id)),
      tags: JSON.stringify(tags.map((t) => t.name)),
      user_id: by?.id ?? null,
      user_name: by?.username ?? '',
      restored_from: restoredFrom,
      created_at: by ? nowIso() : post.updated_at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await thinRevisions(trx, postId)
  return id
}

/** A post written before revisions were kept (or imported) has none: its state before this save becomes the first. */
export async function keepStateBeforeFirstSave(trx: Db, postId: number): Promise<void> {
  const any = await trx.selectFrom('post_revisions').select('id').where('post_id', '=', postId).limit(1).executeTakeFirst()
  if (!any) await recordRevision(trx, postId, null)
}

/** Beyond the last KEEP_ALL revisions, keeps the last of each day (UTC) and deletes the others. */
export async function thinRevisions(trx: Db, postId: number, keepAll = KEEP_ALL): Promise<number> {
  const older = await trx
    .selectFrom('post_revisions')
    .select(['id', 'created_at'])
    .where('post_id', '=', postId)
    .orderBy('id', 'desc')
    .offset(keepAll)
    .limit(1_000_000)
    .execute()
  if (older.length === 0) return 0
  const seenDays = new Set<string>()
  const doomed: number[] = []
  for (const row of older) {
    const day = row.created_at.slice(0, 10)
    if (seenDays.has(day)) doomed.push(row.id)
    else seenDays.add(day)
  }
  if (doomed.length === 0) return 0
  const result = await trx.deleteFrom('post_revisions').where('id', 'in', doomed).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function listRevisions(db: Db, postId: number) {
  return db
    .selectFrom('post_revisions')
    .select(['id', 'version', 'title', 'status', 'user_id', 'user_name', 'restored_from', 'created_at'])
    .select((eb) => eb.fn('length', ['body_source']).as('length'))
    .where('post_id', '=', postId)
    .orderBy('id', 'desc')
    .execute()
}

export async function findRevision(db: Db, postId: number, id: number) {
  return db.selectFrom('post_revisions').selectAll().where('post_id', '=', postId).where('id', '=', id).executeTakeFirst()
}

export type Revision = NonNullable<Awaited<ReturnType<typeof findRevision>>>

/** A revision's category ids and tags, read back from their JSON lists (a damaged value reads as none). */
export function revisionLists(revision: Pick<Revision, 'category_ids' | 'tags'>): { categoryIds: number[]; tags: string[] } {
  const read = (raw: string) => {
    try {
      const value: unknown = JSON.parse(raw)
      return Array.isArray(value) ? value : []
    } catch {
      return []
    }
  }
  return {
    categoryIds: read(revision.category_ids).filter((v): v is number => Number.isInteger(v)),
    tags: read(revision.tags).filter((v): v is string => typeof v === 'string'),
  }
}
