// A reply from the fediverse becomes a comment (issue 31). This file decides what a Note is to the blog: whom it
// was addressed to (only public and unlisted replies may be read by everyone under the post), what it answers
// (a post, or a comment under it), and the text and author a reader will see. Storing it, with the form's
// moderation, bans, counts and mails, is the comments room's work (src/comments/remote.ts).
import { Link, Mention, PUBLIC_COLLECTION, type Actor, type Note } from '@fedify/vocab'
import type { FastifyInstance } from 'fastify'
import type { RemoteComment } from '../comments/remote.ts'
import { findPostBySlug } from '../content/posts.repository.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'
import { remoteHtmlToText } from './sanitize.ts'

export type Audience = 'public' | 'unlisted' | 'followers' | 'direct'

/** How ActivityStreams' "everyone" is spelt, expanded or compacted, by the servers we know. */
const PUBLIC = new Set([PUBLIC_COLLECTION.href, 'as:Public', 'Public'])

/**
 * Whom a Note was written for. Public: "everyone" in `to`; unlisted: in `cc` (Mastodon's "quiet public"); then
 * followers-only (the author's followers collection) and direct (named people only). Only the first two are read
 * by anyone, so only they become comments readers see.
 */
export function audienceOf(note: { toIds: URL[]; ccIds: URL[] }, followers: URL | null): Audience {
  if (note.toIds.some((u) => PUBLIC.has(u.href))) return 'public'
  if (note.ccIds.some((u) => PUBLIC.has(u.href))) return 'unlisted'
  const all = [...note.toIds, ...note.ccIds]
  if (followers && all.some((u) => u.href === followers.href)) return 'followers'
  return 'direct'
}

export interface ReplyTarget {
  postId: number
  /** The comment it answers (one stored from the fediverse, or one written here), or null for the post itself. */
  parentId: number | null
}

/** `/archive/2026/12/06/<slug>.html` or `/<slug>.html` (src/lib/urls.ts postPath, pagePath). */
const POST_PATH = /^\/(?:archive\/\d{4}\/\d{2}\/\d{2}\/)?([^/]+)\.html$/
/** `/comment/<id>` (commentPath): a comment's stable address, and the id of the Notes the blog answers with. */
const COMMENT_PATH = /^\/comment\/(\d{1,15})$/
/** `#comment-<id>` (commentAnchor) on a post's page. */
const COMMENT_ANCHOR = /^#comment-(\d{1,15})$/

/**
 * What a Note's `inReplyTo` designates on this blog: a post (its address, which is also its Article's id), a
 * comment received from the fediverse (its Note's id), or a comment here (its /comment/<id> address, or the
 * post's address with #comment-<id>). Null: nothing of ours — the Note is not a reply to the blog.
 */
export async function replyTarget(app: FastifyInstance, inReplyTo: URL): Promise<ReplyTarget | null> {
  const received = await app.db
    .selectFrom('comments')
    .select(['id', 'post_id'])
    .where('origin_url', '=', inReplyTo.href)
    .orderBy('id')
    .executeTakeFirst()
  if (received) return { postId: received.post_id, parentId: received.id }

  const site = new URL(app.config.siteUrl)
  if (inReplyTo.origin !== site.origin) return null
  // A site under a sub-path (https://example.org/blog) has its addresses below it.
  const base = site.pathname.replace(/\/$/, '')
  if (!inReplyTo.pathname.startsWith(`${base}/`)) return null
  const path = inReplyTo.pathname.slice(base.length)

  const byComment = COMMENT_PATH.exec(path)
  if (byComment) return commentTarget(app, Number(byComment[1]))
  const post = POST_PATH.exec(path)
  if (!post) return null
  const slug = decodeURIComponent(post[1]!)
  const [row] = await findPostBySlug(app.db, { slug })
  if (!row || !isVisibleToReaders(row, nowIso())) return null
  const anchor = COMMENT_ANCHOR.exec(inReplyTo.hash)
  if (anchor) {
    const target = await commentTarget(app, Number(anchor[1]))
    return target?.postId === row.id ? target : null
  }
  return { postId: row.id, parentId: null }
}

async function commentTarget(app: FastifyInstance, id: number): Promise<ReplyTarget | null> {
  const row = await app.db.selectFrom('comments').select(['id', 'post_id']).where('id', '=', id).executeTakeFirst()
  return row ? { postId: row.post_id, parentId: row.id } : null
}

function linkHref(url: URL | Link | null): string | null {
  if (url instanceof URL) return url.href
  return url?.href?.href ?? null
}

/** `@name@host`: how people on the fediverse write an account. */
export function handleOf(actor: Actor): string | null {
  const username = actor.preferredUsername?.toString()
  return username && actor.id ? `@${username}@${actor.id.host}` : null
}

/** The ways a Note names the blog when it mentions it: the Mention tags pointing to this site. */
async function selfMentions(app: FastifyInstance, note: Note): Promise<string[]> {
  const site = new URL(app.config.siteUrl)
  const names: string[] = []
  for await (const tag of note.getTags({ suppressError: true })) {
    if (!(tag instanceof Mention) || tag.href?.origin !== site.origin) continue
    const name = tag.name?.toString()
    if (!name) continue
    // "@blog@example.org" is often shown "@blog" (Mastodon, for an account it knows only one of); Misskey's tag
    // may say "@blog" where its text says "@blog@example.org".
    const local = /^(@[^@]+)@/.exec(name)?.[1] ?? name
    names.push(name, local, `${local}@${site.host}`, `${local}@${site.hostname}`)
  }
  return names
}

/** A Note as the comment the comments room stores: its text, author, and where it hangs. */
export async function noteToComment(app: FastifyInstance, note: Note, actor: Actor, target: ReplyTarget): Promise<RemoteComment> {
  const text = remoteHtmlToText(note.content?.toString() ?? '', {
    selfMentions: await selfMentions(app, note),
    summary: note.summary?.toString() ?? null,
  })
  const handle = handleOf(actor)
  // The display name as written: custom emoji (":blobcat:") stay text, never an image from their server.
  const name = actor.name?.toString().trim() || actor.preferredUsername?.toString() || handle || actor.id!.host
  return {
    postId: target.postId,
    parentId: target.parentId,
    origin: 'fediverse',
    originUrl: note.id!.href,
    permalink: linkHref(note.url) ?? note.id!.href,
    author: { name, url: linkHref(actor.url) ?? actor.id!.href, actor: actor.id!.href, handle },
    text,
    publishedAt: note.published ? new Date(note.published.epochMilliseconds) : undefined,
  }
}
