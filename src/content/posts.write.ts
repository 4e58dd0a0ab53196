// Writing posts: the one place that turns an author's Markdown into stored HTML and keeps categories and tags
// in step. Used by the demo loader and by the admin.
import type { Kysely, Transaction } from 'kysely'
import type { Database, PostFormat, PostKind, PostStatus } from '../db/schema.ts'
import { slugify } from '../lib/slug.ts'
import { nowIso } from '../lib/time.ts'
import { excerptOf, renderBody } from './markdown.ts'
import { keepStateBeforeFirstSave, recordRevision, type Saver } from './revisions.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface PostInput {
  title: string
  slug?: string
  body: string
  /** What `body` is written in; default Markdown. */
  format?: PostFormat
  signature?: string
  status: PostStatus
  publishedAt?: string | null
  commentsOpen?: boolean
  /** Categories by name, created if missing (demo content, tests). */
  categories?: string[]
  /** Existing categories (the admin's form). */
  categoryIds?: number[]
  tags?: string[]
  /** When the post was written (imports and demo content keep their own dates); default: now. */
  createdAt?: string
  /** Its writer (users.id); none for demo content before the blog's first account. */
  authorId?: number | null
  /** A contributor's draft submitted for review. */
  submittedAt?: string | null
  /** 'page': a static page (comments closed unless commentsOpen says otherwise). Default 'post'. */
  kind?: PostKind
  /** Who wrote it in the editor: its first revision is kept (imports and demo content keep none). */
  by?: Saver
}

/** `base`, then `base-2`, `base-3`…: the first slug no other row of `table` has. */
async function freeSlug(db: Db, table: 'posts' | 'categories', base: string, exceptId?: number): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`
    let q = db.selectFrom(table).select('id').where('slug', '=', candidate)
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId)
    if (!(await q.executeTakeFirst())) return candidate
  }
}

/** A slug not used by another post: `title`, then `title-2`, `title-3`… */
export function uniqueSlug(db: Db, wanted: string, exceptPostId?: number): Promise<string> {
  return freeSlug(db, 'posts', slugify(wanted) || 'note', exceptPostId)
}

/** Finds categories by name, creating the missing ones; returns their ids. */
export async function ensureCategories(db: Db, names: readonly string[]): Promise<number[]> {
  const ids: number[] = []
  for (const name of new Set(names.map((n) => n.trim()).filter(Boolean))) {
    const existing = await db.selectFrom('categories').select('id').where('name', '=', name).executeTakeFirst()
    if (existing) {
      ids.push(existing.id)
      continue
    }
    const slug = await uniqueCategorySlug(db, name)
    const row = await db.insertInto('categories').values({ name, slug, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow()
    ids.push(row.id)
  }
  return ids
}

/** A slug not used by another category, the same way. */
export function uniqueCategorySlug(db: Db, name: string, exceptId?: number): Promise<string> {
  return freeSlug(db, 'categories', slugify(name) || 'categorie', exceptId)
}

export async function setPostCategories(db: Db, postId: number, categoryIds: readonly number[]): Promise<void> {
  await db.deleteFrom('post_categories').where('post_id', '=', postId).execute()
  if (categoryIds.length > 0) {
    await db
      .insertInto('post_categories')
      .values([...new Set(categoryIds)].map((category_id) => ({ post_id: postId, category_id })))
      .execute()
  }
}

export async function setPostTags(db: Db, postId: number, tags: readonly string[]): Promise<void> {
  await db.deleteFrom('post_tags').where('post_id', '=', postId).execute()
  const names = [...new Set(tags.map((t) => t.trim()).filter(Boolean))]
  if (names.length > 0) {
    await db
      .insertInto('post_tags')
      .values(names.map((name, position) => ({ post_id: postId, position, name })))
      .execute()
  }
}

export async function createPost(db: Kysely<Database>, input: PostInput): Promise<{ id: number; slug: string }> {
  return db.transaction().execute((trx) => insertPost(trx, input))
}

/** createPost inside the caller's transaction (an import writes a whole file in one). */
export async function insertPost(
  trx: Db,
  input: PostInput & { excerpt?: string; updatedAt?: string },
): Promise<{ id: number; slug: string }> {
  const now = input.createdAt ?? nowIso()
  const format = input.format ?? 'markdown'
  const html = renderBody(format, input.body)
  const slug = await uniqueSlug(trx, input.slug || input.title)
  const publishedAt = input.publishedAt ?? (input.status === 'published' ? now : null)
  const { id } = await trx
    .insertInto('posts')
    .values({
      slug,
      title: input.title,
      body_source: input.body,
      format,
      body_html: html,
      excerpt: input.excerpt || excerptOf(html),
      signature: input.signature ?? '',
      status: input.status,
      published_at: publishedAt,
      // A page's comments are off unless asked for; a post's on unless closed.
      comments_open: (input.kind === 'page' ? input.commentsOpen === true : input.commentsOpen !== false) ? 1 : 0,
      kind: input.kind ?? 'post',
      created_at: now,
      updated_at: input.updatedAt ?? now,
      author_id: input.authorId ?? null,
      submitted_at: input.submittedAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  // In the post's transaction: a category that cannot be linked leaves no half-saved post behind.
  const byName = await ensureCategories(trx, input.categories ?? [])
  await setPostCategories(trx, id, [...byName, ...(input.categoryIds ?? [])])
  await setPostTags(trx, id, input.tags ?? [])
  if (input.by) await recordRevision(trx, id, input.by)
  return { id, slug }
}

// ---- admin ----

export interface PostUpdateInput {
  title: string
  slug: string
  body: string
  /** Default: the format the post already has. */
  format?: PostFormat
  signature: string
  status: PostStatus
  publishedAt: string | null
  categoryIds: number[]
  tags: string[]
  /** Its writer; undefined: unchanged. */
  authorId?: number
  /** Submitted for review at; undefined: unchanged. */
  submittedAt?: string | null
  /** The version the writer's form was based on: the save is refused (false) if the post has moved since. */
  expectedVersion?: number
  /** Who saves: the new state is kept as a revision (the state before too, for a post that has none yet). */
  by?: Saver
  /** The revision this save restores. */
  restoredFrom?: number
}

/**
 * Saves an edited post; false (nothing written) when `expectedVersion` is given and no longer the post's. When the slug changes, the old one is kept in post_redirects so that its address
 * answers 301 to the new one; a slug that becomes a post's own again stops being a redirect (no loops).
 * The caller has checked that `slug` is free (see `slugTaken`).
 */
export async function updatePost(db: Kysely<Database>, id: number, input: PostUpdateInput): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('posts').select(['slug', 'format']).where('id', '=', id).executeTakeFirstOrThrow()
    const format = input.format ?? before.format
    const html = renderBody(format, input.body)
    if (input.by) await keepStateBeforeFirstSave(trx, id)
    let update = trx
      .updateTable('posts')
      .set({
        slug: input.slug,
        title: input.title,
        body_source: input.body,
        format,
        body_html: html,
        excerpt: excerptOf(html),
        signature: input.signature,
        status: input.status,
        published_at: input.publishedAt,
        updated_at: nowIso(),
        ...(input.authorId !== undefined ? { author_id: input.authorId } : {}),
        ...(input.submittedAt !== undefined ? { submitted_at: input.submittedAt } : {}),
        version: (eb) => eb('version', '+', 1),
      })
      .where('id', '=', id)
    // Checked by the write itself: two saves based on the same version cannot both pass.
    if (input.expectedVersion !== undefined) update = update.where('version', '=', input.expectedVersion)
    const result = await update.executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) return false
    if (before.slug !== input.slug) {
      await trx
        .insertInto('post_redirects')
        .values({ old_slug: before.slug, post_id: id })
        .onConflict((oc) => oc.column('old_slug').doUpdateSet({ post_id: id }))
        .execute()
    }
    // The new slug belongs to a post now: it is nobody's redirect any more.
    await trx.deleteFrom('post_redirects').where('old_slug', '=', input.slug).execute()
    await setPostCategories(trx, id, input.categoryIds)
    await setPostTags(trx, id, input.tags)
    if (input.by) await recordRevision(trx, id, input.by, input.restoredFrom ?? null)
    return true
  })
}

/** Whether another post has this slug (or had it: an old address that still redirects to another post). */
export async function slugTaken(db: Db, slug: string, exceptPostId?: number): Promise<boolean> {
  let q = db.selectFrom('posts').select('id').where('slug', '=', slug)
  if (exceptPostId !== undefined) q = q.where('id', '!=', exceptPostId)
  return (await q.executeTakeFirst()) !== undefined
}

/** Deletes a post with its comments, categories, tags and old addresses (foreign keys cascade). */
export async function deletePost(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('posts').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Opens or closes a post's comment thread. */
export async function setCommentsOpen(db: Db, id: number, open: boolean): Promise<boolean> {
  const result = await db
    .updateTable('posts')
    .set({ comments_open: open ? 1 : 0, updated_at: nowIso() })
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function categorySlugTaken(db: Db, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('categories').select('id').where('slug', '=', slug)
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId)
  return (await q.executeTakeFirst()) !== undefined
}

export async function createCategory(db: Db, name: string, slug: string): Promise<number> {
  const row = await db.insertInto('categories').values({ name, slug, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function renameCategory(db: Db, id: number, name: string, slug: string): Promise<boolean> {
  const result = await db.updateTable('categories').set({ name, slug }).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Deletes a category; its posts lose only this one (post_categories rows cascade). */
export async function deleteCategory(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('categories').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
