// Whose comments a writer moderates: every comment for an editor and above, those on their own posts for an
// author (src/admin/permissions.ts). Lists are filtered by `authorScope`; a request naming a comment of someone
// else's post is refused 403 before it changes anything.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Writer } from './admin.plugin.ts'
import { refusal } from './http.ts'
import { moderatesEveryComment } from './permissions.ts'

const idParam = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

/** The author whose posts' comments this writer sees, or null for all. */
export function authorScope(actor: Writer): number | null {
  return moderatesEveryComment(actor.role) ? null : actor.id
}

/** Refuses (403) when one of these comments is on a post the writer may not moderate. */
export async function assertOwnComments(app: FastifyInstance, actor: Writer, ids: readonly number[]): Promise<void> {
  const author = authorScope(actor)
  if (author === null || ids.length === 0) return
  const others = await app.db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select('c.id')
    .where('c.id', 'in', [...ids])
    .where((eb) => eb.or([eb('p.author_id', 'is', null), eb('p.author_id', '<>', author)]))
    .limit(1)
    .execute()
  if (others.length > 0) throw refusal(403, 'comment on another writer’s post')
}

/** A route hook for the routes naming one comment (`/comments/:id/…`). */
export function ownComment(app: FastifyInstance) {
  return async (request: FastifyRequest) => {
    const params = idParam.safeParse(request.params)
    if (params.success) await assertOwnComments(app, request.admin!, [params.data.id])
  }
}
