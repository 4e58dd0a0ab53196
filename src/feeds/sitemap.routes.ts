// What search engines read: /sitemap.xml (every page a reader can see: the home page, each visible post, each
// category and month that has one, with the time it last changed) and /robots.txt (everything but the admin,
// and where the sitemap is). Paged lists (?page=N) are left out: they only repeat what the posts' own pages say.
import type { FastifyInstance } from 'fastify'
import { CACHEABLE } from '../cache/policy.ts'
import { escapeHtml } from '../lib/html.ts'
import { categoryPath, monthPath, postPath } from '../lib/urls.ts'
import { later, nowIso, zonedParts } from '../lib/time.ts'
import * as repo from './feeds.repository.ts'

export interface SitemapUrl {
  path: string
  lastmod: string
}

/** Every visible page and its last change, newest posts first. */
export async function sitemapUrls(app: FastifyInstance): Promise<SitemapUrl[]> {
  const now = nowIso()
  const tz = app.settings.get().timezone
  const [posts, pairs, pages] = await Promise.all([
    repo.sitemapPosts(app.db, now),
    repo.visiblePostCategories(app.db, now),
    repo.sitemapPages(app.db, now),
  ])
  const postLastmod = new Map<number, string>()
  const months = new Map<string, SitemapUrl>()
  let home: string | undefined
  const postUrls: SitemapUrl[] = posts.map((p) => {
    let lastmod = later(p.published_at!, p.updated_at)
    lastmod = later(lastmod, p.last_comment_at)
    postLastmod.set(p.id, lastmod)
    home = later(lastmod, home)
    const { year, month } = zonedParts(p.published_at!, tz)
    const path = monthPath(year, month)
    const m = months.get(path)
    months.set(path, { path, lastmod: later(lastmod, m?.lastmod) })
    return { path: postPath(p, tz), lastmod }
  })
  const categories = new Map<string, SitemapUrl>()
  for (const { post_id, slug } of pairs) {
    const path = categoryPath(slug)
    categories.set(path, { path, lastmod: later(postLastmod.get(post_id)!, categories.get(path)?.lastmod) })
  }
  const byPath = (a: SitemapUrl, b: SitemapUrl) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return [
    { path: '/', lastmod: home ?? (await repo.contentChangedAt(app.db)) ?? now },
    ...postUrls,
    // Static pages (/about.html): their last edit or approved comment.
    ...pages.map((p) => ({ path: postPath(p, tz), lastmod: later(later(p.published_at!, p.updated_at), p.last_comment_at) })),
    ...[...categories.values()].sort(byPath),
    ...[...months.values()].sort(byPath).reverse(),
  ]
}

/** W3C Datetime without the milliseconds: `2017-10-01T17:08:00Z`. */
function w3cDate(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z')
}

export default async function sitemapRoutes(app: FastifyInstance) {
  app.get('/sitemap.xml', { config: CACHEABLE }, async (request, reply) => {
    const urls = await sitemapUrls(app)
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ...urls.map((u) => `<url><loc>${escapeHtml(app.config.siteUrl + u.path)}</loc><lastmod>${w3cDate(u.lastmod)}</lastmod></url>`),
      '</urlset>',
      '',
    ].join('\n')
    return reply.type('application/xml; charset=utf-8').send(body)
  })

  app.get('/robots.txt', { config: CACHEABLE }, async (request, reply) => {
    const body = ['User-agent: *', 'Disallow: /admin', '', `Sitemap: ${app.config.siteUrl}/sitemap.xml`, ''].join('\n')
    return reply.type('text/plain; charset=utf-8').send(body)
  })
}
