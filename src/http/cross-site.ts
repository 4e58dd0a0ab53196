// Forms readers send (comments, edits, reports) carry no per-visitor token, so that the pages holding them stay
// cacheable: a post from another site is recognised by its Origin / Sec-Fetch-Site headers instead.
import type { FastifyRequest } from 'fastify'

/** A browser form post from another site (or a sibling subdomain). Requests without either header pass. */
export function isCrossSite(request: FastifyRequest, siteOrigin: string): boolean {
  const fetchSite = request.headers['sec-fetch-site']
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true
  const origin = request.headers.origin
  if (origin === undefined) return false
  if (origin === siteOrigin) return false
  try {
    // Behind a proxy, or on a second name, the page came from the host the request was sent to.
    return new URL(origin).host !== request.host
  } catch {
    return true // "null" and other opaque origins
  }
}
