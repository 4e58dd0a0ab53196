// Comments in Carnet are plain text (shown as text, addresses linked): an imported comment's HTML becomes the
// text a reader saw, line breaks kept. Export does the reverse (escapeHtml), so a round trip keeps the text.
import sanitizeHtml from 'sanitize-html'

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

/** The text of an HTML fragment: tags dropped (a link's address kept beside its words), breaks as newlines. */
export function htmlToText(html: string): string {
  const marked = html
    .replace(/\r\n?/g, '\n')
    .replace(/<br\s*\/?>\n?/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    // A link whose words are not its address keeps the address beside them: the text links it again.
    .replace(/<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>/gi, (whole, href: string, words: string) =>
      /^https?:\/\//i.test(href) && decodeEntities(words).trim() !== decodeEntities(href) ? `${words} (${href})` : words,
    )
  const stripped = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} })
  return decodeEntities(stripped).trim()
}

/** The plain text of an HTML excerpt, on one line. */
export function htmlToLine(html: string): string {
  return htmlToText(html).replace(/\s+/g, ' ').trim()
}
