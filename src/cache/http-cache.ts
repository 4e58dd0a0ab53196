// Conditional requests for public pages and feeds: every cacheable answer carries a weak ETag (a hash of the
// body) and a Last-Modified, and a matching If-None-Match / If-Modified-Since gets 304 with no body.
// `Cache-Control: no-cache`: browsers and feed readers keep a copy but ask every time, so nobody ever sees a
// stale page, and an unchanged page costs a 304 instead of the whole body.
//
// Why validators are always right:
// - ETag is computed from the body actually sent, so it changes exactly when what the page shows changes,
//   whatever caused it (a comment, a moderation, an edit, a closed thread, a settings change, a new release,
//   another process writing to the same database file).
// - Last-Modified is the newest of: the time of the last write to any content table (`site_state.changed_at`,
//   kept by SQLite triggers, so writes by other processes count), the last publication time that has come (a
//   scheduled post appears without any write), the last automatic thread closing that has happened, and the
//   start of this process (templates may have changed). It is read BEFORE the page is built, so the page is
//   never older than the date it is sent with. HTTP dates have one-second precision: while the newest change is
//   less than a second old, another change could still happen within the same second, so no Last-Modified is
//   sent at all then (the ETag still works).
//
// Applied only to public requests (isPublicRequest: GET/HEAD, no cookie or address a feature declared private,
// such as the admin's) answered 200 with a text body (isTextAnswer) and no cookie set (they are personal). A page cache can set the ETag itself (with etagOf) before sending: it is reused.
import type { IncomingHttpHeaders } from 'node:http'
import { crc32 } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { compiled } from '../db/compiled.ts'
import { isPublicRequest, isTextAnswer } from './policy.ts'
import { utf8 } from '../lib/utf8.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Last-Modified for this request's answer (read before the handler ran), or null when none may be sent. */
    contentLastModified: Date | null
  }
}

/**
 * A weak ETag for a response body: its length and CRC-32. An ETag only has to tell one version of a page from
 * the next, not resist forgery (@fastify/etag uses a 32-bit FNV-1a); zlib's CRC-32 runs at memory speed, a
 * cryptographic hash (SHA-1) measured far slower on every uncached page.
 */
export function etagOf(body: string | Buffer): string {
  const bytes = typeof body === 'string' ? utf8(body) : body
  return `W/"${bytes.length.toString(36)}-${crc32(bytes).toString(36)}"`
}

function takesValidators(request: FastifyRequest, reply: FastifyReply, payload: unknown): payload is string | Buffer {
  return (
    reply.statusCode === 200 &&
    isPublicRequest(request) &&
    !reply.hasHeader('set-cookie') &&
    (typeof payload === 'string' || Buffer.isBuffer(payload)) &&
    isTextAnswer(reply)
  )
}

/** Static files have their own validators (@fastify/static). */
function wantsState(request: FastifyRequest): boolean {
  return isPublicRequest(request) && !request.url.startsWith('/static/') && request.url !== '/favicon.ico'
}

/** Whether the client's copy is current: the one decision, shared with the page cache's hits. */
export function isNotModified(request: { headers: IncomingHttpHeaders }, etag: string, lastModified: Date | null): boolean {
  const ifNoneMatch = request.headers['if-none-match']
  // When both are sent, If-None-Match decides (RFC 9110, 13.2.2).
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, etag)
  const ifModifiedSince = request.headers['if-modified-since']
  if (ifModifiedSince === undefined || !lastModified) return false
  const since = Date.parse(ifModifiedSince)
  return Number.isFinite(since) && lastModified.getTime() <= since
}

/** If-None-Match: weak comparison, a list, or `*`. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}

const lastWriteQuery = compiled((db) => db.selectFrom('site_state').select('changed_at').where('id', '=', 1))

async function httpCachePlugin(app: FastifyInstance) {
  // Rounded up: a response sent in the same second as the start must not look older than the new templates.
  const startedAt = Math.ceil(Date.now() / 1000) * 1000

  /** The newest instant at which what public pages show changed, as seen from `now`. */
  async function lastChange(now: Date): Promise<number> {
    const [row, timed] = await Promise.all([lastWriteQuery.first(app.db, {}), app.freshness.lastTimedChange(now)])
    const times = [startedAt]
    if (row) times.push(Date.parse(row.changed_at))
    if (timed !== null) times.push(timed)
    return Math.max(...times.filter((t) => Number.isFinite(t)))
  }

  app.decorateRequest('contentLastModified', null)

  app.addHook('onRequest', async (request) => {
    if (!wantsState(request)) return
    // Every term of lastChange moves only with a write or at a moment the freshness generation knows (a
    // publication, an automatic closing: src/cache/freshness.ts), so it is computed once per generation.
    const last = await app.freshness.memo({ name: 'http-cache last change' }, () => lastChange(new Date()), request)
    const now = new Date()
    const changed = Math.floor(last / 1000) * 1000
    // Only once the whole second of the last change is over can that second stand for it (see above).
    request.contentLastModified = changed + 1000 <= now.getTime() ? new Date(changed) : null
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (!takesValidators(request, reply, payload)) return payload
    // Hashed as bytes, and sent as those same bytes: the text is encoded once, not once here and once more
    // when written to the socket.
    const body = typeof payload === 'string' ? utf8(payload) : payload
    const etag = String(reply.getHeader('etag') ?? etagOf(body))
    const lastModified = request.contentLastModified
    reply.header('etag', etag)
    reply.header('cache-control', 'no-cache')
    if (lastModified) reply.header('last-modified', lastModified.toUTCString())

    if (!isNotModified(request, etag, lastModified)) return body
    reply.code(304)
    reply.removeHeader('content-length')
    reply.removeHeader('content-type')
    return ''
  })
}

export default fp(httpCachePlugin, { name: 'http-cache', dependencies: ['database', 'freshness', 'request-privacy', 'security', 'static'] })
