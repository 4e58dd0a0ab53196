// The right to edit or delete one's own comment, with no account: when a comment is stored, its browser gets a
// capability for it, an HMAC over the comment's id and creation time with a key derived from the session key.
// The browser keeps its recent capabilities in one cookie (a bounded list); the server checks the signature
// against the stored comment, and the time against the edit window, on every use. A capability names one comment
// only: another comment's, or one made up, never verifies.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'

export const OWN_COMMENTS_COOKIE = 'carnet_own_comments'
/** The newest capabilities a browser keeps (about 40 bytes each). */
export const MAX_CAPABILITIES = 20
const SIGNATURE_CHARS = 22 // 128 bits, base64url

/** The signing key: derived from the session key, so that it is never the key of anything else. */
export function capabilityKey(sessionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionKey, Buffer.alloc(0), 'carnet own-comment capability v1', 32))
}

export function sign(key: Buffer, id: number, createdAt: string): string {
  return createHmac('sha256', key).update(`${id}\n${createdAt}`).digest('base64url').slice(0, SIGNATURE_CHARS)
}

/** One capability of the cookie: the comment, when it was made (seconds, to drop stale ones), the signature. */
export interface Capability {
  id: number
  madeAt: number
  signature: string
}

const ENTRY = /^(\d{1,15})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/

/** The capabilities a request carries, newest first; anything malformed is ignored. */
export function readCapabilities(request: FastifyRequest): Capability[] {
  const raw = request.cookies[OWN_COMMENTS_COOKIE]
  if (!raw || raw.length > 4000) return []
  const out: Capability[] = []
  for (const part of raw.split('~')) {
    const m = ENTRY.exec(part)
    if (m) out.push({ id: Number(m[1]), madeAt: parseInt(m[2]!, 36), signature: m[3]! })
    if (out.length >= MAX_CAPABILITIES) break
  }
  return out
}

/** Whether this request holds a valid capability for the comment with this id and creation time. */
export function holds(key: Buffer, capabilities: readonly Capability[], id: number, createdAt: string): boolean {
  const expected = Buffer.from(sign(key, id, createdAt))
  return capabilities.some((c) => c.id === id && timingSafeEqual(Buffer.from(c.signature), expected))
}

/** Milliseconds left to change a comment made at `createdAt`, at `now` (0 or less: too late). */
export function timeLeft(createdAt: string, windowMinutes: number, now: Date): number {
  if (windowMinutes <= 0) return 0
  return Date.parse(createdAt) + windowMinutes * 60_000 - now.getTime()
}

function cookieOptions(siteUrl: string, maxAgeSeconds: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: siteUrl.startsWith('https:'), maxAge: maxAgeSeconds }
}

/**
 * Writes the cookie: `add` first, then the request's capabilities still within the window, at most
 * MAX_CAPABILITIES; it expires when the newest one does. Nothing left: the cookie is cleared.
 */
export function writeCapabilities(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { siteUrl: string; windowMinutes: number; now: Date; add?: Capability; remove?: number },
): void {
  const nowS = Math.floor(opts.now.getTime() / 1000)
  const windowS = opts.windowMinutes * 60
  const kept = [...(opts.add ? [opts.add] : []), ...readCapabilities(request)]
    .filter((c, i, all) => c.id !== opts.remove && all.findIndex((o) => o.id === c.id) === i && c.madeAt + windowS > nowS)
    .slice(0, MAX_CAPABILITIES)
  if (kept.length === 0 || windowS <= 0) {
    if (request.cookies[OWN_COMMENTS_COOKIE] !== undefined) {
      const { maxAge: _, ...clear } = cookieOptions(opts.siteUrl, 0)
      reply.clearCookie(OWN_COMMENTS_COOKIE, clear)
    }
    return
  }
  const newest = Math.max(...kept.map((c) => c.madeAt))
  const value = kept.map((c) => `${c.id}.${c.madeAt.toString(36)}.${c.signature}`).join('~')
  reply.setCookie(OWN_COMMENTS_COOKIE, value, cookieOptions(opts.siteUrl, Math.max(1, newest + windowS - nowS)))
}
