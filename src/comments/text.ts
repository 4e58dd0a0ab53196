// A comment is plain text. It is escaped; blank lines make paragraphs, single newlines make line breaks, and
// URLs become links that search engines do not follow. No HTML a commenter writes ever becomes markup.
import { escapeHtml } from '../lib/html.ts'
import { flatText } from '../lib/flat-text.ts'

export const UGC_REL = 'nofollow ugc noopener'

// http(s) URLs up to whitespace or a character that cannot end a URL in prose.
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi
const TRAILING = /[.,;:!?)\]}»]+$/

function linkify(line: string): string {
  let out = ''
  let last = 0
  for (const match of line.matchAll(URL_RE)) {
    let url = match[0]
    const trail = TRAILING.exec(url)?.[0] ?? ''
    // Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
    if (trail) url = url.slice(0, url.length - trail.length)
    out += escapeHtml(line.slice(last, match.index)) + linkHtml(url)
    last = match.index + url.length
  }
  return out + escapeHtml(line.slice(last))
}

function linkHtml(url: string): string {
  let href: string
  try {
    href = new URL(url).href
  } catch {
    return escapeHtml(url)
  }
  return `<a href="${escapeHtml(href)}" rel="${UGC_REL}">${escapeHtml(url)}</a>`
}

// The same comments are shown on every request for their page (up to 100 a page): their HTML, a pure function
// of their text, is kept, keyed by the text itself, up to a few megabytes (then forgotten all at once).
const renderedBodies = new Map<string, string>()
let renderedChars = 0
const RENDERED_MAX_CHARS = 4_000_000

export function renderCommentBody(text: string): string {
  let html = renderedBodies.get(text)
  if (html === undefined) {
    html = flatText(renderParagraphs(text))
    if (renderedChars > RENDERED_MAX_CHARS) {
      renderedBodies.clear()
      renderedChars = 0
    }
    renderedBodies.set(text, html)
    renderedChars += text.length + html.length
  }
  return html
}

function renderParagraphs(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n[ \t\u00a0]*\n+/)
    .map((para) => `<p>${para.split('\n').map(linkify).join('<br>\n')}</p>`)
    .join('\n')
}

/** A commenter's website, only when it is an http(s) URL. */
export function safeWebsite(url: string | null): string | null {
  if (!url) return null
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null
  } catch {
    return null
  }
}
