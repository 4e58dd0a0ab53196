// What the caches may keep, decided in one place. Safe by default: a page is kept by the page cache only when
// its route says so (`config: CACHEABLE`), and no cache ever keeps or validates an answer to a request that a
// feature declared private (a cookie of its own, an address under its own prefix). The cache knows no feature:
// features declare what makes a request theirs (app.requestPrivacy).
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export interface PageCachePolicy {
  /**
   * What names the page among the route's answers (the route is part of the key); the address (path and query)
   * by default. A route whose page depends on anything else of the request must give it here, or not be
   * cacheable.
   */
  key?: (request: FastifyRequest) => string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set (through CACHEABLE or cacheable()) on the routes whose GET answers the page cache may keep. */
    pageCache?: PageCachePolicy
  }
  interface FastifyInstance {
    requestPrivacy: RequestPrivacy
  }
}

/** Route options' `config` for a page that is the same for every visitor without a private cookie. */
export const CACHEABLE: FastifyContextConfig = Object.freeze({ pageCache: Object.freeze({}) })

/** The same, for a page named by something else than its address. */
export function cacheable(key: (request: FastifyRequest) => string): FastifyContextConfig {
  return { pageCache: { key } }
}

/** The page cache's policy for this request's route, if it has one. */
export function pageCachePolicy(request: FastifyRequest): PageCachePolicy | undefined {
  return request.routeOptions.config.pageCache
}

/**
 * What the privacy rules read of a request: a Fastify request, or Node's own before Fastify has seen it (the page
 * cache's front, src/cache/page-cache.ts).
 */
export interface RequestLine {
  readonly method?: string
  readonly url?: string
  readonly headers: IncomingHttpHeaders
}

/** What features declare private; the root instance's, inherited by every scope. */
export class RequestPrivacy {
  readonly #cookies = new Set<string>()
  /** Each prefix with its two continuations, made once: the page cache's front asks at every request. */
  readonly #prefixes: { path: string; dir: string; query: string }[] = []
  readonly #otherRepresentations: Array<(request: RequestLine) => boolean> = []

  /** A request that carries this cookie gets a page of its own (a pre-filled form, admin links). */
  declarePrivateCookie(name: string): void {
    this.#cookies.add(name)
  }

  /** Every address under this prefix (the prefix itself, `prefix/…`, `prefix?…`) is personal. */
  declarePrivatePrefix(prefix: string): void {
    const path = prefix.replace(/\/+$/, '')
    if (!this.#prefixes.some((p) => p.path === path)) this.#prefixes.push({ path, dir: `${path}/`, query: `${path}?` })
  }

  /**
   * A request for another representation of a page (ActivityPub JSON of the home page or a post, asked by
   * Accept): answered by its feature, never from the caches, which keep the HTML.
   */
  declareOtherRepresentation(test: (request: RequestLine) => boolean): void {
    this.#otherRepresentations.push(test)
  }

  isPublic(request: RequestLine): boolean {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false
    for (const test of this.#otherRepresentations) if (test(request)) return false
    const url = request.url ?? ''
    for (const prefix of this.#prefixes) {
      if (url === prefix.path || url.startsWith(prefix.dir) || url.startsWith(prefix.query)) return false
    }
    const cookie = request.headers.cookie
    if (!cookie || this.#cookies.size === 0) return true
    // Parsed here rather than by @fastify/cookie: the page cache answers before any other hook has run.
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && this.#cookies.has(part.slice(0, eq).trim())) return false
    }
    return true
  }
}

/**
 * Whether the answer to this request may be the same for everyone: a GET or HEAD, at no private address, with
 * no private cookie. Both caches (page cache and HTTP validators) ask this one question.
 */
export function isPublicRequest(request: FastifyRequest): boolean {
  return request.server.requestPrivacy.isPublic(request)
}

const TEXT_TYPE = /^(?:text\/(?:html|plain|xml)|application\/(?:rss\+xml|atom\+xml|xml))\b/

/**
 * Whether an answer is a page the caches deal with: text (HTML, feeds, sitemap, robots.txt). Anything else
 * (JSON, images, scripts) is left alone.
 */
export function isTextAnswer(reply: FastifyReply): boolean {
  return TEXT_TYPE.test(String(reply.getHeader('content-type') ?? ''))
}

async function requestPrivacyPlugin(app: FastifyInstance) {
  app.decorate('requestPrivacy', new RequestPrivacy())
}

export default fp(requestPrivacyPlugin, { name: 'request-privacy' })
