// Background work (src/jobs/) as the admin sees it: how many jobs of each kind wait, wait for a retry, were
// given up or were done lately, and the recent failures with their errors, each given-up job retried by a
// button. Jobs are kept (done and failed alike), so what happened to a delivery can be read here.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'
import { now as clockNow } from '../lib/time.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'

const PROBLEMS_SHOWN = 50
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

export default async function jobsAdminRoutes(app: FastifyInstance) {
  app.get('/jobs', { config: { permission: 'settings' } }, async (request, reply) => {
    const context = adminContext(app)
    const t = messages(context.settings.language).jobs
    const now = clockNow()
    const dayAgo = new Date(now.getTime() - 86_400_000).toISOString()
    const [counts, problems] = await Promise.all([
      app.db
        .selectFrom('jobs')
        .select((eb) => [
          'kind',
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.and([eb('state', '=', 'pending'), eb('attempts', '=', 0)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('waiting'),
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.and([eb('state', '=', 'pending'), eb('attempts', '>', 0)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('retrying'),
          eb.fn.sum<number>(eb.case().when('state', '=', 'failed').then(1).else(0).end()).as('failed'),
          eb.fn
            .sum<number>(
              eb
                .case()
                .when(eb.and([eb('state', '=', 'done'), eb('finished_at', '>=', dayAgo)]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('done'),
        ])
        .groupBy('kind')
        .orderBy('kind')
        .execute(),
      app.db
        .selectFrom('jobs')
        .select(['id', 'kind', 'state', 'attempts', 'run_at', 'last_error', 'created_at'])
        .where('last_error', 'is not', null)
        .where('state', '!=', 'done')
        .orderBy('id', 'desc')
        .limit(PROBLEMS_SHOWN)
        .execute(),
    ])
    const when = (iso: string) => `${context.fmt.commentDate(iso)} ${context.fmt.time(iso)}`
    return reply.adminPage('admin/jobs', {
      heading: t.heading,
      notice: (request.query as Record<string, unknown> | undefined)?.done === 'retried' ? t.retried : null,
      counts: counts.map((c) => ({
        kind: c.kind,
        waiting: Number(c.waiting ?? 0),
        retrying: Number(c.retrying ?? 0),
        failed: Number(c.failed ?? 0),
        done: Number(c.done ?? 0),
      })),
      problems: problems.map((p) => ({
        id: p.id,
        kind: p.kind,
        failed: p.state === 'failed',
        attempts: p.attempts,
        created: when(p.created_at),
        createdIso: p.created_at,
        next: p.state === 'failed' ? t.abandoned : when(p.run_at),
        error: p.last_error ?? '',
      })),
    })
  })

  app.post('/jobs/:id/retry', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const retried = await app.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('jobs')
        .set({ state: 'pending', attempts: 0, run_at: clockNow().toISOString(), claimed_by: null, claimed_until: null, finished_at: null })
        .where('id', '=', params.data.id)
        .where('state', '=', 'failed')
        .returning(['id', 'kind'])
        .executeTakeFirst()
      if (row) await audit(trx, request.admin!, 'job.retry', `job ${row.id}`, { kind: row.kind })
      return row !== undefined
    })
    if (retried) app.jobs.wake()
    return reply.redirect(retried ? '/admin/jobs?done=retried' : '/admin/jobs', 303)
  })
}
