// Sending a post's Create, Update or Delete to the followers (the 'fediverse-post' job of publishing.ts), loaded
// with Fedify at the first job that needs it.
import { Delete, Tombstone, Update, PUBLIC_COLLECTION } from '@fedify/vocab'
import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { nowIso } from '../lib/time.ts'
import { createOf, instant, toArticle } from './articles.ts'
import type { CarnetFederation } from './federation.ts'
import { BLOG_ACTOR } from './federation-paths.ts'
import type { postJob } from './publishing.ts'

export async function sendPost(
  app: FastifyInstance,
  federation: CarnetFederation,
  origin: string,
  p: z.infer<typeof postJob>,
  jobId: number,
): Promise<void> {
  const ctx = federation.createContext(new URL(origin), app)
  // One id per job: a job run again after a crash sends the same activity, which servers take once.
  const id = new URL(`/fediverse/activities/${jobId}`, origin)
  const actor = ctx.getActorUri(BLOG_ACTOR)
  const audience = { to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri(BLOG_ACTOR) }
  const activity =
    p.action === 'delete'
      ? new Delete({ id, actor, object: new Tombstone({ id: new URL(p.url), deleted: instant(nowIso()) }), ...audience })
      : p.action === 'update'
        ? new Update({ id, actor, object: toArticle(ctx, p.post), updated: instant(p.post.updatedAt), ...audience })
        : createOf(ctx, toArticle(ctx, p.post), id)
  await ctx.sendActivity({ identifier: BLOG_ACTOR }, 'followers', activity, { preferSharedInbox: true })
}
