// Builds the app: shared services first, then the features' routes, then the error pages. Listening is the
// server's business (server.ts), so tests build the app and talk to it through inject().
import { constants as zlibConstants } from 'node:zlib'
import compress from '@fastify/compress'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import adminPlugin from './admin/admin.plugin.ts'
import type { Config } from './config.ts'
import commentsRoutes from './reader/comments.routes.ts'
import ownComments from './own-comments/own-comments.routes.ts'
import reports from './reports/reports.routes.ts'
import { loadSessionKey } from './admin/session.ts'
import database from './db/plugin.ts'
import ipRetention from './content/ip-retention.ts'
import demo from './demo/plugin.ts'
import settings from './settings/plugin.ts'
import postsRoutes from './reader/pages.routes.ts'
import pagesRoutes from './pages/pages.routes.ts'
import routeNames from './pages/route-names.ts'
import previewRoutes from './reader/preview.routes.ts'
import sidebar from './reader/sidebar.ts'
// feeds & search
import feedsRoutes from './feeds/feeds.routes.ts'
import sitemapRoutes from './feeds/sitemap.routes.ts'
import searchRoutes from './search/search.routes.ts'
import seo from './seo/seo.ts'
import httpCache from './cache/http-cache.ts'
import errors, { renderFrameworkError } from './http/errors.ts'
import render from './http/view.ts'
import security from './http/security.ts'
import freshness from './cache/freshness.ts'
import requestPrivacy from './cache/policy.ts'
import pageCache, { frontListener, pageCacheStore } from './cache/page-cache.ts'
import compression from './cache/compression.ts'
import staticFiles from './http/static.ts'
import { databaseRateLimitStore } from './http/rate-limit.ts'
import transfer from './transfer/plugin.ts'
import webmention from './webmention/webmention.plugin.ts'
import media from './media/media.plugin.ts'
import look from './look/look.plugin.ts'
import mail from './mail/mail.plugin.ts'
import newsletter from './newsletter/newsletter.plugin.ts'
import health from './ops/health.ts'
import fediverse from './fediverse/fediverse.plugin.ts'
import jobs from './jobs/jobs.plugin.ts'
import publications from './content/publications.ts'
import fediverseConversation from './fediverse/inbox.plugin.ts'
import { AccessLog, lazyChildLogger, loggerOptions, prettyLogs, requestIds, type LogStream } from './ops/logging.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Readonly<Config>
  }
}

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
  /** Addresses per sitemap file (src/feeds/sitemap.routes.ts; tests lower it). */
  sitemapUrlsPerFile?: number
  /** Activities one remote instance may post to the inboxes a minute (src/fediverse/; tests lower it). */
  fediverseInboxPerMinute?: number
}

export async function buildApp(config: Readonly<Config>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logging = options.logger === undefined ? await loggerOptions(config.logLevel, prettyLogs(process.stdout, config.production)) : null
  const logger = logging?.logger ?? options.logger!
  const requestId = requestIds()
  // One access line per answered request instead of Fastify's two (src/ops/logging.ts).
  const accessLog = new AccessLog(
    logging?.output ?? (typeof logger === 'object' && 'stream' in logger ? ((logger.stream as LogStream | undefined) ?? null) : null),
    requestId,
  )
  const app = Fastify({
    logger,
    logController: accessLog,
    genReqId: requestId,
    childLoggerFactory: lazyChildLogger,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Comment forms are small; anything bigger is refused before it is read.
    bodyLimit: 64 * 1024,
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : [...config.trustProxy],
    // A malformed address (bad percent-encoding, an over-long path parameter) goes through the one error
    // handler too: the usual page with the security headers, not JSON.
    frameworkErrors: (error, request, reply) => {
      renderFrameworkError(app, error, request, reply)
    },
    // While closing, src/ops/health.ts answers every request 503 itself, with the reason (`shutting-down`).
    return503OnClosing: false,
  })
  app.decorate('config', config)
  // The page cache's front answers a stored page before Fastify's router, request objects and hooks, which made a
  // hit cost 2.4× a bare Fastify route's CPU (src/cache/page-cache.ts, PageCacheFront). Put in front of the
  // listener Fastify gave its server rather than through `serverFactory`, with which Fastify would no longer bind
  // HOST=localhost's second address (::1 beside 127.0.0.1).
  const [fastifyListener] = app.server.listeners('request') as Parameters<typeof frontListener>[0][]
  app.server.removeListener('request', fastifyListener!)
  app.server.on(
    'request',
    frontListener(fastifyListener!, () => app.pageCacheFront, accessLog),
  )
  // First: it reads every route as it is added (a static page's slug may take none of their names).
  await app.register(routeNames)
  // The lines gathered go out before the process ends (and at its exit, what is logged after this: logging.ts).
  if (logging) app.addHook('onClose', () => logging.flush())

  // The order of the request pipeline's hooks is declared by its plugins (fastify-plugin `dependencies`: a
  // plugin registered before one it depends on is refused); src/http/README.md draws it.
  await app.register(database, {
    databasePath: config.databasePath,
    poolSize: config.databasePoolSize,
    timeoutMs: config.databaseTimeoutMs,
  })
  await app.register(settings, { initialSettings: config.initialSettings, siteUrl: config.siteUrl })
  await app.register(demo, { enabled: config.demoContent })
  await app.register(requestPrivacy)
  // GET /healthz, and the 503 to requests that arrive while the app closes.
  await app.register(health)
  await app.register(freshness)
  await app.register(pageCache)
  await app.register(security)
  await app.register(formbody)
  await app.register(cookie)
  // Limits are set per route (comment posting, sign-in, the 404 page), not globally: readers are never throttled.
  // Their counters are in the database, shared by every instance (src/http/rate-limit.ts).
  await app.register(rateLimit, { global: false, store: databaseRateLimitStore(app.db) })
  // br/gzip for streamed answers (static files, which browsers then keep). Answers built in memory (pages,
  // feeds) are compressed by src/cache/compression.ts, whose global hook runs before this route-level one
  // (which skips what is already encoded).
  await app.register(compress, {
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: {
      params: { [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT, [zlibConstants.BROTLI_PARAM_QUALITY]: 4 },
    },
    zlibOptions: { level: 6 },
  })
  await app.register(render, { production: config.production, themeDir: config.themeDir })
  await app.register(sidebar)
  await app.register(staticFiles)
  // Uploaded images: the library (app.media) and /media/ files, before the admin that uploads them.
  await app.register(media)
  // The blog's look: design and custom stylesheets, logo, favicon (after the media library its images come from).
  await app.register(look)
  await app.register(errors)
  await app.register(httpCache)
  await app.register(pageCacheStore)
  await app.register(compression)

  // Mail links, commenters' edit capabilities and readers' report hashes are signed with keys derived from
  // the admin session key.
  const sessionKey = loadSessionKey(config)
  // E-mail (the outbox and its sender, confirm and unsubscribe pages): before the features that queue mails.
  await app.register(mail, { sessionKey })
  // Background work (deliveries, webmentions, mails by the post) and the announcements of posts made public,
  // changed or withdrawn that cause it: before the features that register handlers and channels.
  await app.register(jobs)
  await app.register(publications)
  // Readers who follow the blog by e-mail: the subscribe form, a new post's mails, the weekly digest.
  await app.register(newsletter)
  // Features. Admin first, so that its route list sees every /admin route the others add.
  await app.register(adminPlugin)
  await app.register(postsRoutes)
  // Static pages (/<slug>.html), the archives page and the header's menu.
  await app.register(pagesRoutes)
  await app.register(previewRoutes)
  await app.register(commentsRoutes)
  await app.register(ownComments, { sessionKey })
  await app.register(reports, { sessionKey })
  await app.register(seo)
  await app.register(feedsRoutes)
  await app.register(sitemapRoutes, { urlsPerFile: options.sitemapUrlsPerFile })
  await app.register(searchRoutes)
  // The blog in the fediverse: its actor, inbox, followers; posts as Articles (content negotiation).
  await app.register(fediverse, { inboxPerMinute: options.fediverseInboxPerMinute })
  // Replies from the fediverse become comments; an admin's answer goes back (src/fediverse/inbox.plugin.ts).
  await app.register(fediverseConversation)
  // Imported posts' old addresses (WordPress links) answer 301 where no real route does.
  await app.register(transfer)
  // Erases comments' old IP addresses at start-up and every hour (ipRetentionDays).
  await app.register(ipRetention)
  // Webmention (src/webmention/): the endpoint, its verification jobs, and the webmentions posts send.
  await app.register(webmention)

  return app
}
