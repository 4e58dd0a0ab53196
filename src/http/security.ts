// Security headers for every response. The policy allows no inline script and no script from elsewhere, so a
// comment or a post that slipped markup through could still not run code; pages may not be framed.
//
// The header values are Helmet's, computed ONCE at start-up by running Helmet's middleware against a recorder,
// and set on every reply in one step. @fastify/helmet builds a new Helmet middleware (parsing the whole policy)
// on every request; the headers are the same each time, since the options are.
import { createRequire } from 'node:module'
import type { HelmetOptions } from 'helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

type HelmetMiddleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void
// Helmet is @fastify/helmet's own dependency: loaded from there, so the values are the ones it would send.
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as (
  options: HelmetOptions,
) => HelmetMiddleware

export function helmetOptions(https: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Posts may show images from other sites; comments cannot (they are plain text).
        imgSrc: ["'self'", 'https:', 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Same-origin referrers in full, only the origin to other sites.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    frameguard: { action: 'deny' },
    // HSTS only means something over https; on a plain-http development blog it would be ignored anyway.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  }
}

/** The headers Helmet sets with these options (names in lower case). */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  helmet(options)({ method: 'GET', headers: {} }, recorder, (err) => {
    if (err) throw err
  })
  return Object.freeze(headers)
}

async function securityPlugin(app: FastifyInstance) {
  const headers = securityHeaders(helmetOptions(app.config.siteUrl.startsWith('https:')))
  app.decorate('securityHeaders', headers)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The security headers every response carries. */
    securityHeaders: Readonly<Record<string, string>>
  }
}

// After the page cache: its lookup is the first onRequest hook, and a stored page already carries these headers.
export default fp(securityPlugin, { name: 'security', dependencies: ['page-cache'] })
