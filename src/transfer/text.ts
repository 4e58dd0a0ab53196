// Comments in Carnet are plain text (shown as text, addresses linked): an imported comment's HTML becomes the
// text a reader saw, line breaks kept. Export does the reverse (escapeHtml), so a round trip keeps the text.
import sanitizeHtml from 'sanitize-html'
import { wpautop } from '../content/wpautop.ts'

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole
    }
    return NAMED[name.toLowerCase()] ?? whole
  })
}

// Blocks become paragraphs (a blank line), the lines inside them line breaks, table cells " | ": what a reader
// saw as apart stays apart ("United States" then "Anchor Tag", not "United StatesAnchor Tag").
const PARAGRAPHS = [
  ...['p', 'div', 'address', 'blockquote', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'form', 'fieldset'],
  ...['section', 'article', 'aside', 'header', 'footer', 'nav', 'main', 'figure', 'figcaption', 'details', 'center'],
]
const LISTS = ['ul', 'ol', 'dl', 'menu']
const LINES = ['br', 'li', 'dt', 'dd', 'tr', 'caption', 'legend', 'summary', 'hgroup']
const CELLS = ['td', 'th']

// A <br> is a line break that keeps the commenter's indentation after it; several breaks in a row count as the
// strongest of them.
type Break = 'cell' | 'br' | 'line' | 'paragraph'
const STRENGTH: Record<Break, number> = { cell: 1, br: 2, line: 3, paragraph: 4 }
const SEPARATOR: Record<Break, string> = { cell: ' | ', br: '\n', line: '\n', paragraph: '\n\n' }

/** The text of an HTML fragment: tags dropped (a link's address kept beside its words), blocks apart. */
export function htmlToText(html: string): string {
  // WordPress shows a comment through wpautop (a blank line is a paragraph, a newline a line break); Disqus's
  // HTML has its own <p> and <br>, which wpautop leaves as they are. `<br>` is spelled as wpautop expects, so
  // that "<br>\n" stays one break.
  const paragraphs = wpautop(html.replace(/<br\s*\/?>/gi, '<br />'))
  // Parsed once by sanitize-html (htmlparser2): what comes back is well-formed, attributes quoted and escaped,
  // text escaped, so the tags below can be read with a regular expression.
  const clean = sanitizeHtml(paragraphs, {
    allowedTags: ['a', ...PARAGRAPHS, ...LISTS, ...LINES, ...CELLS],
    allowedAttributes: { a: ['href'] },
  }).replace(/<a href="([^"]*)">([\s\S]*?)<\/a>/g, (_, href: string, inner: string) => {
    // A link whose words are not its address keeps the address beside them: the text links it again.
    const words = decodeEntities(inner.replace(/<[^>]*>/g, '')).trim()
    const address = decodeEntities(href)
    if (!/^https?:\/\//i.test(address) || words === address) return inner
    return words ? `${inner} (${href})` : href
  })

  let out = ''
  let pending: Break | null = null
  let pre = 0
  let lists = 0
  const mark = (b: Break) => {
    if (pending === null || STRENGTH[b] > STRENGTH[pending]) pending = b
  }
  const text = (raw: string) => {
    // After a line break inside a paragraph, a commenter's indentation is kept; after a block, not. Outside
    // <pre>, a newline wpautop left is next to a tag it already turned into a break: a space.
    let t = pending === 'br' ? raw.replace(/^\n+/, '') : raw
    t = decodeEntities(pre > 0 ? t : t.replace(/\n/g, ' '))
    if (pending !== null) {
      if (pending !== 'br') t = t.replace(/^[ \t\n]+/, '')
      if (t === '') return
      if (out !== '') out = out.replace(/[ \t\n]+$/, '') + SEPARATOR[pending]
      pending = null
    }
    out += t
  }
  let last = 0
  for (const m of clean.matchAll(/<(\/?)([a-z0-9]+)[^>]*>/gi)) {
    text(clean.slice(last, m.index))
    last = m.index + m[0].length
    const closing = m[1] === '/'
    const tag = m[2]!.toLowerCase()
    if (tag === 'br') mark('br')
    else if (tag === 'pre') {
      pre += closing ? -1 : 1
      mark('paragraph')
    } else if (LISTS.includes(tag)) {
      lists += closing ? -1 : 1
      // A list inside a list item is more lines of the same list.
      mark(lists > (closing ? 0 : 1) ? 'line' : 'paragraph')
    } else if (PARAGRAPHS.includes(tag)) mark('paragraph')
    else if (LINES.includes(tag)) mark('line')
    else if (CELLS.includes(tag) && closing) mark('cell')
  }
  text(clean.slice(last))
  return out.trim()
}

/** The plain text of an HTML excerpt, on one line. */
export function htmlToLine(html: string): string {
  return htmlToText(html).replace(/\s+/g, ' ').trim()
}
