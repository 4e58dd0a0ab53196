// A fediverse reply's HTML becomes a comment's plain text with the rules imported comments follow
// (src/transfer/text.ts: tags dropped, a link's address kept beside its words, blocks and line breaks apart). Two
// things are the fediverse's own: a mention or a hashtag is a link whose words are the point ("@alice",
// "#film"), so it stays words without its address; and a reply starts with a mention of whom it answers, which
// under the blog's post says nothing: the blog's own mentions at the start are dropped.
import sanitizeHtml from 'sanitize-html'
import { htmlToText } from '../transfer/text.ts'

/** A mention or a hashtag link, as Mastodon, Misskey, Pixelfed and Pleroma mark them. */
function isTagLink(attribs: Record<string, string>): boolean {
  const classes = (attribs.class ?? '').split(/\s+/)
  const rel = (attribs.rel ?? '').split(/\s+/)
  return classes.includes('mention') || classes.includes('hashtag') || rel.includes('tag')
}

/**
 * The text of a remote Note's HTML. `selfMentions`: how the blog is named in it ("@blog", "@blog@example.org"),
 * dropped from the start of the text however many times it comes. `summary` (a content warning) is kept as the
 * first line, so that a reader sees it before what it warns about.
 */
export function remoteHtmlToText(html: string, options: { selfMentions?: readonly string[]; summary?: string | null } = {}): string {
  // Only mention and hashtag links change; everything else reaches htmlToText as it came, which sanitises it.
  const unlinked = sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      a: (tagName, attribs) => (isTagLink(attribs) ? { tagName: 'span', attribs: {} } : { tagName, attribs }),
    },
  })
  let text = htmlToText(unlinked)
  const names = (options.selfMentions ?? []).filter((n) => n.startsWith('@'))
  if (names.length) {
    const alternatives = [...names]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|')
    text = text.replace(new RegExp(`^(?:(?:${alternatives})(?![\\w@.-])[\\s,:]*)+`, 'iu'), '')
  }
  const summary = options.summary ? htmlToText(options.summary).trim() : ''
  return summary ? `${summary}\n\n${text}`.trim() : text.trim()
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
