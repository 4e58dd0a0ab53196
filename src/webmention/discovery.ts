// Sending's two readings (W3C Webmention §3.1): which pages a post links to, and where a page takes its
// webmentions (its endpoint). Pure: src/webmention/send.ts fetches and posts.
import sanitizeHtml from 'sanitize-html'
import { comparableUrl } from './source.ts'

/**
 * The pages a post's HTML links to (<a href>, absolute or resolved against the post's address), other than the
 * blog's own, without fragments, each once, in the order they come.
 */
export function outboundLinks(html: string, postUrl: string, siteUrl: string): string[] {
  const own = new URL(siteUrl).host.toLowerCase()
  const out = new Set<string>()
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      a: (tagName, attribs) => {
        const url = attribs.href ? comparableUrl(attribs.href, postUrl) : null
        if (url && new URL(url).host.toLowerCase() !== own) out.add(url)
        return { tagName, attribs }
      },
    },
  })
  return [...out]
}

/** The links of a Link header (RFC 8288): each address with its rel values, lower-cased. */
export function parseLinkHeader(header: string): Array<{ url: string; rels: string[] }> {
  const out: Array<{ url: string; rels: string[] }> = []
  // <url>; param=value; param="quoted, with commas", <url2>; …
  const re = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))?)*)/g
  for (const m of header.matchAll(re)) {
    const params = m[2] ?? ''
    let rels: string[] = []
    for (const p of params.matchAll(/;\s*([^;,=\s]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,]*)))?/g)) {
      if (p[1]!.toLowerCase() !== 'rel') continue
      rels = (p[2] ?? p[3] ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean)
      break
    }
    out.push({ url: m[1]!.trim(), rels })
  }
  return out
}

/**
 * A target's endpoint, per §3.1.2: the first Link header with rel webmention, else the first <link> or <a>
 * element with rel webmention in document order (an empty href is the page itself); resolved against the page's
 * address (the last after redirects), its query string kept. Null: the page takes no webmentions.
 */
export function discoverEndpoint(page: { url: string; linkHeaders: string[]; html: string | null }): string | null {
  for (const header of page.linkHeaders) {
    for (const link of parseLinkHeader(header)) {
      if (link.rels.includes('webmention')) return comparableUrl(link.url, page.url)
    }
  }
  if (page.html === null) return null
  let found: string | null = null
  sanitizeHtml(page.html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      '*': (tagName, attribs) => {
        const name = tagName.toLowerCase()
        if (found === null && (name === 'link' || name === 'a') && attribs.href !== undefined) {
          const rels = (attribs.rel ?? '').toLowerCase().split(/\s+/)
          if (rels.includes('webmention')) found = comparableUrl(attribs.href, page.url) ?? ''
        }
        return { tagName, attribs }
      },
    },
  })
  return found || null
}
