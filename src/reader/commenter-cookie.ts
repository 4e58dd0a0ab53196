// The remember-me cookie: name, e-mail and website, so the form is filled in next time. It only pre-fills the
// visitor's own form, so it is neither signed nor trusted: it is read defensively and always escaped.
// Page caches must not serve a cached page to a request carrying it (the page shows its values).
import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { rememberedCommenter, type FormValues } from '../comments/comments.schemas.ts'

export const COMMENTER_COOKIE = 'carnet_commenter'

const ONE_YEAR_S = 365 * 24 * 60 * 60
// Browsers drop cookies over 4 KB; a very long website address is then left out rather than losing everything.
const MAX_COOKIE_VALUE = 3800

export function cookieOptions(siteUrl: string): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: siteUrl.startsWith('https:'), maxAge: ONE_YEAR_S }
}

/** The values a visitor asked us to remember, or null. */
export function readRemembered(request: FastifyRequest): FormValues | null {
  const raw = request.cookies[COMMENTER_COOKIE]
  if (!raw) return null
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return null
  }
  const parsed = rememberedCommenter.safeParse(json)
  if (!parsed.success) return null
  return { ...parsed.data, body: '', remember: true, notify: false, notifyAll: false }
}

export function remember(reply: FastifyReply, siteUrl: string, who: { author: string; email: string | null; url: string | null }) {
  let value = JSON.stringify({ author: who.author, email: who.email ?? '', url: who.url ?? '' })
  if (encodeURIComponent(value).length > MAX_COOKIE_VALUE) value = JSON.stringify({ author: who.author, email: who.email ?? '', url: '' })
  reply.setCookie(COMMENTER_COOKIE, value, cookieOptions(siteUrl))
}

export function forget(reply: FastifyReply, siteUrl: string) {
  const { maxAge: _, ...opts } = cookieOptions(siteUrl)
  reply.clearCookie(COMMENTER_COOKIE, opts)
}
