// The conversation's side of the inbox (issue 31): replies become comments, their edits and deletions follow
// them, likes and boosts of a post are counted. Fedify has already checked each activity's signature (a forged
// one never reaches these listeners) and that its actor owns the key; what is checked here is what a signature
// cannot say — that a Note belongs to the actor who sends it, that an edit or a deletion comes from the
// comment's own author, that the actor or their instance is not banned.
import type { InboxContext } from '@fedify/fedify'
import { Announce, Create, Delete, Like, Note, Update, type Activity, type Actor, type Undo } from '@fedify/vocab'
import type { FastifyInstance } from 'fastify'
import { isBannedRemote } from '../comments/bans.ts'
import { receiveRemoteComment, recordReaction, removeReaction, removeRemoteComment } from '../comments/remote.ts'
import type { FediverseInbox } from './federation.ts'
import { audienceOf, handleOf, noteToComment, replyTarget } from './replies.ts'

type Ctx = InboxContext<FastifyInstance>

/** Adds the conversation's listeners to the blog's inbox (through app.fediverseSetup, src/fediverse/fediverse.plugin.ts). */
export function registerConversation(inbox: FediverseInbox): void {
  inbox.listeners
    .on(Create, (ctx, create) => noteReceived(ctx, create))
    .on(Update, (ctx, update) => noteReceived(ctx, update))
    .on(Delete, (ctx, del) => noteDeleted(ctx, del))
    .on(Like, (ctx, like) => reaction(ctx, like, 'like'))
    .on(Announce, (ctx, announce) => reaction(ctx, announce, 'boost'))
  inbox.onUndo(async (ctx, undo) => void (await undoReaction(ctx, undo)))
}

/** What Fedify needs to fetch a remote object in a listener, errors turned into null. */
function loaders(ctx: Ctx) {
  return { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true }
}

/** Refused before anything is fetched or stored: a banned actor, or any actor of a banned instance. */
async function banned(ctx: Ctx, activity: Activity): Promise<boolean> {
  const actorId = activity.actorId
  if (!actorId) return true
  if (!(await isBannedRemote(ctx.data.db, { actor: actorId.href }))) return false
  ctx.data.log.info({ actor: actorId.href, activity: activity.id?.href }, 'fediverse: activity from a banned actor or instance refused')
  return true
}

/** A Create or an Update of a Note: a new comment, or the new text of one already here. */
async function noteReceived(ctx: Ctx, activity: Create | Update): Promise<void> {
  const app = ctx.data
  if (await banned(ctx, activity)) return
  const actorId = activity.actorId!
  const note = await activity.getObject(loaders(ctx))
  if (!(note instanceof Note) || !note.id) return
  // A Note is its author's: on their server, attributed to them. Anything else is someone speaking for another.
  if (note.id.origin !== actorId.origin || (note.attributionId && note.attributionId.href !== actorId.href)) {
    app.log.info({ actor: actorId.href, note: note.id.href }, 'fediverse: a Note not of its sender refused')
    return
  }
  const inReplyTo = note.replyTargetId
  if (!inReplyTo) return
  const target = await replyTarget(app, inReplyTo)
  if (!target) return
  const actor = await activity.getActor(loaders(ctx))
  if (!actor?.id || actor.id.href !== actorId.href) return
  const audience = audienceOf(note, actor.followersId)
  if (audience === 'followers' || audience === 'direct') {
    // Written for a few: never shown to everyone under the post.
    app.log.debug({ note: note.id.href, audience }, 'fediverse: a reply not addressed to the public ignored')
    return
  }
  if (activity instanceof Update && !(await sameAuthor(app, note.id.href, actorId.href))) return
  const result = await receiveRemoteComment(app, await noteToComment(app, note, actor, target))
  app.log.info({ note: note.id.href, post: target.postId, result }, 'fediverse: a reply received')
}

/** Whether the comment stored for this Note (if any) is by this actor: only its author edits it. */
async function sameAuthor(app: FastifyInstance, originUrl: string, actorId: string): Promise<boolean> {
  const rows = await app.db.selectFrom('comments').select('author_actor').where('origin_url', '=', originUrl).execute()
  return rows.every((r) => r.author_actor === actorId)
}

/** A Delete of a Note (or of its Tombstone): its comment goes, when the one deleting it wrote it. */
async function noteDeleted(ctx: Ctx, activity: Delete): Promise<void> {
  const objectId = activity.objectId
  if (!objectId || !activity.actorId) return
  // The Note is gone: its id is all there is to read (never fetched).
  const removed = await removeRemoteComment(ctx.data, objectId.href, activity.actorId.href)
  if (removed) ctx.data.log.info({ note: objectId.href, removed }, 'fediverse: a reply deleted by its author')
}

/** A Like or an Announce (boost) of a post, counted beside it. */
async function reaction(ctx: Ctx, activity: Like | Announce, kind: 'like' | 'boost'): Promise<void> {
  const app = ctx.data
  if (!activity.id || !activity.objectId) return
  if (await banned(ctx, activity)) return
  const target = await replyTarget(app, activity.objectId)
  // A post only: a like of a comment is the comment's, and comments have no counts.
  if (!target || target.parentId !== null) return
  const actor: Actor | null = await activity.getActor(loaders(ctx))
  if (!actor?.id || actor.id.href !== activity.actorId!.href) return
  await recordReaction(app, {
    postId: target.postId,
    origin: 'fediverse',
    kind,
    sourceUrl: activity.id.href,
    author: {
      name: actor.name?.toString().trim() || handleOf(actor) || actor.id.host,
      url: actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? actor.id.href),
      actor: actor.id.href,
    },
  })
}

/**
 * An Undo of a Like or an Announce: its count goes back. Called by the inbox's one Undo listener
 * (src/fediverse/federation.ts, which undoes Follows itself); true when the Undo was one of these.
 */
export async function undoReaction(ctx: Ctx, undo: Undo): Promise<boolean> {
  const app = ctx.data
  const objectId = undo.objectId
  const actorId = undo.actorId
  if (!objectId || !actorId) return false
  // Only the reaction's author takes it back.
  const mine = await app.db
    .selectFrom('reactions')
    .select(['id', 'kind'])
    .where('source_url', '=', objectId.href)
    .where('author_actor', '=', actorId.href)
    .execute()
  if (mine.length === 0) return false
  let removed = 0
  for (const kind of new Set(mine.map((r) => r.kind))) removed += await removeReaction(app, objectId.href, kind)
  app.log.info({ reaction: objectId.href, removed }, 'fediverse: a like or boost undone')
  return true
}
