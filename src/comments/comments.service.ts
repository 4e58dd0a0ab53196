// Accepting a valid comment, whatever it came from (the form, the fediverse, a webmention: src/comments/remote.ts):
// the word lists (src/comments/rules.ts), bans and the moderation rule, then the parent, the write and the duplicate
// check in one transaction, so that two identical posts arriving together cannot both pass the duplicate check.
// Comments arriving together share that transaction (writerOf). A comment from elsewhere sent again (the same
// address on its site, origin_url) changes the one stored: an edit.
import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { CommentOrigin, CommentStatus, Database, StoredComment } from '../db/schema.ts'
import type { Settings } from '../settings/settings.ts'
import { judgeComment } from './rules.ts'
import { now as clockNow } from '../lib/time.ts'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { findBan, hostOf } from './bans.ts'
import { inBatches } from '../lib/batches.ts'
import * as repo from './comments.repository.ts'
import type { CommentInput } from './comments.schemas.ts'

export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000

export type SubmitResult =
  | { kind: 'stored'; id: number; createdAt: string; status: CommentStatus; held: 'links' | 'words' | null }
  /**
   * The same text on the post lately, from the same address or name. `resent`: the comment it repeats, when that
   * came from the same address, name and e-mail (a double click, or the same person sending again): answered as
   * that comment was.
   */
  | { kind: 'duplicate'; resent: { id: number; status: CommentStatus } | null }
  | { kind: 'parent-gone' }
  /** A word of the refuse list, or a ban (its id): nothing is stored. */
  | { kind: 'refused'; ban?: number }
  /** A comment from elsewhere sent again: the stored one's text changed (remote only). */
  | { kind: 'updated'; id: number; status: CommentStatus }
  /** A comment from elsewhere sent again by someone other than its author: nothing changed (remote only). */
  | { kind: 'not-author' }

/** Where a comment from elsewhere came from and who wrote it there. */
export interface RemoteSource {
  origin: Exclude<CommentOrigin, 'form' | 'import'>
  /** That site's address of the comment (a Note's id, a webmention's source): unique on a post. */
  originUrl: string
  permalink: string | null
  actor: string | null
  handle: string | null
}

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
    /** Null for a comment from elsewhere: no address of ours saw it. */
    ip: string | null
    settings: CommentSettings
    /** A comment from elsewhere: judged as the form's, its first time by its actor, never a duplicate. */
    remote?: RemoteSource
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
  const remote = input.remote
  const verdict = byAdmin
    ? ({ kind: 'pass' } as const)
    : judgeComment({ ...comment, ip: input.ip ?? '', handle: remote?.handle ?? null, actor: remote?.actor ?? null }, settings)
  if (verdict.kind === 'refuse') return { kind: 'refused' }
  // A banned commenter (src/comments/bans.ts) is refused like a refuse word, or kept as spam: told nothing more.
  const ban = byAdmin
    ? undefined
    : await findBan(
        db,
        {
          email: comment.email,
          name: comment.author,
          ip: input.ip,
          actor: remote?.actor ?? null,
          hosts: remote ? [remote.actor, remote.originUrl, comment.url].map(hostOf).filter((h) => h !== null) : [],
        },
        now.toISOString(),
      )
  if (ban && settings.banAction === 'refuse') return { kind: 'refused', ban: ban.id }

  let status: CommentStatus = 'approved'
  if (ban) status = 'spam'
  else if (byAdmin) status = 'approved'
  else if (verdict.kind === 'hold') status = 'pending'
  else if (settings.moderation === 'all') status = 'pending'
  // Read before the transaction, which then holds the write lock for fewer round trips (an approval landing
  // meanwhile only means one more comment held).
  // A remote author's first time is judged by their actor (their name is theirs to change, they have no e-mail)
  else if (
    settings.moderation === 'first-time' &&
    // (one with no actor, a webmention without an h-card, is always a first time).
    !(remote
      ? remote.actor !== null && (await repo.hasApprovedComment(db, { actor: remote.actor }))
      : await repo.hasApprovedComment(db, { email: comment.email, name: comment.author }))
  ) {
    status = 'pending'
  }

  const written = await writerOf(db)({
    postId,
    comment,
    ip: input.ip,
    status,
    held: verdict.kind === 'hold' ? verdict.reason : null,
    userId: input.userId ?? null,
    now: input.now,
    afterStore: input.afterStore,
    remote: remote ?? null,
  })
  if (written.kind === 'failed') throw written.err
  return written
}

/** A comment that passed every check made before the write. */
interface Accepted {
  postId: number
  comment: CommentInput
  ip: string | null
  status: CommentStatus
  held: 'links' | 'words' | null
  userId: number | null
  now: Date | undefined
  afterStore: ((trx: Transaction<Database>, stored: StoredComment) => Promise<void>) | undefined
  remote: RemoteSource | null
}

/** The most comments one transaction writes (one INSERT, eleven parameters a row). */
const MAX_BATCH = 50

/** What became of a comment in its batch: its answer, or the error of its write. */
type Written = SubmitResult | { kind: 'failed'; err: unknown }

const writers = new WeakMap<Kysely<Database>, (accepted: Accepted) => Promise<Written>>()

/**
 * The comment writes of a database go in batches (group commit, src/lib/batches.ts): the comments that arrive
 * while one transaction holds the write lock are written together by the next, so that a busy thread takes the
 * lock once per batch rather than once per comment (bench/RESULTS.md, 2026-11-29). A comment alone is written at
 * once, in a transaction of its own, as before.
 */
function writerOf(db: Kysely<Database>) {
  let writer = writers.get(db)
  if (!writer) writers.set(db, (writer = inBatches((batch) => storeEach(db, batch), MAX_BATCH)))
  return writer
}

/**
 * A batch's write, and when it fails for a reason of its own (not the database being away: then every comment
 * of it gets the same 503), each comment written again alone: one comment's failure (its post deleted meanwhile,
 * a broken mail hook) is its own, and the others of its batch are stored.
 */
async function storeEach(db: Kysely<Database>, batch: readonly Accepted[]): Promise<Written[]> {
  try {
    return await storeBatch(db, batch)
  } catch (err) {
    if (batch.length === 1 || isDatabaseUnavailable(err)) throw err
  }
  const written: Written[] = []
  for (const accepted of batch) {
    try {
      written.push(...(await storeBatch(db, [accepted])))
    } catch (err) {
      written.push({ kind: 'failed', err })
    }
  }
  return written
}

/**
 * Writes a batch in one transaction, each comment as if it came alone after the ones before it: the parent is
 * checked, then the duplicate rule against the table and the comments before it in the batch; one INSERT stores
 * those that pass. When none is stored, nothing is committed.
 */
async function storeBatch(db: Kysely<Database>, batch: readonly Accepted[]): Promise<SubmitResult[]> {
  const results: SubmitResult[] = []
  /** A comment of the batch sent again in the same batch by the same person: its index → the first's. */
  const repeats = new Map<number, number>()
  try {
    await db.transaction().execute(async (trx) => {
      // The comments' times are read here, once the transaction holds the write lock (SQLite's BEGIN IMMEDIATE,
      // the advisory lock on PostgreSQL), not when the requests came in: times then follow the order of commits,
      // and a comment that waited for the lock (behind another instance's writes) cannot slip in above comments
      // already acknowledged, pushing them onto the next page away from the address their 303 gave.
      const at = batch.map((a) => a.now ?? clockNow())
      const createdAt = at.map((time) => time.toISOString())
      const since = at.map((time) => new Date(time.getTime() - DUPLICATE_WINDOW_MS).toISOString())
      const keys = batch.map((a) => bodyKey(a.comment.body))
      const parentIds = [...new Set(batch.flatMap((a) => (a.comment.parent === null ? [] : [a.comment.parent])))]
      const parents = new Map(parentIds.length ? (await repo.visibleComments(trx, parentIds)).map((r) => [r.id, r.post_id]) : [])
      // Comments from elsewhere already here (sent again: an edit), read under the lock so two deliveries of one
      // cannot both be new.
      const remoteUrls = [...new Set(batch.flatMap((a) => (a.remote ? [a.remote.originUrl] : [])))]
      const known = remoteUrls.length ? await repo.remoteComments(trx, remoteUrls) : []
      const knownOf = (a: Accepted) => known.find((r) => r.post_id === a.postId && r.origin_url === a.remote?.originUrl)

      const passing: number[] = []
      /** A comment from elsewhere sent twice in one batch: the second's index → the first's, whose text it updates. */
      const resentRemote = new Map<number, number>()
      const edits: Array<[number, { id: number; status: CommentStatus; author_actor: string | null; body: string }]> = []
      batch.forEach((a, i) => {
        const stored = a.remote ? knownOf(a) : undefined
        const first = a.remote
          ? passing.find((j) => batch[j]!.postId === a.postId && batch[j]!.remote?.originUrl === a.remote!.originUrl)
          : undefined
        // Never a duplicate: two people of the fediverse may well say "Merci !" within ten minutes.
        const earlier = a.remote
          ? undefined
          : passing.find(
              (j) =>
                !batch[j]!.remote &&
                batch[j]!.postId === a.postId &&
                keys[j] === keys[i] &&
                sameSender(batch[j]!.ip, batch[j]!.comment.author, a),
            )
        if (stored) {
          edits.push([i, stored])
        } else if (first !== undefined) {
          resentRemote.set(i, first)
        } else if (a.comment.parent !== null && parents.get(a.comment.parent) !== a.postId) {
          results[i] = { kind: 'parent-gone' }
        } else if (earlier !== undefined) {
          // The same comment twice in one batch (a double click): the second is the duplicate, and gets the
          // first's answer once the first's is known (below).
          results[i] = { kind: 'duplicate', resent: null }
          if (resentBy(batch[earlier]!.ip, batch[earlier]!.comment.author, batch[earlier]!.comment.email, a)) repeats.set(i, earlier)
        } else {
          passing.push(i)
        }
      })
      for (const [i, stored] of edits) {
        const a = batch[i]!
        if (stored.author_actor !== null && a.remote!.actor !== stored.author_actor) {
          results[i] = { kind: 'not-author' }
          continue
        }
        // The same text (an Update of the author's name, a webmention sent again): not an edit to show.
        const edited = a.comment.body !== stored.body
        const status = edited ? editedStatus(stored.status, a.status) : stored.status
        await repo.updateRemoteComment(trx, stored.id, remoteChange(a, keys[i]!, status, edited ? createdAt[i]! : null))
        results[i] = { kind: 'updated', id: stored.id, status }
      }
      if (passing.length === 0) {
        if (edits.length === 0) throw NOTHING_STORED
        return
      }

      const rows = await repo.insertComments(
        trx,
        passing.map((i) => {
          const a = batch[i]!
          return {
            post_id: a.postId,
            parent_id: a.comment.parent,
            author_name: a.comment.author,
            author_email: a.comment.email,
            author_url: a.comment.url,
            body: a.comment.body,
            status: a.status,
            created_at: createdAt[i]!,
            ip: a.ip,
            body_key: keys[i]!,
            user_id: a.userId,
            ...(a.remote
              ? {
                  origin: a.remote.origin,
                  origin_url: a.remote.originUrl,
                  origin_permalink: a.remote.permalink,
                  author_actor: a.remote.actor,
                  author_handle: a.remote.handle,
                }
              : {}),
          }
        }),
        since.reduce((a, b) => (a < b ? a : b)),
      )
      // The same text on a post lately (rare): a duplicate if it came from the same address or name, and then
      // that comment is taken out again.
      const duplicates = new Set<number>()
      for (const [k, i] of passing.entries()) {
        const { id, sameText } = rows[k]!
        const a = batch[i]!
        if (sameText > 0 && !a.remote) {
          const others = (await repo.sameTextBefore(trx, a.postId, keys[i]!, since[i]!, id)).filter(
            (r) => !duplicates.has(r.id) && sameSender(r.ip, r.author_name, a),
          )
          if (others.length > 0) {
            duplicates.add(id)
            const resent = others.find((r) => resentBy(r.ip, r.author_name, r.author_email, a))
            results[i] = { kind: 'duplicate', resent: resent ? { id: resent.id, status: resent.status } : null }
            continue
          }
        }
        results[i] = { kind: 'stored', id, createdAt: createdAt[i]!, status: a.status, held: a.held }
      }
      if (duplicates.size === passing.length && edits.length === 0) throw NOTHING_STORED
      if (duplicates.size > 0) await repo.deleteComments(trx, [...duplicates])

      // The same remote comment twice in one batch (two deliveries of it): the later text is an edit of the first.
      for (const [i, first] of resentRemote) {
        const k = passing.indexOf(first)
        const a = batch[i]!
        const status = editedStatus(batch[first]!.status, a.status)
        const edited = a.comment.body !== batch[first]!.comment.body
        await repo.updateRemoteComment(trx, rows[k]!.id, remoteChange(a, keys[i]!, status, edited ? createdAt[i]! : null))
        results[i] = { kind: 'updated', id: rows[k]!.id, status }
      }

      for (const [k, i] of passing.entries()) {
        const a = batch[i]!
        if (duplicates.has(rows[k]!.id)) continue
        await a.afterStore?.(trx, {
          id: rows[k]!.id,
          post_id: a.postId,
          parent_id: a.comment.parent,
          author_name: a.comment.author,
          author_email: a.comment.email,
          body: a.comment.body,
          status: a.status,
        })
      }
    })
  } catch (err) {
    if (err !== NOTHING_STORED) throw err
  }
  for (const [i, first] of repeats) {
    const answer = results[first]!
    results[i] = {
      kind: 'duplicate',
      resent: answer.kind === 'stored' ? { id: answer.id, status: answer.status } : answer.kind === 'duplicate' ? answer.resent : null,
    }
  }
  return results
}

/** What a remote comment sent again changes of the stored one: its text and what its author's profile says. */
function remoteChange(a: Accepted, bodyKey: string, status: CommentStatus, editedAt: string | null): repo.RemoteChange {
  return {
    body: a.comment.body,
    bodyKey,
    status,
    editedAt,
    authorName: a.comment.author,
    authorUrl: a.comment.url,
    handle: a.remote!.handle,
    permalink: a.remote!.permalink,
  }
}

/**
 * What a remote comment's edit leaves it: one held or kept as spam stays so (unless now spam); an approved one
 * takes what the new text would get as a new comment (held for a hold word, too many links or `moderation: all`;
 * spam for a ban). A refuse word refuses the edit before this: the text shown stays the one approved.
 */
function editedStatus(was: CommentStatus, judged: CommentStatus): CommentStatus {
  if (judged === 'spam' || was === 'spam') return 'spam'
  return was === 'pending' ? 'pending' : judged
}

/** Whether a comment sent from `ip` by `name` comes from the same address or name as `a`: with the same text, a duplicate. */
function sameSender(ip: string | null, name: string, a: Accepted) {
  return ip === a.ip || sameName(name, a.comment.author)
}

/**
 * Whether a comment from `ip`, `name` and `email` with the same text as `a` is `a` sent again by the same person
 * (a double click): the same address, name and e-mail. Only then does the repeat get the first's answer, a 303 to
 * it: someone else who happens to share the address or the name is told it was already sent (409), as before.
 */
function resentBy(ip: string | null, name: string, email: string | null, a: Accepted) {
  return ip === a.ip && sameName(name, a.comment.author) && (email ?? '').toLowerCase() === (a.comment.email ?? '').toLowerCase()
}

/** Thrown inside the transaction to roll it back when no comment of the batch was stored. */
const NOTHING_STORED = new Error('no comment stored')
