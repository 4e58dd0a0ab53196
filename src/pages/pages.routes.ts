// Readers' side of static pages and the menu: `/<slug>.html` (about, legal notice: rows of posts with kind
// 'page', shown like a post without date, categories or neighbours), the archives page the menu may link to
// (`/archive`: every month), and the header's menu on every page (views/partials/menu.eta).
import { isDatabaseUnavailable } from '../db/errors.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { CACHEABLE } from '../cache/policy.ts'
import * as repo from '../content/posts.repository.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { messages } from '../i18n/index.ts'
import { nowIso } from '../lib/time.ts'
import { commentPageQuery, pageParams } from '../lib/url-params.ts'
import { categoryPath, pagePath, postPath } from '../lib/urls.ts'
import { postPageData, type PostPageData } from '../reader/pages.routes.ts'
import { archiveLinks } from '../reader/sidebar.ts'
import { viewContext } from '../reader/view-models.ts'
import { menuRows, type MenuRow } from './pages.repository.ts'

export interface MenuLink {
  label: string
  url: string
}

declare module '../http/view.ts' {
  interface PageFields {
    /** The header's menu (empty: no menu). */
    menu: MenuLink[]
    /** The path of the page shown, for the menu's aria-current. */
    menuPath: string
  }
}

/** What readers see of the stored menu: a page only once published, each item's label or its default. */
export function menuLinks(rows: readonly MenuRow[], now: string, archivesLabel: string): MenuLink[] {
  const links: MenuLink[] = []
  for (const r of rows) {
    if (r.type === 'page') {
      if (!r.page_slug || !isVisibleToReaders({ status: r.page_status ?? 'draft', published_at: r.page_published_at }, now)) continue
      links.push({ label: r.label || r.page_title!, url: pagePath(r.page_slug) })
    } else if (r.type === 'category') {
      if (!r.category_slug) continue
      links.push({ label: r.label || r.category_name!, url: categoryPath(r.category_slug) })
    } else if (r.type === 'archives') {
      links.push({ label: r.label || archivesLabel, url: '/archive' })
    } else if (r.url) {
      links.push({ label: r.label || r.url, url: r.url })
    }
  }
  return links
}

type PageAnswer = { kind: 'missing' } | { kind: 'moved'; to: string } | { kind: 'page'; data: PostPageData | undefined }

async function pagesRoutes(app: FastifyInstance) {
  // The menu: one read per freshness generation (a page published, renamed or deleted moves it too).
  app.pageDataLoaders.push(async (request: FastifyRequest, data) => {
    if (data.menu !== undefined) return
    data.menuPath = request.url.split('?')[0]!
    try {
      data.menu = await app.freshness.memo(
        { name: 'menu' },
        async () => menuLinks(await menuRows(app.db), nowIso(), messages(app.settings.get().language).archives),
        request,
      )
    } catch (error) {
      // The blog's 503 page (a comment kept as typed) is rendered while the database is away: without the menu.
      if (!isDatabaseUnavailable(error)) throw error
      data.menu = []
    }
  })

  /** What `/<slug>.html` shows: the same for every reader of a generation. */
  async function pageAnswer(slug: string, query: { cpage: number; reply?: number | undefined } | null): Promise<PageAnswer> {
    const now = nowIso()
    const timeZone = app.settings.get().timezone
    const row = await repo.findPostBySlug.first(app.db, { slug })
    if (!row) {
      const moved = await repo.findPostByOldSlug(app.db, slug)
      if (moved && isVisibleToReaders(moved, now)) return { kind: 'moved', to: postPath(moved, timeZone) }
      return { kind: 'missing' }
    }
    if (!isVisibleToReaders(row, now)) return { kind: 'missing' }
    // A post's slug at a page's address: the post's own address.
    if (row.kind !== 'page') return { kind: 'moved', to: postPath(row, timeZone) }
    const context = viewContext(app.settings.get())
    const data = query ? await postPageData(app, row, context, { page: query.cpage, around: query.reply }) : undefined
    return { kind: 'page', data }
  }

  app.get('/:slug.html', { config: CACHEABLE }, async (request, reply) => {
    const params = pageParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const slug = params.data.slug
    const parsed = commentPageQuery.safeParse(request.query ?? {})
    const query = parsed.success ? parsed.data : null
    const answer = await app.freshness.pageMemo(
      { name: 'page', args: [slug, query ? query.cpage : null, query?.reply ?? null, query !== null] },
      () => pageAnswer(slug, query),
      request,
    )
    if (answer.kind === 'missing') return reply.callNotFound()
    if (answer.kind === 'moved') return reply.redirect(answer.to, 301)
    // `/%61bout.html` and the like: the one address.
    if (pagePath(slug) !== request.url.split('?')[0]) return reply.redirect(pagePath(slug), 301)
    if (!answer.data) return reply.callNotFound()
    return reply.page('pages/show', answer.data)
  })

  // Every month that has posts, newest first: where the menu's "Archives" leads.
  app.get('/archive', { config: CACHEABLE }, async (request, reply) => {
    const settings = app.settings.get()
    const context = viewContext(settings)
    const archives = await app.freshness.postsMemo({ name: 'archive-index' }, () =>
      archiveLinks(app.db, nowIso(), context.timeZone, context.fmt, Number.MAX_SAFE_INTEGER),
    )
    const t = messages(settings.language)
    return reply.page('pages/archives', { title: t.archives, heading: t.archives, archives })
  })
}

export default fp(pagesRoutes, { name: 'pages', dependencies: ['render', 'freshness', 'settings'] })
