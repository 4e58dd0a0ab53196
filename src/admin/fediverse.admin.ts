// The admin's Fediverse page (/admin/fediverse, 'settings' permission): the blog's address in the fediverse, how
// many follow it, who (handle, instance, since when; 50 a page, by id), and removing a follower. A removal sends
// the follower's server a Reject of their Follow, as Mastodon's "remove follower" does: their account stops
// showing the blog as followed, and the blog's posts stop reaching them.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { messages } from '../i18n/index.ts'
import { BLOG_ACTOR } from '../fediverse/federation-paths.ts'
import { countFollowers, findFollower, followersPage, removeFollower } from '../fediverse/followers.ts'

const PAGE = 50
const listQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number)
    .catch(0)
    .default(0),
  done: z.string().optional().catch(undefined),
})
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

export default async function fediverseAdminRoutes(app: FastifyInstance) {
  app.get('/fediverse', { config: { permission: 'settings' } }, async (request, reply) => {
    const context = adminContext(app)
    const t = messages(context.settings.language).fediverse
    const query = listQuery.parse(request.query ?? {})
    const [count, rows] = await Promise.all([countFollowers(app.db), followersPage(app.db, { after: query.after, limit: PAGE + 1 })])
    const shown = rows.slice(0, PAGE)
    return reply.adminPage('admin/fediverse', {
      heading: t.heading,
      notice: query.done === 'removed' ? t.removed : null,
      handle: `@${context.settings.fediverseHandle}@${new URL(app.config.siteUrl).host}`,
      count,
      followers: shown.map((f) => ({
        id: f.id,
        handle: f.handle,
        instance: f.instance,
        url: f.actor_id,
        since: context.fmt.commentDate(f.followed_at),
        sinceIso: f.followed_at,
      })),
      next: rows.length > PAGE ? `/admin/fediverse?after=${shown[shown.length - 1]!.id}` : null,
      first: query.after > 0 ? '/admin/fediverse' : null,
    })
  })

  app.post(
    '/fediverse/followers/:id/remove',
    { config: { permission: 'settings' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const params = idParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      const follower = await findFollower(app.db, params.data.id)
      if (!follower) return reply.redirect('/admin/fediverse', 303)
      const removed = await removeFollower(app.db, follower.actor_id)
      if (removed > 0) {
        await audit(app.db, request.admin!, 'fediverse.follower.remove', follower.handle, { actor: follower.actor_id })
        // Their server hears of it (queued: a server that is down hears of it later).
        const origin = new URL(app.config.siteUrl).origin
        // Fedify and its vocabulary: loaded here, at an admin's action, never for a reader.
        const [{ federation }, { Follow, Reject }, { activityId }] = await Promise.all([
          app.federation(),
          import('@fedify/vocab'),
          import('../fediverse/federation.ts'),
        ])
        const ctx = federation.createContext(new URL(origin), app)
        const blog = ctx.getActorUri(BLOG_ACTOR)
        const follow = new Follow({
          id: follower.follow_id ? new URL(follower.follow_id) : null,
          actor: new URL(follower.actor_id),
          object: blog,
        })
        await ctx.sendActivity(
          { identifier: BLOG_ACTOR },
          { id: new URL(follower.actor_id), inboxId: new URL(follower.inbox), endpoints: null },
          new Reject({ id: activityId(ctx), actor: blog, object: follow }),
        )
      }
      return reply.redirect('/admin/fediverse?done=removed', 303)
    },
  )
}
