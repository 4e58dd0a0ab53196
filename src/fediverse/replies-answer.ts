// The author's answer goes back (issue 31): when an admin answers a comment that came from the fediverse, the
// blog sends the answer as a Note in reply to it, mentioning its author, so the conversation goes on on their
// side too. Only what an admin writes under the blog's name is sent: an ordinary commenter's words never leave
// the blog (they did not agree to it).
//
// The sending is a job (src/jobs/): queued in the transaction that stores the answer, so that an answer is sent
// once whatever instance runs it, after a restart too, and retried while the other server is away. The job sends
// at once (Fedify's `immediate`): a failure is the job's, retried by it.
import { Create, Delete, Mention, Note, PUBLIC_COLLECTION, Tombstone, Update, isActor, type Recipient } from '@fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'
import type { Kysely, Transaction } from 'kysely'
import { Temporal } from '@js-temporal/polyfill'
import { renderCommentBody } from '../comments/text.ts'
import type { Database } from '../db/schema.ts'
import { escapeHtml } from '../lib/html.ts'
import { commentPath } from '../lib/urls.ts'
import { enqueueJob, PermanentJobError } from '../jobs/jobs.ts'
import { BLOG_ACTOR, activityId } from './federation.ts'

/** Fedify's instants (typed as the coming global Temporal; Node 24 has only its polyfill, which Fedify uses). */
type Instant = NonNullable<ConstructorParameters<typeof Note>[0]['published']>
const instant = (t: Temporal.Instant) => t as unknown as Instant

export const ANSWER_JOB = 'fediverse.answer'

type Action = 'create' | 'update' | 'delete'
interface AnswerPayload {
  commentId: number
  action: Action
  /** For a deletion: where the answer was sent (the comment is gone by then). */
  to?: { actor: string; noteId: string }
}

/** The answer's Note id: the comment's stable address on the blog. */
export function answerNoteId(app: FastifyInstance, commentId: number): URL {
  return new URL(`${app.config.siteUrl}${commentPath(commentId)}`)
}

/** The comment an admin's comment answers, when it came from the fediverse: whom to send it to. */
async function fediverseParent(
  db: Kysely<Database> | Transaction<Database>,
  comment: { parent_id: number | null; user_id: number | null },
) {
  if (comment.user_id === null || comment.parent_id === null) return null
  const parent = await db
    .selectFrom('comments')
    .select(['id', 'origin', 'origin_url', 'author_actor', 'author_handle'])
    .where('id', '=', comment.parent_id)
    .executeTakeFirst()
  return parent?.origin === 'fediverse' && parent.origin_url && parent.author_actor ? parent : null
}

/**
 * Called in the transaction that stores a comment (the admin's answer page, the public form signed in): an
 * admin's answer to a fediverse comment is queued for sending. Anything else is left alone.
 */
export async function answerStored(
  trx: Kysely<Database> | Transaction<Database>,
  comment: { id: number; parent_id: number | null; user_id: number | null },
  action: Action = 'create',
): Promise<void> {
  const parent = await fediverseParent(trx, comment)
  if (!parent) return
  const payload: AnswerPayload = { commentId: comment.id, action }
  if (action === 'delete') payload.to = { actor: parent.author_actor!, noteId: parent.origin_url! }
  // An edit may be sent again after another edit: each has its own key; a creation or a deletion only once.
  const key = action === 'update' ? undefined : `${ANSWER_JOB}:${comment.id}:${action}`
  await enqueueJob(trx, { kind: ANSWER_JOB, payload, key })
}

/** The job's handler (registered by the fediverse plugin). */
export function registerAnswers(app: FastifyInstance): void {
  app.jobs.handle(ANSWER_JOB, async (payload) => deliverAnswer(app, payload as AnswerPayload))
}

async function deliverAnswer(app: FastifyInstance, payload: AnswerPayload): Promise<void> {
  const ctx = app.federation.createContext(new URL(app.config.siteUrl), app)
  const blog = ctx.getActorUri(BLOG_ACTOR)
  const noteId = answerNoteId(app, payload.commentId)

  if (payload.action === 'delete') {
    if (!payload.to) throw new PermanentJobError('a deletion without its recipient')
    // Queued before the deletion: sent only if it happened.
    const still = await app.db.selectFrom('comments').select('id').where('id', '=', payload.commentId).executeTakeFirst()
    if (still) return
    const recipient = await recipientOf(ctx, payload.to.actor)
    const del = new Delete({
      id: activityId(ctx),
      actor: blog,
      object: new Tombstone({ id: noteId }),
      tos: [new URL(payload.to.actor)],
      ccs: [PUBLIC_COLLECTION, ctx.getFollowersUri(BLOG_ACTOR)],
    })
    await ctx.sendActivity({ identifier: BLOG_ACTOR }, recipient, del, { immediate: true })
    return
  }

  const answer = await app.db
    .selectFrom('comments')
    .select(['id', 'parent_id', 'user_id', 'body', 'status', 'created_at', 'post_id'])
    .where('id', '=', payload.commentId)
    .executeTakeFirst()
  // Deleted or hidden since: nothing to say (a deletion has its own job).
  if (!answer || answer.status !== 'approved') return
  const parent = await fediverseParent(app.db, answer)
  if (!parent) return
  const recipient = await recipientOf(ctx, parent.author_actor!)
  const handle = parent.author_handle ?? `@${recipient.id.host}`
  const mentionHref = recipient.url ?? recipient.id.href
  // The mention first, as every server writes a reply: their server shows it as a link to them.
  const content =
    `<p><span class="h-card"><a href="${escapeHtml(mentionHref)}" class="u-url mention">${escapeHtml(handle)}</a></span></p>` +
    renderCommentBody(answer.body)
  const published = instant(Temporal.Instant.from(answer.created_at))
  const note = new Note({
    id: noteId,
    attribution: blog,
    replyTarget: new URL(parent.origin_url!),
    content,
    mediaType: 'text/html',
    published,
    updated: payload.action === 'update' ? instant(Temporal.Now.instant()) : null,
    url: noteId,
    tos: [recipient.id],
    ccs: [PUBLIC_COLLECTION, ctx.getFollowersUri(BLOG_ACTOR)],
    tags: [new Mention({ href: recipient.id, name: handle })],
  })
  const Activity = payload.action === 'update' ? Update : Create
  const activity = new Activity({
    id: payload.action === 'update' ? activityId(ctx) : new URL(`${noteId.href}#create`),
    actor: blog,
    object: note,
    published,
    tos: [recipient.id],
    ccs: [PUBLIC_COLLECTION, ctx.getFollowersUri(BLOG_ACTOR)],
  })
  await ctx.sendActivity({ identifier: BLOG_ACTOR }, recipient, activity, { immediate: true })
  app.log.info({ comment: answer.id, to: recipient.id.href, action: payload.action }, 'fediverse: an answer sent')
}

/** The answered person's actor, fetched now (their inbox may have moved); not found: the job tries again later. */
async function recipientOf(ctx: Context<FastifyInstance>, actorId: string): Promise<Recipient & { id: URL; url: string | null }> {
  const actor = await ctx.lookupObject(actorId)
  if (!isActor(actor) || !actor.inboxId || !actor.id) throw new Error(`actor ${actorId} not found`)
  const url = actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? null)
  return { id: actor.id, inboxId: actor.inboxId, endpoints: null, url }
}
