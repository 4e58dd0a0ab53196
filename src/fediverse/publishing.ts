// Posts to the followers: the publications watcher (src/content/publications.ts) tells the 'fediverse' channel
// when a post becomes public (a scheduled one at its minute), changes, or stops being public, once across
// instances, in a transaction; a job queued in that same transaction then sends Create, Update or Delete to the
// followers (shared inboxes where they have one), through Fedify's own queue (the jobs table, src/fediverse/queue.ts).
// Posts public before the channel began (before the blog was in the fediverse) are never sent.
import type { FastifyInstance } from 'fastify'
import type { Transaction } from 'kysely'
import { z } from 'zod'
import type { PublishedPost } from '../content/publications.ts'
import type { Database } from '../db/schema.ts'
import { enqueueJob, PermanentJobError } from '../jobs/jobs.ts'
import type { BuiltFederation } from './federation.ts'

export const POST_JOB = 'fediverse-post'
export const CHANNEL = 'fediverse'

export const postJob = z.union([
  z.object({
    action: z.enum(['create', 'update']),
    post: z.custom<PublishedPost>((v) => typeof v === 'object' && v !== null && 'url' in v),
  }),
  z.object({ action: z.literal('delete'), postId: z.number(), url: z.string() }),
])

/** Where a post was announced: a Delete names it, after the post itself may be gone. */
const articleKey = (postId: number) => JSON.stringify(['carnet', 'article', String(postId)])

async function remember(trx: Transaction<Database>, post: PublishedPost): Promise<void> {
  const row = { key: articleKey(post.id), value: JSON.stringify(post.url), expires_at: null }
  await trx
    .insertInto('fedi_kv')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value }))
    .execute()
}

export function registerPublishing(app: FastifyInstance, load: () => Promise<BuiltFederation>, origin: string): void {
  const queue = (trx: Transaction<Database>, payload: z.infer<typeof postJob>) => enqueueJob(trx, { kind: POST_JOB, payload })

  app.publications.channel(CHANNEL, {
    async published(trx, post) {
      await remember(trx, post)
      await queue(trx, { action: 'create', post })
    },
    async republished(trx, post) {
      await remember(trx, post)
      await queue(trx, { action: 'create', post })
    },
    async updated(trx, post) {
      await remember(trx, post)
      await queue(trx, { action: 'update', post })
    },
    async withdrawn(trx, postId) {
      const row = await trx.selectFrom('fedi_kv').select('value').where('key', '=', articleKey(postId)).executeTakeFirst()
      if (row) await queue(trx, { action: 'delete', postId, url: JSON.parse(row.value) as string })
    },
  })

  app.jobs.handle(POST_JOB, async (payload, job) => {
    const parsed = postJob.safeParse(payload)
    if (!parsed.success) throw new PermanentJobError('malformed fediverse-post job')
    // Nobody to send to (a blog no one follows yet): done, without loading Fedify (its first load held the event
    // loop ~0.2 s of CPU, and signing the activity more: bench/RESULTS.md, 2026-12-07).
    if (!(await app.db.selectFrom('fedi_followers').select('id').limit(1).executeTakeFirst())) return
    // Fedify and the activity vocabulary are loaded by the first job that needs them, never by a reader's request.
    const [{ federation }, { sendPost }] = await Promise.all([load(), import('./publishing-send.ts')])
    await sendPost(app, federation, origin, parsed.data, job.id)
  })
}
