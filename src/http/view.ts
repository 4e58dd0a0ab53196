// Page rendering: every page gets the layout's data (site, language, sidebar, canonical link) from here, so
// route handlers only say which template and what content.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, join, normalize, relative, sep } from 'node:path'
import fastifyView from '@fastify/view'
import { Eta, EtaParseError } from 'eta'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { formatter, messages, type Formatter, type Messages } from '../i18n/index.ts'
import { PROJECT_ROOT } from '../lib/root.ts'
import { keptWith, type KeptKey } from '../cache/kept-with.ts'
import { loadTheme, themeData, themeReport, type Theme, type ThemeData } from './theme.ts'

export const VIEWS_DIR = join(PROJECT_ROOT, 'views')
export const STATIC_DIR = join(PROJECT_ROOT, 'static')

export interface FeedLink {
  type: 'application/rss+xml' | 'application/atom+xml'
  title: string
  href: string
}

/** What every page has: the layout's data. */
export interface LayoutData {
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
  /** The sidebar's data (see SidebarProvider); null for none. */
  sidebar: object | null
  feeds: FeedLink[]
  noindex: boolean
  /** The sidebar's HTML, added last (see SidebarProvider). */
  sidebarHtml?: string
  /** The theme in use (THEME_DIR), or null for Carnet's own look. */
  theme: ThemeData | null
}

/**
 * The fields a page may have besides the layout's that more than its own route reads or writes (page-data
 * hooks, the sidebar): each feature declares its own by declaration merging
 * (`declare module '../http/view.ts' { interface PageFields { … } }`), e.g. src/reader/page-fields.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the features' declarations
export interface PageFields {}

/** What page-data hooks see. A route's template may get more (its own fields), which no hook reads. */
export type PageData = LayoutData & Partial<PageFields>

/** What a route passes: layout fields it overrides, shared fields, and its template's own. */
export type PageInput = Partial<PageData> & object

/**
 * The sidebar, given by a feature (src/reader/sidebar.ts): the same on most pages, so its HTML is rendered once
 * per sidebar object and key and kept.
 */
export interface SidebarProvider {
  template: string
  /** This request's sidebar; a new object whenever it changes (the provider keeps it as long as it holds). */
  load(request: FastifyRequest, fmt: Formatter): Promise<object>
  /**
   * What the partial gets besides `sidebar`, exactly (no layout data), and a key naming all of it: the HTML is
   * kept per sidebar and key.
   */
  fragment(page: PageData): { key: KeptKey; data: object }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Gives pages their sidebar (none until called). */
    setSidebar(provider: SidebarProvider): void
    /** Renders a template to a string with the layout data of this request. */
    renderPage<T extends PageInput>(request: FastifyRequest, template: string, data?: T): Promise<string>
    /**
     * Renders a partial with exactly the data given (no layout, no page data): for fragments a feature renders
     * once and keeps, whose key must then name everything `data` holds.
     */
    renderFragment(template: string, data: object): string
    /** Hooks that add data to every page (feeds add their links here). */
    pageDataHooks: Array<(request: FastifyRequest, data: PageData) => void>
    /** The theme named by THEME_DIR, read at start; null without one. */
    theme: Theme | null
    /** Like pageDataHooks, for data read from the database (the header's menu), run before them. */
    pageDataLoaders: Array<(request: FastifyRequest, data: PageData) => Promise<void>>
  }
  interface FastifyReply {
    /** Renders a template as an HTML response. */
    page<T extends PageInput>(template: string, data?: T): Promise<FastifyReply>
  }
}

/** Fingerprints of static files, for long-lived caching: `/static/css/carnet.css?v=<hash>`. */
function fingerprint(file: string): string {
  const hash = createHash('sha256')
    .update(readFileSync(`${STATIC_DIR}/${file}`))
    .digest('hex')
    .slice(0, 12)
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

/** A template's path relative to the views it belongs to (Carnet's or the theme's), as `partials/header.eta`. */
function templateName(template: string, base: string | undefined, theme: Theme | null): string {
  let name = template.endsWith('.eta') ? template : `${template}.eta`
  if (!name.startsWith('/') && base) {
    const root = theme && base.startsWith(join(theme.dir, 'views') + sep) ? join(theme.dir, 'views') : VIEWS_DIR
    name = join(relative(root, base), '..', name)
  }
  name = normalize(name.replace(/^\/+/, ''))
  if (name.startsWith('..') || isAbsolute(name)) throw new Error(`Template '${template}' is not in the views folder`)
  return name
}

/**
 * Templates are looked up in the theme first, then in Carnet's views. A theme's template that fails (a syntax
 * error, a runtime error) is replaced by Carnet's own for that render, and logged once per template.
 */
function useTheme(eta: Eta, theme: Theme, onFailure: (template: string, file: string, err: unknown) => void): void {
  const themeFiles = new Map([...theme.overrides].map(([name, file]) => [file, name]))
  eta.resolvePath = (template, options) => {
    const name = templateName(template, options?.filepath, theme)
    return theme.overrides.get(name) ?? join(VIEWS_DIR, name)
  }
  // Files that do not compile are left for good (until a restart); others are tried on each render.
  const broken = new Set<string>()
  const carnetOwn = new Map<string, ReturnType<Eta['compile']>>()
  const render = eta.render
  eta.render = function (template, data, meta) {
    if (typeof template !== 'string') return render.call(this, template, data, meta)
    const file = this.resolvePath!(template, { ...meta })
    const name = themeFiles.get(file)
    if (name === undefined) return render.call(this, template, data, meta)
    if (!broken.has(file)) {
      try {
        return render.call(this, template, data, meta)
      } catch (err) {
        if (err instanceof EtaParseError) broken.add(file)
        onFailure(name, file, err)
      }
    }
    const own = join(VIEWS_DIR, name)
    let fn = carnetOwn.get(own)
    if (!fn) {
      fn = this.compile(this.readFile!(own), { filepath: own })
      if (this.config.cache) carnetOwn.set(own, fn)
    }
    return fn.call(this, data, { ...meta, async: false, filepath: own })
  }
}

async function renderPlugin(app: FastifyInstance, opts: { production: boolean; themeDir: string | null }) {
  const theme = opts.themeDir ? loadTheme(opts.themeDir, VIEWS_DIR) : null
  app.decorate('theme', theme)
  const eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: opts.production, views: VIEWS_DIR })
  if (theme) {
    const report = themeReport(theme)
    app.log.info({ theme: theme.name, version: theme.version, overrides: [...theme.overrides.keys()].sort() }, report.info)
    for (const warning of report.warnings) app.log.warn({ theme: theme.name }, warning)
    const failed = new Set<string>()
    useTheme(eta, theme, (template, file, err) => {
      if (failed.has(template)) return
      failed.add(template)
      app.log.error(
        { err, theme: theme.name, template, file },
        `theme ${theme.name}: ${template} failed to render; Carnet's own is used instead`,
      )
    })
  }
  if (opts.production) keepResolvedPaths(eta)
  await app.register(fastifyView, {
    engine: { eta },
    root: VIEWS_DIR,
    production: opts.production,
  })
  const assets = {
    css: fingerprint('css/carnet.css'),
    editorImages: fingerprint('js/editor-images.js'),
    editorDrafts: fingerprint('js/editor-drafts.js'),
    copyHandle: fingerprint('js/copy-handle.js'),
  }
  app.decorate('pageDataHooks', [])
  const themeInfo = theme ? themeData(theme) : null
  app.decorate('pageDataLoaders', [])

  let sidebarProvider: SidebarProvider | undefined
  app.decorate('setSidebar', (provider: SidebarProvider) => {
    sidebarProvider = provider
  })

  // The sidebar's HTML, rendered once per sidebar and key: it is the biggest part of most pages, and the same
  // on all of them. The partial gets ONLY the provider's fields, so nothing else a page holds can change it
  // behind the key's back.
  const sidebarFragments = keptWith<object, string>()
  function sidebarHtml(provider: SidebarProvider, sidebar: object, page: PageData): string {
    const { key, data } = provider.fragment(page)
    return sidebarFragments(sidebar, key, () => eta.render(provider.template, { ...data, sidebar }))
  }

  app.decorate('renderFragment', (template: string, data: object) => eta.render(template, data))

  app.decorate('renderPage', async function <T extends PageInput>(request: FastifyRequest, template: string, data?: T) {
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
      theme: themeInfo,
    }
    if (data?.sidebar === undefined && sidebarProvider) {
      base.sidebar = await sidebarProvider.load(request, fmt)
    }
    // Object.assign, not a spread: V8 copies two spreads of this size on a slow path, on every page.
    const full: PageData = Object.assign({}, base, data)
    for (const load of app.pageDataLoaders) await load(request, full)
    for (const hook of app.pageDataHooks) hook(request, full)
    if (full.sidebar && sidebarProvider) full.sidebarHtml = sidebarHtml(sidebarProvider, full.sidebar, full)
    return app.view(template, full) as Promise<string>
  })

  app.decorateReply('page', async function <T extends PageInput>(this: FastifyReply, template: string, data?: T) {
    const html = await app.renderPage(this.request, template, data)
    return this.type('text/html; charset=utf-8').send(html)
  })
}

export default fp(renderPlugin, { name: 'render', dependencies: ['database', 'settings', 'freshness'] })
