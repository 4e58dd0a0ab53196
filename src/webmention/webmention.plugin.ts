// Webmention (W3C Recommendation, issue 32), both ways.
// Receiving: POST /webmention is checked at once (both addresses http(s), different, the target one of our public
// posts or pages: else 400 with the reason in plain words), then answered 202 with a status page, and verified
// later by a job (src/webmention/verify.ts) that fetches the source through outboundFetch (time, size and private
// network limits) and retries on network errors. Posts and pages advertise the endpoint in a Link header and a
// <link rel="webmention"> (recorded with the page in the page cache, like every header).
// Sending: the publications channel 'webmention' tells us when a post became public, changed or stopped being
// public; each page it links to (and each it linked to before) gets a job (src/webmention/send.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { enqueueJob } from '../jobs/jobs.ts'
import type { PublishedPost } from '../content/publications.ts'
import { messages } from '../i18n/index.ts'
import { nowIso } from '../lib/time.ts'
import { findTarget } from './target.ts'
import { outboundLinks } from './discovery.ts'
import { verifyWebmention, VERIFY_JOB } from './verify.ts'
import { sendWebmention, SEND_JOB } from './send.ts'

declare module '../http/view.ts' {
  interface PageFields {
    /** The webmention endpoint a post or page advertises in its head (src/webmention/). */
    webmention: string
  }
}

/** Webmentions one site (the source's host name) may send a minute, across instances. */
export const PER_SOURCE_HOST_PER_MINUTE = 30
/** Pages one post tells at most (a post that links to more is a list of links, not a conversation). */
const MAX_TARGETS = 100
const ADVERTISED_ROUTES = new Set(['/archive/:year/:month/:day/:file', '/:slug.html'])

const form = z.object({ source: z.string().max(2000), target: z.string().max(2000) })
const statusParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

function httpUrl(value: string): URL | null {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null
  } catch {
    return null
  }
}

function sourceHost(request: FastifyRequest): string {
  const body = request.body as { source?: unknown } | undefined
  const url = typeof body?.source === 'string' ? httpUrl(body.source) : null
  return `webmention:${url ? url.hostname.toLowerCase() : request.ip}`
}

/** Tells every page this post links to, and every page it linked to before (they see the link gone). */
async function announce(app: FastifyInstance, trx: Transaction<Database>, post: PublishedPost, event: string): Promise<void> {
  const now = nowIso()
  const linked = outboundLinks(post.bodyHtml, post.url, app.config.siteUrl).slice(0, MAX_TARGETS)
  const before = await trx.selectFrom('webmention_sends').select('target').where('post_id', '=', post.id).execute()
  const targets = [...new Set([...linked, ...before.map((r) => r.target)])]
  for (const target of targets) {
    await trx
      .insertInto('webmention_sends')
      .values({ post_id: post.id, source: post.url, target, created_at: now })
      .onConflict((oc) => oc.columns(['post_id', 'target']).doUpdateSet({ source: post.url, state: 'pending' }))
      .execute()
    // Keyed by the post's version: a watcher that sees the same edit twice (two instances) sends once.
    await enqueueJob(trx, {
      kind: SEND_JOB,
      payload: { postId: post.id, source: post.url, target },
      key: `${SEND_JOB}:${post.id}:${event}:${post.version}:${post.updatedAt}:${target}`,
    })
  }
}

async function webmentionPlugin(app: FastifyInstance) {
  const endpoint = `${app.config.siteUrl}/webmention`
  const t = () => messages(app.settings.get().language).webmention

  // Advertised by posts and pages: in a header for clients that read no HTML, in the head for the others.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (ADVERTISED_ROUTES.has(request.routeOptions.url ?? '')) reply.header('link', `<${endpoint}>; rel="webmention"`)
    }
  })
  app.pageDataHooks.push((_request, data) => {
    if (data.post && !data.noindex) data.webmention = endpoint
  })

  app.post(
    '/webmention',
    {
      config: {
        rateLimit: { max: PER_SOURCE_HOST_PER_MINUTE, timeWindow: 60_000, hook: 'preHandler', keyGenerator: sourceHost },
      },
      errorHandler: async (error, _request, reply) => {
        if (error.statusCode === 429) return reply.code(429).type('text/plain; charset=utf-8').send(t().tooMany)
        throw error
      },
    },
    async (request, reply) => {
      const words = t()
      const refuse = (text: string) => reply.code(400).type('text/plain; charset=utf-8').send(text)
      const parsed = form.safeParse(request.body ?? {})
      if (!parsed.success) return refuse(words.badUrls)
      const source = httpUrl(parsed.data.source.trim())
      const target = httpUrl(parsed.data.target.trim())
      if (!source || !target) return refuse(words.badUrls)
      if (source.href === target.href) return refuse(words.sameUrl)
      const post = await findTarget(app, target.href)
      if (!post) return refuse(words.notOurs)
      target.hash = ''
      const id = await app.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('webmentions')
          .values({ source: source.href, target: target.href, post_id: post.id, created_at: nowIso() })
          // The same source sent again: verified again (it changed, or it is gone).
          .onConflict((oc) => oc.columns(['source', 'target']).doUpdateSet({ state: 'pending', post_id: post.id }))
          .returning('id')
          .executeTakeFirstOrThrow()
        await enqueueJob(trx, { kind: VERIFY_JOB, payload: { id: row.id } })
        return row.id
      })
      const status = `${app.config.siteUrl}/webmention/status/${id}`
      return reply.code(202).header('location', status).type('text/plain; charset=utf-8').send(words.accepted(status))
    },
  )

  app.get('/webmention/status/:id', async (request, reply) => {
    const params = statusParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const row = await app.db.selectFrom('webmentions').selectAll().where('id', '=', params.data.id).executeTakeFirst()
    if (!row) return reply.callNotFound()
    const words = t()
    const settings = app.settings.get()
    return reply.page('webmention/status', {
      title: words.statusTitle,
      noindex: true,
      sidebar: null,
      mention: {
        source: row.source,
        target: row.target,
        state: words.states[row.state] ?? row.state,
        result: row.result ? (words.results[row.result] ?? row.result) : null,
        checkedAt: row.checked_at,
        checked: row.checked_at
          ? new Intl.DateTimeFormat(settings.language, { dateStyle: 'long', timeStyle: 'short', timeZone: settings.timezone }).format(
              new Date(row.checked_at),
            )
          : null,
      },
    })
  })

  app.jobs.handle(VERIFY_JOB, (payload) => verifyWebmention(app, payload), { maxAttempts: 6 })
  app.jobs.handle(SEND_JOB, (payload, job) => sendWebmention(app, payload, job), { maxAttempts: 6 })

  app.publications.channel('webmention', {
    published: (trx, post) => announce(app, trx, post, 'published'),
    updated: (trx, post) => announce(app, trx, post, 'updated'),
    // Public again: the pages it links to fetch it again and find it back.
    republished: (trx, post) => announce(app, trx, post, 'republished'),
    // The spec's deletion: the same targets are told again; fetching the post, they find it gone (404/410).
    async withdrawn(trx, postId) {
      const rows = await trx.selectFrom('webmention_sends').select(['source', 'target']).where('post_id', '=', postId).execute()
      const at = nowIso()
      for (const r of rows) {
        await trx
          .updateTable('webmention_sends')
          .set({ state: 'pending' })
          .where('post_id', '=', postId)
          .where('target', '=', r.target)
          .execute()
        await enqueueJob(trx, {
          kind: SEND_JOB,
          payload: { postId, source: r.source, target: r.target },
          key: `${SEND_JOB}:${postId}:withdrawn:${at}:${r.target}`,
        })
      }
    },
  })
}

export default fp(webmentionPlugin, {
  name: 'webmention',
  dependencies: ['database', 'settings', 'render', 'jobs', 'publications'],
})
