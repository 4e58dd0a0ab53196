// The search results page. The sidebar's search box (views/partials/sidebar.eta) sends readers here.
import type { FastifyInstance } from 'fastify'
import { CACHEABLE } from '../cache/policy.ts'
import { escapeHtml } from '../lib/html.ts'
import { formatter, messages } from '../i18n/index.ts'
import { pageCount, pager } from '../lib/pager.ts'
import { postPath, searchPath } from '../lib/urls.ts'
import { nowIso } from '../lib/time.ts'
import { HIT_END, HIT_START, RESULTS_CAP, searchPosts } from './engine.ts'
import { SearchIndexer } from './indexer.ts'
import { cleanQuery } from './query.ts'
import { searchQuery } from './search.schemas.ts'

export const RESULTS_PER_PAGE = 10

export interface SearchResult {
  url: string
  titleHtml: string
  excerptHtml: string
  publishedAt: string
  dateHeader: string
}

/** Plain text with hit markers → safe HTML with <mark>: everything is escaped first, then the markers replaced. */
export function markHits(marked: string): string {
  return escapeHtml(marked).replaceAll(HIT_START, '<mark>').replaceAll(HIT_END, '</mark>')
}

export default async function searchRoutes(app: FastifyInstance) {
  // Posts written before this process started (or while it was down) are indexed now when they are few, else in
  // the background while the server listens (src/search/indexer.ts).
  const indexer = new SearchIndexer({ db: app.db, language: () => app.settings.get().language, log: app.log })
  app.addHook('onReady', () => indexer.start())
  // preClose: before any onClose hook, the database's among them, closes what the batch under way uses.
  app.addHook('preClose', () => indexer.stop())

  app.get('/search', { config: CACHEABLE }, async (request, reply) => {
    const { q, page } = searchQuery.parse(request.query)
    const settings = app.settings.get()
    const t = messages(settings.language)
    const fmt = formatter(settings.language, settings.timezone)
    const query = cleanQuery(q)
    const complete = query ? await indexer.catchUp() : true
    const { total, capped, pageable, hits, onlyCommonWords } = await searchPosts(
      app.db,
      query,
      nowIso(),
      RESULTS_PER_PAGE,
      (page - 1) * RESULTS_PER_PAGE,
      settings.language,
    )
    // Beyond the cap the count is an estimate, and only the newest `cap` matches can be paged through.
    const pages = pageCount(pageable ?? total, RESULTS_PER_PAGE)
    const results: SearchResult[] = hits.map((h) => ({
      url: postPath(h, settings.timezone),
      titleHtml: markHits(h.title_marked),
      excerptHtml: markHits(h.excerpt_marked),
      publishedAt: h.published_at,
      dateHeader: fmt.dateHeader(h.published_at),
    }))
    return reply.page('search/results', {
      title: query ? t.searchTitleFor(query) : t.searchTitle,
      noindex: true,
      query,
      total,
      capped: capped ?? false,
      cap: RESULTS_CAP,
      incomplete: !complete,
      onlyCommonWords: onlyCommonWords ?? false,
      results,
      // Past the last page: the friendly empty page, with a way back to the first one.
      firstPageUrl: page > pages ? searchPath(query) : null,
      pagination: page > pages ? { page: pages, pages, previousUrl: null, nextUrl: null } : pager(page, pages, (n) => searchPath(query, n)),
    })
  })
}
