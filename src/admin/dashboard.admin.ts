// The admin home: what needs attention, and the latest entries of the audit log.
import type { FastifyInstance } from 'fastify'
import { countPostsByState, pendingCount, shownCount } from './admin.repository.ts'
import { recentAudit } from './audit.ts'
import { adminContext } from './context.ts'
import { can, moderatesEveryComment } from './permissions.ts'
import { toAuditItem } from './view-models.ts'

export default async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', { config: { permission: 'signed-in' } }, async (request, reply) => {
    const context = adminContext(app)
    const actor = request.admin!
    const [counts, pending, log] = await Promise.all([
      countPostsByState(app.db, context.now),
      can(actor.role, 'comments') ? pendingCount(app.db, moderatesEveryComment(actor.role) ? null : actor.id) : 0,
      // The whole log for those who run the blog; a writer's own entries for the others.
      recentAudit(app.db, 20, can(actor.role, 'users') ? null : actor.id),
    ])
    return reply.adminPage('admin/home', {
      heading: context.t.dashboard,
      counts,
      pendingComments: pending,
      pendingShown: shownCount(pending, context.settings.language),
      log: log.map((row) => toAuditItem(row, context)),
    })
  })
}
