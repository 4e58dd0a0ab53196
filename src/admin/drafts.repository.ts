// The writer's safety nets (issue 29): the editor's copies kept while typing (post_autosaves), saves posted after
// the session ended (pending_saves, found by the SHA-256 of a one-time token that only the sign-in form holds),
// and secret preview links (preview_links).
import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

type Db = Kysely<Database>

/** A pending save waits this long for its writer to sign in again. */
export const PENDING_SAVE_MS = 7 * 24 * 60 * 60 * 1000
/**
 * Pending saves kept at most, the oldest forgotten first: anyone can post a form signed out, so their room is
 * bounded (a few expire a week on a real blog; a flood only pushes the oldest out).
 */
export const MAX_PENDING_SAVES = 100

/** 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

// ---- autosaves ----

/** The post_key of an autosave: the post's id, 0 for a post not saved yet. */
export function postKey(postId: number | null | undefined): number {
  return postId ?? 0
}

export async function putAutosave(
  db: Db,
  row: { userId: number; postKey: number; baseVersion: number; title: string; body: string; form: Record<string, unknown> },
): Promise<string> {
  const savedAt = nowIso()
  const values = {
    base_version: row.baseVersion,
    title: row.title,
    body_source: row.body,
    form: JSON.stringify(row.form),
    saved_at: savedAt,
  }
  await db
    .insertInto('post_autosaves')
    .values({ user_id: row.userId, post_key: row.postKey, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'post_key']).doUpdateSet(values))
    .execute()
  return savedAt
}

export async function findAutosave(db: Db, userId: number, key: number) {
  return db.selectFrom('post_autosaves').selectAll().where('user_id', '=', userId).where('post_key', '=', key).executeTakeFirst()
}

export async function deleteAutosave(db: Db, userId: number, key: number): Promise<void> {
  await db.deleteFrom('post_autosaves').where('user_id', '=', userId).where('post_key', '=', key).execute()
}

// ---- pending saves ----

/** Keeps a posted form until its writer signs in; returns the token for the sign-in form. Forgets expired ones. */
export async function holdPendingSave(db: Db, postId: number | null, form: Record<string, unknown>): Promise<string> {
  const token = newToken()
  const now = Date.now()
  await db
    .deleteFrom('pending_saves')
    .where('created_at', '<', new Date(now - PENDING_SAVE_MS).toISOString())
    .execute()
  await db
    .insertInto('pending_saves')
    .values({ token_hash: hashOf(token), post_id: postId, form: JSON.stringify(form), created_at: new Date(now).toISOString() })
    .execute()
  const beyond = await db
    .selectFrom('pending_saves')
    .select('token_hash')
    .orderBy('created_at', 'desc')
    .orderBy('token_hash')
    .offset(MAX_PENDING_SAVES)
    .limit(1_000)
    .execute()
  if (beyond.length > 0) {
    await db
      .deleteFrom('pending_saves')
      .where(
        'token_hash',
        'in',
        beyond.map((r) => r.token_hash),
      )
      .execute()
  }
  return token
}

/** The pending save of a token, if it is still waiting. */
export async function findPendingSave(db: Db, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined
  const since = new Date(Date.now() - PENDING_SAVE_MS).toISOString()
  const row = await db
    .selectFrom('pending_saves')
    .selectAll()
    .where('token_hash', '=', hashOf(token))
    .where('created_at', '>=', since)
    .executeTakeFirst()
  if (!row) return undefined
  let form: Record<string, unknown> = {}
  try {
    form = JSON.parse(row.form) as Record<string, unknown>
  } catch {
    // A damaged row reads as an empty form: the editor will say what is missing.
  }
  return { postId: row.post_id, form, createdAt: row.created_at }
}

/** Used once: taken by the save it resumes. */
export async function forgetPendingSave(db: Db, token: string): Promise<void> {
  await db.deleteFrom('pending_saves').where('token_hash', '=', hashOf(token)).execute()
}

// ---- preview links ----

export async function createPreviewLink(db: Db, postId: number, createdBy: string): Promise<string> {
  const token = newToken()
  await db.insertInto('preview_links').values({ post_id: postId, token, created_by: createdBy, created_at: nowIso() }).execute()
  return token
}

export async function previewLinksOf(db: Db, postId: number) {
  return db.selectFrom('preview_links').selectAll().where('post_id', '=', postId).orderBy('id').execute()
}

export async function revokePreviewLink(db: Db, postId: number, id: number): Promise<boolean> {
  const result = await db.deleteFrom('preview_links').where('post_id', '=', postId).where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** The post a preview token shows, if the link exists. */
export async function postOfPreviewToken(db: Db, token: string): Promise<number | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined
  const row = await db.selectFrom('preview_links').select('post_id').where('token', '=', token).executeTakeFirst()
  return row?.post_id
}
