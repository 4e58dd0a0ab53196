// The author's answer goes back (issue 31): when an admin answers a comment that came from the fediverse, the
// blog sends the answer as a Note in reply to it, mentioning its author, so the conversation goes on on their
// side too. Only what an admin writes under the blog's name is sent: an ordinary commenter's words never leave
// the blog (they did not agree to it).
//
// Sending it (the job queued by answers.ts), and serving it at its address: loaded with Fedify at first use.
import { Create, Delete, Mention, Note, PUBLIC_COLLECTION, Tombstone, Update, isActor, type Recipient } from '@fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'
import { Temporal } from '@js-temporal/polyfill'
import { renderCommentBody } from '../comments/text.ts'
import { escapeHtml } from '../lib/html.ts'
import { PermanentJobError } from '../jobs/jobs.ts'
import { answerNoteId, fediverseParent, type AnswerPayload } from './answers.ts'
import { BLOG_ACTOR, activityId, type CarnetFederation } from './federation.ts'

/** Fedify's instants (typed as the coming global Temporal; Node 24 has only its polyfill, which Fedify uses). */
type Instant = NonNullable<ConstructorParameters<typeof Note>[0]['published']>
const instant = (t: Temporal.Instant) => t as unknown as Instant

/** An answer's Note at its address (/comment/<id>), for the servers that fetch it. */
export function dispatchAnswers(federation: CarnetFederation): void {
  federation.setObjectDispatcher(Note, '/comment/{id}', async (ctx, values) => {
    const id = Number(values.id)
    return Number.isSafeInteger(id) ? ((await answerNote(ctx.data, ctx, id))?.note ?? null) : null
  })
}

export async function deliverAnswer(app: FastifyInstance, federation: CarnetFederation, payload: AnswerPayload): Promise<void> {
  const ctx = federation.createContext(new URL(app.config.siteUrl), app)
  const blog = ctx.getActorUri(BLOG_ACTOR)
  const noteId = answerNoteId(app, payload.commentId)

  if (payload.action === 'delete') {
    if (!payload.to) throw new PermanentJobError('a deletion without its recipient')
    // Queued once the deletion was committed; should the comment be back (restored from a backup), nothing.
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

  const answer = await answerNote(app, ctx, payload.commentId, payload.action === 'update')
  // Deleted or hidden since: nothing to say (a deletion has its own job).
  if (!answer) return
  const { note, published, recipientId } = answer
  const recipient = await recipientOf(ctx, recipientId)
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
  app.log.info({ comment: payload.commentId, to: recipient.id.href, action: payload.action }, 'fediverse: an answer sent')
}

/**
 * An admin's answer to a fediverse comment as its Note (sent, and served at its address to whoever asks for it:
 * a server building the thread), or null for any other comment — those are never federated.
 */
export async function answerNote(app: FastifyInstance, ctx: Context<FastifyInstance>, commentId: number, edited = false) {
  const answer = await app.db
    .selectFrom('comments')
    .select(['id', 'parent_id', 'user_id', 'body', 'status', 'created_at'])
    .where('id', '=', commentId)
    .executeTakeFirst()
  if (!answer || answer.status !== 'approved') return null
  const parent = await fediverseParent(app.db, answer)
  if (!parent) return null
  const blog = ctx.getActorUri(BLOG_ACTOR)
  const noteId = answerNoteId(app, commentId)
  const recipientId = new URL(parent.author_actor!)
  const handle = parent.author_handle ?? `@${recipientId.host}`
  // The mention first, as every server writes a reply: their server shows it as a link to them.
  const content =
    `<p><span class="h-card"><a href="${escapeHtml(recipientId.href)}" class="u-url mention">${escapeHtml(handle)}</a></span></p>` +
    renderCommentBody(answer.body)
  const published = instant(Temporal.Instant.from(answer.created_at))
  const note = new Note({
    id: noteId,
    attribution: blog,
    replyTarget: new URL(parent.origin_url!),
    content,
    mediaType: 'text/html',
    published,
    updated: edited ? instant(Temporal.Now.instant()) : null,
    url: noteId,
    tos: [recipientId],
    ccs: [PUBLIC_COLLECTION, ctx.getFollowersUri(BLOG_ACTOR)],
    tags: [new Mention({ href: recipientId, name: handle })],
  })
  return { note, published, recipientId: recipientId.href }
}

/** The answered person's actor, fetched now (their inbox may have moved); not found: the job tries again later. */
async function recipientOf(ctx: Context<FastifyInstance>, actorId: string): Promise<Recipient & { id: URL }> {
  const actor = await ctx.lookupObject(actorId)
  if (!isActor(actor) || !actor.inboxId || !actor.id) throw new Error(`actor ${actorId} not found`)
  return { id: actor.id, inboxId: actor.inboxId, endpoints: null }
}
