// Post bodies are Markdown written by admins. They are rendered once, when saved, and the HTML is sanitized on
// the server so that even a compromised admin account cannot put script into readers' pages.
import { Marked } from 'marked'
import sanitizeHtml from 'sanitize-html'
import type { PostFormat } from '../db/schema.ts'
import { wpautop } from './wpautop.ts'

const marked = new Marked({ gfm: true, breaks: false, async: false })

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
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
    th: ['align'],
    td: ['align'],
    abbr: ['title'],
    ol: ['start'],
    code: ['class'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  // A Markdown "# Title" would compete with the page's own h1: demote it.
  transformTags: {
    h1: 'h2',
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, loading: 'lazy' } }),
  },
}

export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string
  return sanitizeHtml(html, SANITIZE)
}

/** An HTML body (imported from WordPress): its paragraph convention applied, then the same rules as Markdown's. */
export function renderHtmlBody(source: string): string {
  // sanitize-html writes void elements XHTML-style (`<br />`); the pages are HTML, whose checkers want `<br>`.
  // Text and attribute values come out escaped, so `/>` here can only end a tag.
  return sanitizeHtml(wpautop(source), SANITIZE).replace(/<(br|hr|img)\b([^>]*?)\s*\/>/g, '<$1$2>')
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
