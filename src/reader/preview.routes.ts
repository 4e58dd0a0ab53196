// Preview links (issue 29): /preview/<token> shows a post as it is saved now (a draft, usually) to whoever has the
// link, until an admin revokes it (its row deleted: 404 from then on). Personal: never in the page cache, never
// stored by a browser or proxy, never indexed, and the secret address is not sent on as a Referer.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'

const previewParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/) })

async function previewRoutes(app: FastifyInstance) {
  app.requestPrivacy.declarePrivatePrefix('/preview')

  app.get('/preview/:token', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-robots-tag', 'noindex, nofollow')
    reply.header('referrer-policy', 'no-referrer')
    const params = previewParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const post = await app.db
      .selectFrom('preview_links as l')
      .innerJoin('posts as p', 'p.id', 'l.post_id')
      .select(['p.id', 'p.title', 'p.body_html', 'p.signature', 'p.excerpt'])
      .where('l.token', '=', params.data.token)
      .executeTakeFirst()
    if (!post) return reply.callNotFound()
    const tags = await app.db.selectFrom('post_tags').select('name').where('post_id', '=', post.id).orderBy('position').execute()
    const t = messages(app.settings.get().language)
    return reply.page('posts/preview', {
      title: `${post.title} – ${t.previewBanner.split(':')[0]}`,
      description: post.excerpt,
      noindex: true,
      sidebar: null,
      preview: { title: post.title, bodyHtml: post.body_html, signature: post.signature, tags: tags.map((r) => r.name) },
    })
  })
}

export default fp(previewRoutes, { name: 'preview-links', dependencies: ['database', 'render', 'request-privacy'] })
