// Post bodies are Markdown written by admins. They are rendered once, when saved, and the HTML is sanitized on
// the server so that even a compromised admin account cannot put script into readers' pages.
import { Marked, type Tokens } from 'marked'
import sanitizeHtml from 'sanitize-html'
import type { PostFormat } from '../db/schema.ts'
import { wpautop } from './wpautop.ts'
import { escapeHtml } from '../lib/html.ts'
import { formatsOf, MIME_TYPES, parseMediaUrl, srcsetOf } from '../media/names.ts'

/**
 * How wide an image shows in a post: the text column (42rem, see static/css/carnet.css) or the screen less the
 * page's padding. Browsers pick from `srcset` with it before the stylesheet has loaded.
 */
export const IMAGE_SIZES = '(max-width: 44.5rem) calc(100vw - 2.5rem), 42rem'

/** Images seen in the current parse: the first one is loaded at once (it is likely on the first screen). */
let imagesSeen = 0

const marked = new Marked({ gfm: true, breaks: false, async: false })
marked.use({
  renderer: {
    // An image from the media library becomes a <picture>: AVIF and WebP sources at every width made, the
    // original format as the fallback <img>, with its width and height so that nothing moves as it loads.
    image(
      this: { parser: { parseInline(tokens: Tokens.Generic[], renderer: unknown): string; textRenderer: unknown } },
      token: Tokens.Image,
    ) {
      // The alt text as plain text (`*word*` is "word"), escaped once: the text renderer returns it unescaped.
      const alt = escapeHtml(token.tokens ? this.parser.parseInline(token.tokens, this.parser.textRenderer) : token.text)
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : ''
      const loading = imagesSeen++ === 0 ? ' loading="eager"' : ' loading="lazy" decoding="async"'
      const ref = parseMediaUrl(token.href)
      if (!ref || !token.href.startsWith('/media/')) {
        let href: string
        try {
          href = encodeURI(token.href).replace(/%25/g, '%')
        } catch {
          return alt
        }
        return `<img src="${escapeHtml(href)}" alt="${alt}"${title}${loading}>`
      }
      const sources = formatsOf(ref)
        .filter((ext) => ext !== ref.ext)
        .map((ext) => `<source type="${MIME_TYPES[ext]}" srcset="${srcsetOf(ref, ext)}" sizes="${IMAGE_SIZES}">`)
      const img = `<img src="${token.href}" srcset="${srcsetOf(ref, ref.ext)}" sizes="${IMAGE_SIZES}" alt="${alt}"${title} width="${ref.width}" height="${ref.height}"${loading}>`
      return `<picture>${sources.join('')}${img}</picture>`
    },
  },
})

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    'del',
    's',
    'sup',
    'sub',
    'a',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'img',
    'figure',
    'figcaption',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'abbr',
    'cite',
    'q',
    'kbd',
    'mark',
    'small',
    'span',
    'picture',
    'source',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height', 'loading', 'decoding'],
    source: ['type', 'srcset', 'sizes', 'width', 'height'],
    th: ['align'],
    td: ['align'],
    abbr: ['title'],
    ol: ['start'],
    code: ['class'],
  },
  // A link may say what the post does to the page it names (microformats2): answers it, likes, reposts or
  // bookmarks it. Carnet's own pages carry them, and the webmention sent to that page tells it (src/webmention/).
  allowedClasses: { code: [/^language-[\w-]+$/], a: ['u-in-reply-to', 'u-like-of', 'u-repost-of', 'u-bookmark-of'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  selfClosing: [...sanitizeHtml.defaults.selfClosing, 'source'],
  // A Markdown "# Title" would compete with the page's own h1: demote it.
  transformTags: {
    h1: 'h2',
    // Every image but the first of a post (which the renderer marks eager) waits until it is near the screen.
    img: (tagName, attribs) => ({
      tagName,
      attribs: attribs.loading === 'eager' ? { ...attribs, loading: 'eager' } : { ...attribs, loading: 'lazy', decoding: 'async' },
    }),
  },
}

/**
 * Sanitized with our rules, void elements written as HTML: sanitize-html writes them XML-style (`<img … />`),
 * which HTML checkers refuse. Text and attribute values come out with `>` escaped, so ` />` can only end a tag.
 */
function sanitize(html: string): string {
  return sanitizeHtml(html, SANITIZE).replace(/ \/>/g, '>')
}

export function renderMarkdown(source: string): string {
  imagesSeen = 0
  return sanitize(marked.parse(source) as string)
}

/** An HTML body (imported from WordPress): its paragraph convention applied, then the same rules as Markdown's. */
export function renderHtmlBody(source: string): string {
  return sanitize(wpautop(source))
}

/** The stored HTML of a body in either format. */
export function renderBody(format: PostFormat, source: string): string {
  return format === 'html' ? renderHtmlBody(source) : renderMarkdown(source)
}

/** Plain text of the first paragraphs, cut at a word boundary: used on lists and in page descriptions. */
export function excerptOf(html: string, maxLength = 300): string {
  const firstParagraphs = [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => m[1]!)
  const text = sanitizeHtml(firstParagraphs.slice(0, 2).join(' '), { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
  if (text.length <= maxLength) return text
  const cut = text.slice(0, maxLength)
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), maxLength / 2)).trim()}…`
}
