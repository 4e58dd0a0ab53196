// Comments from elsewhere (issue 31: the fediverse; issue 32: webmentions) enter here, and go the form's way from
// then on (src/comments/comments.service.ts): the same word lists, link limit, bans (plus bans by actor and by
// domain), moderation rule (a first time judged by the author's actor), batched write, counts and mails. They
// differ in what they cannot have (an IP address, an e-mail) and in being sent again: the same address of theirs
// on the same post is an edit. Likes, boosts, bookmarks and mentions are reactions: counted, not comments.
// The callers (src/fediverse, src/webmention) have checked who sent what (signatures, the source's link) and
// turned remote HTML into plain text; these functions judge and store it.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { CommentStatus, ReactionKind } from '../db/schema.ts'
import { threadIsOpen } from '../content/policy.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { now as clockNow } from '../lib/time.ts'
import { findBan, hostOf } from './bans.ts'
import { cleanLine, cleanText, isHttpUrl, LIMITS } from './comments.schemas.ts'
import { submitComment } from './comments.service.ts'
import * as repo from './comments.repository.ts'
import * as reactions from './reactions.ts'

export interface RemoteComment {
  postId: number
  /** A reply to one of our comments: its id. */
  parentId: number | null
  origin: 'fediverse' | 'webmention'
  /** The Note's id, the webmention's source: unique on a post, what an Update or Delete names. */
  originUrl: string
  /** The page a reader opens ("see the original"); null: originUrl is that page. */
  permalink: string | null
  author: { name: string; url: string | null; actor: string | null; handle: string | null }
  /** Plain text (the caller made remote HTML text). */
  text: string
  /** When it was written there. Not used for its place in the thread, which follows arrival (as the form's). */
  publishedAt?: Date
}

export type RemoteResult =
  | { kind: 'stored'; id: number; status: CommentStatus }
  | { kind: 'updated'; id: number }
  /**
   * Nothing stored or changed. `closed`: the thread is closed (an edit of a comment already there is still taken);
   * `banned`: a ban covers the author (with banAction 'spam', a banned author's comment is stored as spam instead);
   * `words`: a word of the refuse list; `post-gone`: readers cannot see the post; `parent-gone`: the comment it
   * answers is not visible; `empty`: no text; `not-author`: sent again under another actor than the stored one's.
   */
  | { kind: 'refused'; reason: 'closed' | 'banned' | 'words' | 'post-gone' | 'parent-gone' | 'empty' | 'not-author' }

/** An address from elsewhere, kept only when it is an http(s) one. */
const remoteUrl = z
  .string()
  .max(LIMITS.url)
  .nullable()
  .transform((s) => (s !== null && isHttpUrl(s) ? new URL(s).href : null))

const remoteComment = z.object({
  postId: z.number().int().positive(),
  parentId: z.number().int().positive().nullable(),
  origin: z.enum(['fediverse', 'webmention']),
  originUrl: z.string().max(LIMITS.url).refine(isHttpUrl, 'not an http(s) address'),
  permalink: remoteUrl,
  author: z.object({
    name: z.string(),
    url: remoteUrl,
    actor: remoteUrl,
    handle: z
      .string()
      .max(LIMITS.author * 3)
      .nullable(),
  }),
  text: z.string(),
  publishedAt: z.date().optional(),
})

/** At most `max` characters (code points), an ellipsis saying something was cut. */
function cut(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/**
 * Judges and stores a comment from elsewhere, or applies an edit of one stored before (the same originUrl on the
 * same post). Throws only for what its caller got wrong (an originUrl that is no address), never for the remote
 * side's content: a bad author address is dropped, a long text is cut to the form's limit.
 */
export async function receiveRemoteComment(app: FastifyInstance, input: RemoteComment): Promise<RemoteResult> {
  const c = remoteComment.parse(input)
  const originUrl = new URL(c.originUrl).href
  const text = cut(cleanText(c.text), LIMITS.body)
  if (!text) return { kind: 'refused', reason: 'empty' }
  const handle = c.author.handle ? cleanLine(c.author.handle).replace(/^@?/u, '@') : null
  // A name is theirs to leave blank: the handle, or the site, stands for it.
  const author = cut(cleanLine(c.author.name), LIMITS.author) || handle || hostOf(c.author.actor ?? c.author.url ?? originUrl) || '?'

  const post = await repo.postForComment(app.db, c.postId)
  const now = clockNow()
  if (!post || !isVisibleToReaders(post, now.toISOString())) return { kind: 'refused', reason: 'post-gone' }
  const settings = app.settings.get()
  // A closed thread takes no new comment, as the form's; an edit of one already there is taken.
  if (!threadIsOpen(post, settings, now) && !(await repo.remoteComments(app.db, [originUrl])).some((r) => r.post_id === post.id)) {
    return { kind: 'refused', reason: 'closed' }
  }

  const result = await submitComment(app.db, {
    postId: post.id,
    comment: { author, email: null, url: c.author.url, body: text, parent: c.parentId, remember: false, notify: false, notify_all: false },
    ip: null,
    settings,
    remote: { origin: c.origin, originUrl, permalink: c.permalink, actor: c.author.actor, handle },
    // The thread's subscribers and the admin hear of it as of a comment from the form.
    afterStore: (trx, stored) => app.mail.commentStored(trx, stored, { id: post.id, title: post.title }, { replies: false, all: false }),
  })
  switch (result.kind) {
    case 'stored':
      app.mail.wake()
      app.log.info(
        { post: post.id, comment: result.id, origin: c.origin, status: result.status, held: result.held },
        'remote comment stored',
      )
      return { kind: 'stored', id: result.id, status: result.status }
    case 'updated':
      app.log.info({ post: post.id, comment: result.id, origin: c.origin, status: result.status }, 'remote comment updated')
      return { kind: 'updated', id: result.id }
    case 'refused':
      app.log.info({ post: post.id, origin: c.origin, ban: result.ban }, 'remote comment refused')
      return { kind: 'refused', reason: result.ban ? 'banned' : 'words' }
    case 'parent-gone':
      return { kind: 'refused', reason: 'parent-gone' }
    case 'not-author':
      app.log.warn({ post: post.id, origin: c.origin, originUrl }, 'remote comment sent again by another actor: ignored')
      return { kind: 'refused', reason: 'not-author' }
    case 'duplicate':
      // A comment from elsewhere is never a duplicate (comments.service.ts).
      throw new Error('a remote comment was taken for a duplicate')
  }
}

/**
 * A Delete (or a webmention whose source no longer links here): the comments stored under that address go, on
 * every post. With `byActor`, only those that actor wrote: a Delete from someone else changes nothing.
 */
export async function removeRemoteComment(app: FastifyInstance, originUrl: string, byActor?: string): Promise<number> {
  let url: string
  try {
    url = new URL(originUrl).href
  } catch {
    return 0
  }
  const removed = await repo.deleteRemoteComments(app.db, url, byActor ?? null)
  if (removed > 0) app.log.info({ originUrl: url, removed }, 'remote comment removed by its author')
  return removed
}

export interface RemoteReaction {
  postId: number
  origin: 'fediverse' | 'webmention'
  kind: ReactionKind
  /** The activity's id (Like, Announce), the webmention's source. */
  sourceUrl: string
  author: { name: string; url: string | null; actor: string | null }
}

/**
 * Counts a like, boost, bookmark or mention of a post. Once per source and kind (a second delivery is a no-op):
 * true when it was new. Not counted: a post readers cannot see, a banned actor or domain.
 */
export async function recordReaction(app: FastifyInstance, r: RemoteReaction): Promise<boolean> {
  if (!isHttpUrl(r.sourceUrl)) return false
  const post = await repo.postForComment(app.db, r.postId)
  if (!post || !isVisibleToReaders(post, clockNow().toISOString())) return false
  const url = r.author.url && isHttpUrl(r.author.url) ? new URL(r.author.url).href : null
  const actor = r.author.actor && isHttpUrl(r.author.actor) ? new URL(r.author.actor).href : null
  const hosts = [actor, url, r.sourceUrl].map(hostOf).filter((h) => h !== null)
  if (await findBan(app.db, { email: null, name: '', ip: null, actor: actor ?? url, hosts }, clockNow().toISOString())) return false
  return reactions.insertReaction(app.db, {
    post_id: post.id,
    origin: r.origin,
    kind: r.kind,
    source_url: new URL(r.sourceUrl).href,
    author_name: cut(cleanLine(r.author.name), LIMITS.author),
    author_url: url,
    author_actor: actor,
    created_at: clockNow().toISOString(),
  })
}

/** An Undo, or a source that no longer links here: the reaction (of that kind, or any) stops counting. */
export async function removeReaction(app: FastifyInstance, sourceUrl: string, kind?: ReactionKind): Promise<number> {
  let url: string
  try {
    url = new URL(sourceUrl).href
  } catch {
    return 0
  }
  return reactions.deleteReactions(app.db, url, kind)
}
