// Builds the app: shared services first, then the features' routes, then the error pages. Listening is the
// server's business (server.ts), so tests build the app and talk to it through inject().
import compress from '@fastify/compress'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.ts'
import database from './db/plugin.ts'
import postsRoutes from './posts/posts.routes.ts'
import errors from './web/errors.ts'
import render from './web/render.ts'
import freshness from './web/freshness.ts'
import pageCache from './web/page-cache.ts'
import staticFiles from './web/static.ts'

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
}

export async function buildApp(config: Readonly<Config>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Comment forms are small; anything bigger is refused before it is read.
    bodyLimit: 64 * 1024,
    trustProxy: process.env.TRUST_PROXY === '1' || process.env.TRUST_PROXY === 'true',
  })
  app.decorate('config', config)

  await app.register(database)
  // ---- perf ---- (before anything that adds request hooks: a cached page is answered first)
  await app.register(freshness)
  await app.register(pageCache)
  await app.register(formbody)
  await app.register(cookie)
  // Limits are set per route (comment posting, sign-in), not globally: readers are never throttled.
  await app.register(rateLimit, { global: false })
  // ---- perf ---- br/gzip for text over 1 KB; registered before the routes, which it hooks as they are added.
  await app.register(compress, { threshold: 1024, encodings: ['br', 'gzip'] })
  await app.register(render, { production: config.production })
  await app.register(staticFiles)
  await app.register(errors)

  await app.register(postsRoutes)

  return app
}
