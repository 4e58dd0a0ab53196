// Addresses that leave the blog (feeds, metadata) must stand on their own: a feed reader shows a post far from
// the page it came from, so `/static/a.png`, `//cdn/x`, `../x` or `#note` must be written out in full. Relative
// addresses are resolved as a browser on the post's own page would, except that a path from the root
// (`/archive/…`) is taken from SITE_URL (which may carry a path of its own). Only http(s) survive, and mailto: for
// links; anything else (javascript:, data:, an address that does not parse) is dropped with its attribute.
// The HTML is read and written by sanitize-html (htmlparser2 underneath), the same library that made it.
import sanitizeHtml from 'sanitize-html'

/** Attributes that hold one address (HTML and its legacy attributes). */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'poster',
  'action',
  'formaction',
  'data',
  'longdesc',
  'usemap',
  'background',
  'xlink:href',
  'itemid',
  'lowsrc',
  'dynsrc',
  'manifest',
  'codebase',
  'profile',
])
/** Attributes that hold several addresses separated by spaces. */
const URL_LIST_ATTRIBUTES = new Set(['ping', 'archive'])
/** Attributes that hold image candidates: `a.png 1x, /b.png 2x`. */
const SRCSET_ATTRIBUTES = new Set(['srcset', 'imagesrcset'])

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:'])
const MEDIA_SCHEMES = new Set(['http:', 'https:'])
/** Only a link may take the reader to an e-mail address; everything else is fetched. */
const LINK_ATTRIBUTES = new Set(['href', 'cite', 'longdesc', 'itemid', 'xlink:href'])

export interface UrlBase {
  /** SITE_URL, without a trailing slash (as config.ts keeps it). */
  site: string
  /** Absolute address of the page the HTML belongs to (a post's permalink): `./x`, `x`, `#y` are read from it. */
  page: string
}

/**
 * The absolute form of one address, or null when it is not an http(s) one (or mailto: with `links`).
 * `/x` → SITE_URL + `/x`; `//host/x` → SITE_URL's scheme; anything else relative to the page.
 */
export function absoluteUrl(value: string, base: UrlBase, opts: { links?: boolean } = {}): string | null {
  const v = value.trim()
  if (v === '') return null
  let url: URL
  try {
    url = v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? new URL(base.site + v) : new URL(v, base.page)
  } catch {
    return null
  }
  return (opts.links ? LINK_SCHEMES : MEDIA_SCHEMES).has(url.protocol) ? url.href : null
}

/** A `srcset` with every candidate's address absolute; candidates that are not http(s) are left out. */
function absoluteSrcset(value: string, base: UrlBase): string | null {
  const out: string[] = []
  // The HTML standard's parse of a srcset: an address runs to whitespace (a trailing comma ends the candidate);
  // descriptors run to the next comma outside parentheses.
  let i = 0
  const n = value.length
  const space = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'
  while (i < n) {
    while (i < n && (space(value[i]) || value[i] === ',')) i++
    if (i >= n) break
    let j = i
    while (j < n && !space(value[j])) j++
    let address = value.slice(i, j)
    let descriptors = ''
    if (address.endsWith(',')) {
      address = address.replace(/,+$/, '')
      i = j
    } else {
      let k = j
      let depth = 0
      while (k < n && (value[k] !== ',' || depth > 0)) {
        if (value[k] === '(') depth++
        else if (value[k] === ')') depth = Math.max(0, depth - 1)
        k++
      }
      descriptors = value.slice(j, k).trim()
      i = k + 1
    }
    const abs = absoluteUrl(address, base)
    if (abs) out.push(descriptors ? `${abs} ${descriptors}` : abs)
  }
  return out.length ? out.join(', ') : null
}

function absoluteAttributes(attribs: sanitizeHtml.Attributes, base: UrlBase): sanitizeHtml.Attributes {
  const out: sanitizeHtml.Attributes = {}
  for (const [name, value] of Object.entries(attribs)) {
    const key = name.toLowerCase()
    let next: string | null = value
    if (URL_ATTRIBUTES.has(key)) next = absoluteUrl(value, base, { links: LINK_ATTRIBUTES.has(key) })
    else if (SRCSET_ATTRIBUTES.has(key)) next = absoluteSrcset(value, base)
    else if (URL_LIST_ATTRIBUTES.has(key)) {
      next =
        value
          .split(/\s+/)
          .map((v) => absoluteUrl(v, base))
          .filter(Boolean)
          .join(' ') || null
    }
    if (next !== null) out[name] = next
  }
  return out
}

/**
 * The same HTML with every address in it absolute (see the top of this file). Tags and text are kept as they
 * are: the HTML was sanitized when it was made (a post when saved, a comment when rendered).
 */
export function absoluteHtml(html: string, base: UrlBase): string {
  return sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    // Every tag is kept as it is (allowedTags: false, which the library would warn about): this pass filters
    // addresses, not tags. What it reads was made by a sanitizer (posts) or by us (comments).
    allowVulnerableTags: true,
    // A second guard behind the rewrite: the library drops what is still not http(s) or mailto:.
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    selfClosing: [...sanitizeHtml.defaults.selfClosing, 'source', 'track', 'wbr', 'embed', 'col', 'param'],
    transformTags: { '*': (tagName, attribs) => ({ tagName, attribs: absoluteAttributes(attribs, base) }) },
  })
}
