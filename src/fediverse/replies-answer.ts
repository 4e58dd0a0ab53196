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
  action: 'create' | 'update' = 'create',
): Promise<void> {
  const parent = await fediverseParent(trx, comment)
  if (!parent) return
  const payload: AnswerPayload = { commentId: comment.id, action }
  // An edit may be sent again after another edit: each has its own key; a creation only once.
  const key = action === 'update' ? undefined : `${ANSWER_JOB}:${comment.id}:${action}`
  await enqueueJob(trx, { kind: ANSWER_JOB, payload, key })
}

/**
 * Deleting comments: read before (the answered comment may go in the same deletion), queued after (a job run in
 * between would find the answer still there). Returns what to call once the deletion is committed.
 */
export async function answersWithdrawn(db: Kysely<Database>, ids: readonly number[]): Promise<() => Promise<void>> {
  if (ids.length === 0) return async () => {}
  const rows = await db.selectFrom('comments').select(['id', 'parent_id', 'user_id']).where('id', 'in', ids).execute()
  const payloads: AnswerPayload[] = []
  for (const row of rows) {
    const parent = await fediverseParent(db, row)
    if (parent) payloads.push({ commentId: row.id, action: 'delete', to: { actor: parent.author_actor!, noteId: parent.origin_url! } })
  }
  return async () => {
    for (const payload of payloads) {
      await enqueueJob(db, { kind: ANSWER_JOB, payload, key: `${ANSWER_JOB}:${payload.commentId}:delete` })
    }
  }
}

/** The job's handler (registered by the fediverse plugin). */
export function registerAnswers(app: FastifyInstance): void {
  app.jobs.handle(ANSWER_JOB, async (payload) => deliverAnswer(app, payload as AnswerPayload))
}

/** `/comment/<id>` (src/lib/urls.ts commentPath). */
const ANSWER_PATH = /^\/comment\/(\d{1,15})$/
/** What an ActivityPub client asks for (as src/fediverse/fediverse.plugin.ts reads it). */
const WANTS_ACTIVITY_JSON = /application\/(?:activity\+json|ld\+json)/i

/**
 * An answer's Note at its address, for the servers that fetch it (to check it, or to build the thread when
 * someone replies to it). A browser at the same address still gets the comment on its post's page; any other
 * comment is not a Note (404).
 */
export function serveAnswers(app: FastifyInstance): void {
  app.federation.setObjectDispatcher(Note, '/comment/{id}', async (ctx, values) => {
    const id = Number(values.id)
    return Number.isSafeInteger(id) ? ((await answerNote(ctx.data, ctx, id))?.note ?? null) : null
  })
  const origin = new URL(app.config.siteUrl).origin
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    const path = request.url.split('?')[0]!
    if (!ANSWER_PATH.test(path)) return
    reply.header('vary', 'Accept')
    const accept = request.headers.accept ?? ''
    if (!WANTS_ACTIVITY_JSON.test(accept)) return
    const response = await app.federation.fetch(new Request(`${origin}${path}`, { method: request.method, headers: { accept } }), {
      contextData: app,
      onNotFound: () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }),
      onNotAcceptable: () => new Response('Not acceptable', { status: 406, headers: { 'content-type': 'text/plain' } }),
    })
    reply.code(response.status)
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') reply.header(name, value)
    })
    return reply.send(Buffer.from(await response.arrayBuffer()))
  })
}

async function deliverAnswer(app: FastifyInstance, payload: AnswerPayload): Promise<void> {
  const ctx = app.federation.createContext(new URL(app.config.siteUrl), app)
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
