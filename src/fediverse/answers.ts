// The author's answer goes back (issue 31): when an admin answers a comment that came from the fediverse, the
// blog sends the answer as a Note in reply to it, mentioning its author, so the conversation goes on on their
// side too. Only what an admin writes under the blog's name is sent: an ordinary commenter's words never leave
// the blog (they did not agree to it).
//
// The sending is a job (src/jobs/): queued in the transaction that stores the answer, so that an answer is sent
// once whatever instance runs it, after a restart too, and retried while the other server is away. The job sends
// at once (Fedify's `immediate`): a failure is the job's, retried by it. What queues it lives here, without
// Fedify; the sending (replies-answer.ts) loads it at the first job.
import type { FastifyInstance } from 'fastify'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { commentPath } from '../lib/urls.ts'
import { enqueueJob } from '../jobs/jobs.ts'
import { sendResponse, WANTS_ACTIVITY_JSON } from './negotiation.ts'

export const ANSWER_JOB = 'fediverse.answer'

type Action = 'create' | 'update' | 'delete'
export interface AnswerPayload {
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
export async function fediverseParent(
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

/** The job's handler (registered by the fediverse plugin): Fedify is loaded by the first answer to send. */
export function registerAnswers(app: FastifyInstance): void {
  app.jobs.handle(ANSWER_JOB, async (payload) => {
    const [{ federation }, { deliverAnswer }] = await Promise.all([app.federation(), import('./replies-answer.ts')])
    await deliverAnswer(app, federation, payload as AnswerPayload)
  })
}

/** `/comment/<id>` (src/lib/urls.ts commentPath). */
const ANSWER_PATH = /^\/comment\/(\d{1,15})$/

/**
 * An answer's Note at its address, for the servers that fetch it (to check it, or to build the thread when
 * someone replies to it). A browser at the same address still gets the comment on its post's page; any other
 * comment is not a Note (404).
 */
export function serveAnswers(app: FastifyInstance): void {
  app.fediverseSetup(async ({ federation }) => (await import('./replies-answer.ts')).dispatchAnswers(federation))
  const origin = new URL(app.config.siteUrl).origin
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    const path = request.url.split('?')[0]!
    if (!ANSWER_PATH.test(path)) return
    reply.header('vary', 'Accept')
    const accept = request.headers.accept ?? ''
    if (!WANTS_ACTIVITY_JSON.test(accept)) return
    const { federation } = await app.federation()
    const response = await federation.fetch(new Request(`${origin}${path}`, { method: request.method, headers: { accept } }), {
      contextData: app,
      onNotFound: () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }),
      onNotAcceptable: () => new Response('Not acceptable', { status: 406, headers: { 'content-type': 'text/plain' } }),
    })
    return sendResponse(reply, response)
  })
}
