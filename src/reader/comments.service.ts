// Accepting a valid comment: the word lists (src/content/comment-rules.ts), bans and the moderation rule, then
// the parent, the write and the duplicate check in one transaction, so that two identical posts arriving together
// cannot both pass the duplicate check.
import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { CommentStatus, Database, StoredComment } from '../db/schema.ts'
import type { Settings } from '../settings/settings.ts'
import { judgeComment } from '../content/comment-rules.ts'
import { now as clockNow } from '../lib/time.ts'
import { findBan } from '../moderation/bans.ts'
import * as repo from './comments.repository.ts'
import type { CommentInput } from './comments.schemas.ts'

export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000

export type SubmitResult =
  | { kind: 'stored'; id: number; createdAt: string; status: CommentStatus; held: 'links' | 'words' | null }
  | { kind: 'duplicate' }
  | { kind: 'parent-gone' }
  /** A word of the refuse list, or a ban (its id): nothing is stored. */
  | { kind: 'refused'; ban?: number }

/** The settings that decide what becomes of a comment. */
export type CommentSettings = Pick<Settings, 'moderation' | 'maxLinks' | 'holdWords' | 'refuseWords' | 'banAction'>

/** Text compared for duplicates: case, compatibility forms and spacing do not make a comment new. */
export function duplicateKey(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('und').replace(/\s+/gu, ' ').trim()
}

/** What the database keeps of duplicateKey: a short fingerprint, indexed with the post. */
export function bodyKey(text: string): string {
  return createHash('sha256').update(duplicateKey(text)).digest('base64url').slice(0, 22)
}

function sameName(a: string, b: string): boolean {
  return duplicateKey(a) === duplicateKey(b)
}

export async function submitComment(
  db: Kysely<Database>,
  input: {
    postId: number
    comment: CommentInput
    ip: string
    settings: CommentSettings
    now?: Date
    /** The admin signed in who writes it (the "author" mark): no ban, word list or moderation applies. */
    userId?: number | null
    /** Runs in the comment's transaction once it is stored (the mail outbox): both are kept, or neither. */
    afterStore?: (trx: Transaction<Database>, stored: StoredComment) => Promise<void>
  },
): Promise<SubmitResult> {
  const { comment, postId, settings } = input
  const now = input.now ?? clockNow()
  const byAdmin = input.userId != null
  // Before anything is read: a refused comment costs no query.
  const verdict = byAdmin ? ({ kind: 'pass' } as const) : judgeComment({ ...comment, ip: input.ip }, settings)
  if (verdict.kind === 'refuse') return { kind: 'refused' }
  // A banned commenter (src/moderation/bans.ts) is refused like a refuse word, or kept as spam: told nothing more.
  const ban = byAdmin ? undefined : await findBan(db, { email: comment.email, name: comment.author, ip: input.ip }, now.toISOString())
  if (ban && settings.banAction === 'refuse') return { kind: 'refused', ban: ban.id }

  let status: CommentStatus = 'approved'
  if (ban) status = 'spam'
  else if (byAdmin) status = 'approved'
  else if (verdict.kind === 'hold') status = 'pending'
  else if (settings.moderation === 'all') status = 'pending'
  // Read before the transaction, which then holds the write lock for fewer round trips (an approval landing
  // meanwhile only means one more comment held).
  else if (settings.moderation === 'first-time' && !(await repo.hasApprovedComment(db, { email: comment.email, name: comment.author }))) {
    status = 'pending'
  }

  const transaction = db.transaction().execute(async (trx): Promise<SubmitResult> => {
    // The comment's time is read here, once the transaction holds the write lock (SQLite's BEGIN IMMEDIATE, the
    // advisory lock on PostgreSQL), not when the request came in: times then follow the order of commits, and a
    // comment that waited for the lock (behind another instance's writes) cannot slip in above comments already
    // acknowledged, pushing them onto the next page away from the address their 303 gave.
    const storedAt = input.now ?? clockNow()
    if (comment.parent !== null && !(await repo.findVisibleComment(trx, postId, comment.parent))) {
      return { kind: 'parent-gone' }
    }

    const since = new Date(storedAt.getTime() - DUPLICATE_WINDOW_MS).toISOString()
    const key = bodyKey(comment.body)
    const { id, sameText } = await repo.insertComment(
      trx,
      {
        post_id: postId,
        parent_id: comment.parent,
        author_name: comment.author,
        author_email: comment.email,
        author_url: comment.url,
        body: comment.body,
        status,
        created_at: storedAt.toISOString(),
        ip: input.ip,
        body_key: key,
        user_id: input.userId ?? null,
      },
      since,
    )
    // The same text on this post lately (rare): a duplicate if it came from the same address or name, and then
    // this comment is undone with its transaction.
    if (sameText > 0) {
      const others = await repo.sameTextOnPost(trx, postId, key, since, id)
      if (others.some((r) => r.ip === input.ip || sameName(r.author_name, comment.author))) throw DUPLICATE
    }
    await input.afterStore?.(trx, {
      id,
      post_id: postId,
      parent_id: comment.parent,
      author_name: comment.author,
      author_email: comment.email,
      body: comment.body,
      status,
    })
    return { kind: 'stored', id, createdAt: storedAt.toISOString(), status, held: verdict.kind === 'hold' ? verdict.reason : null }
  })
  return transaction.catch((err: unknown) => {
    if (err === DUPLICATE) return { kind: 'duplicate' } as const
    throw err
  })
}

/** Thrown inside the transaction to roll a duplicate back. */
const DUPLICATE = new Error('duplicate comment')
