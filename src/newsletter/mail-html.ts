// A post's HTML as a mail client can show it: every address absolute (the mail is read far from the blog),
// nothing a mail client refuses or a reader's client would run (scripts, iframes, forms, embeds, styles), images
// no wider than the mail's column (600 px, the width mail clients are designed for) and shrinking with it on a
// phone; figures and their captions kept. A text part is made from the same HTML for clients that show no HTML.
import sanitizeHtml from 'sanitize-html'
import { absoluteHtml, type UrlBase } from '../lib/absolute-urls.ts'

/** The width of a mail's column, which images never exceed. */
export const MAIL_IMAGE_WIDTH = 600

const IMAGE_STYLE = 'max-width:100%;height:auto'

const ALLOWED_TAGS = [
  ...['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'small'],
  ...['sub', 'sup', 'abbr', 'cite', 'q', 'time', 'span', 'div', 'figure', 'figcaption', 'img', 'picture'],
  ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'details', 'summary', 'bdi', 'bdo'],
]

/** The width an image is shown at: its own when smaller, else the column's (height follows, by the style). */
function imageWidth(value: string | undefined): string {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 && n < MAIL_IMAGE_WIDTH ? String(n) : String(MAIL_IMAGE_WIDTH)
}

export function mailSafeHtml(html: string, base: UrlBase): string {
  return sanitizeHtml(absoluteHtml(html, base), {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'width', 'style', 'title'],
      abbr: ['title'],
      time: ['datetime'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan', 'scope'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    // Their content is nothing a reader should see in a mail.
    nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'embed', 'template', 'form', 'svg', 'math'],
    transformTags: {
      // A <picture> keeps its <img> (the fallback every client knows); its <source>s are dropped as unknown tags.
      img: (tagName, attribs) => ({
        tagName,
        attribs: {
          ...(attribs.src ? { src: attribs.src } : {}),
          alt: attribs.alt ?? '',
          ...(attribs.title ? { title: attribs.title } : {}),
          width: imageWidth(attribs.width),
          style: IMAGE_STYLE,
        },
      }),
      figure: () => ({ tagName: 'figure', attribs: {} }),
      figcaption: () => ({ tagName: 'figcaption', attribs: {} }),
    },
    // sanitize-html drops style values it cannot check unless told which properties are fine.
    allowedStyles: { img: { 'max-width': [/^100%$/], height: [/^auto$/] } },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  })
}

/** The same HTML as plain text: paragraphs apart, list items as "- ", links as "text <address>", images by their alt. */
export function htmlToText(html: string): string {
  // sanitize-html writes no text for a tag: a small pass over HTML we made and sanitised ourselves does it.
  let s = html
    .replace(/<(script|style|iframe|noscript|template|form|svg|math|object)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<img\b[^>]*?\balt="([^"]*)"[^>]*>/gi, (_m, alt: string) => (alt ? `[${alt}]` : ''))
    .replace(/<a\b[^>]*?\bhref="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, inner: string) => {
      const label = inner.replace(/<[^>]+>/g, '').trim()
      const url = decodeEntities(href)
      // Brackets kept apart from the markup until the tags are gone.
      return label && decodeEntities(label) !== url ? `${label} \u0001${href}\u0002` : href
    })
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|blockquote|pre|figure|figcaption|ul|ol|table|tr|dl|dd|dt|details|summary)>/gi, '\n\n')
    .replace(/<(h[1-6])\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
  s = decodeEntities(s)
    .replace(/\u0001/g, '<')
    .replace(/\u0002/g, '>')
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m
    }
    return NAMED[e.toLowerCase()] ?? m
  })
}
