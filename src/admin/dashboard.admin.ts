// The admin home: what needs attention, and the latest entries of the audit log.
import type { FastifyInstance } from 'fastify'
import { countPostsByState, pendingCount } from './admin.repository.ts'
import { recentAudit } from './audit.ts'
import { adminContext } from './context.ts'
import { toAuditItem } from './view-models.ts'

export default async function dashboardRoutes(app: FastifyInstance) {
  app.get('/', { config: { permission: 'signed-in' } }, async (request, reply) => {
    const context = adminContext(app)
    const [counts, pending, log] = await Promise.all([
      countPostsByState(app.db, context.now),
      pendingCount(app.db),
      recentAudit(app.db, 20),
    ])
    return reply.adminPage('admin/home', {
      heading: context.t.dashboard,
      counts,
      pendingComments: pending,
      log: log.map((row) => toAuditItem(row, context)),
    })
  })
}
