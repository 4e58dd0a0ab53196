// Page rendering: every page gets the layout's data (site, language, sidebar, canonical link) from here, so
// route handlers only say which template and what content.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { formatter, messages, type Formatter, type Messages } from '../i18n/index.ts'
import { PROJECT_ROOT } from '../lib/root.ts'
import { loadPostsSidebar, loadRecentComments, type Sidebar } from '../reader/sidebar.ts'
import { keptWith } from '../cache/kept-with.ts'

export const VIEWS_DIR = join(PROJECT_ROOT, 'views')
export const STATIC_DIR = join(PROJECT_ROOT, 'static')

export interface FeedLink {
  type: 'application/rss+xml' | 'application/atom+xml'
  title: string
  href: string
}

/** What every template may use. Routes add their own fields beside these. */
export interface PageData {
  lang: 'fr' | 'en'
  t: Messages
  fmt: Formatter
  site: { title: string; description: string; url: string }
  assets: Record<string, string>
  /** Document title. */
  title: string
  description: string
  /** Absolute canonical URL. */
  canonical: string
  sidebar: Sidebar | null
  feeds: FeedLink[]
  noindex: boolean
  [key: string]: unknown
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Renders a template to a string with the layout data of this request. */
    renderPage(request: FastifyRequest, template: string, data?: Partial<PageData>): Promise<string>
    /**
     * Renders a partial with exactly the data given (no layout, no page data): for fragments a feature renders
     * once and keeps, whose key must then name everything `data` holds.
     */
    renderFragment(template: string, data: object): string
    /** Hooks that add data to every page (feeds add their links here). */
    pageDataHooks: Array<(request: FastifyRequest, data: PageData) => void>
  }
  interface FastifyReply {
    /** Renders a template as an HTML response. */
    page(template: string, data?: Partial<PageData>): Promise<FastifyReply>
  }
}

/** Fingerprints of static files, for long-lived caching: `/static/css/carnet.css?v=<hash>`. */
function fingerprint(file: string): string {
  const hash = createHash('sha256').update(readFileSync(`${STATIC_DIR}/${file}`)).digest('hex').slice(0, 12)
  return `/static/${file}?v=${hash}`
}

/**
 * Eta finds a template's file on every render and include (a JSON key, path joins, a containment check): with
 * the views fixed for the life of the process (production), each answer is kept.
 */
function keepResolvedPaths(eta: Eta): void {
  const resolve = eta.resolvePath!
  const resolved = new Map<string, string>()
  eta.resolvePath = function (template, options) {
    const key = `${options?.filepath ?? ''}\u0000${template}`
    let path = resolved.get(key)
    if (path === undefined) {
      path = resolve.call(this, template, options)
      resolved.set(key, path)
    }
    return path
  }
}

async function renderPlugin(app: FastifyInstance, opts: { production: boolean }) {
  const eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: opts.production, views: VIEWS_DIR })
  if (opts.production) keepResolvedPaths(eta)
  await app.register(fastifyView, {
    engine: { eta },
    root: VIEWS_DIR,
    production: opts.production,
  })
  const assets = { css: fingerprint('css/carnet.css') }
  app.decorate('pageDataHooks', [])

  // The sidebar is the same on every page and costs a handful of queries: one object per freshness generation
  // (src/cache/freshness.ts), so any write or timed change recomputes it; its costly part (counts over every
  // published post) is kept until posts or categories change, not at every comment.
  async function sidebar(request: FastifyRequest, settings: { language: string; timezone: string }, fmt: Formatter): Promise<Sidebar> {
    return app.freshness.memo({ name: 'sidebar' }, async () => {
      const now = new Date().toISOString()
      const [postsPart, recentComments] = await Promise.all([
        app.freshness.postsMemo({ name: 'sidebar' }, () => loadPostsSidebar(app.db, now, settings.timezone, fmt)),
        loadRecentComments(app.db, now),
      ])
      return { ...postsPart, recentComments }
    }, request)
  }

  // The sidebar's HTML, rendered once per sidebar (a new one comes with each freshness generation) and per
  // language and feed links: it is the biggest part of most pages, and the same on all of them. The partial
  // gets ONLY these fields, so that nothing else a page holds can change it behind the key's back.
  const sidebarFragments = keptWith<Sidebar, string>()
  function sidebarHtml(sidebar: Sidebar, data: PageData): string {
    const subscribe = (data.subscribe as { rss: string; atom: string } | undefined) ?? null
    return sidebarFragments(sidebar, [data.lang, subscribe?.rss ?? null, subscribe?.atom ?? null], () =>
      eta.render('/partials/sidebar', { lang: data.lang, t: messages(data.lang), sidebar, subscribe }),
    )
  }

  app.decorate('renderFragment', (template: string, data: object) => eta.render(template, data))

  app.decorate('renderPage', async function (request: FastifyRequest, template: string, data: Partial<PageData> = {}) {
    const settings = app.settings.get()
    const fmt = formatter(settings.language, settings.timezone)
    const path = request.url.split('?')[0]!
    const base: PageData = {
      lang: settings.language,
      t: messages(settings.language),
      fmt,
      site: { title: settings.title, description: settings.description, url: app.config.siteUrl },
      assets,
      title: settings.title,
      // Search engines and link previews want a description; a blog without one gets a plain default.
      description: settings.description || messages(settings.language).defaultDescription(settings.title),
      canonical: app.config.siteUrl + path,
      sidebar: null,
      feeds: [],
      noindex: false,
    }
    if (data.sidebar === undefined) {
      base.sidebar = await sidebar(request, settings, fmt)
    }
    // Object.assign, not a spread: V8 (Node 20) copies two spreads of this size on a slow path, ~9 µs a page.
    const full = Object.assign({}, base, data) as PageData
    for (const hook of app.pageDataHooks) hook(request, full)
    if (full.sidebar) full.sidebarHtml = sidebarHtml(full.sidebar, full)
    return app.view(template, full) as Promise<string>
  })

  app.decorateReply('page', async function (this: FastifyReply, template: string, data?: Partial<PageData>) {
    const html = await app.renderPage(this.request, template, data)
    return this.type('text/html; charset=utf-8').send(html)
  })
}

export default fp(renderPlugin, { name: 'render', dependencies: ['database', 'freshness'] })
