// What the blog's word lists and link limit say about a comment, as WordPress's "Comment Moderation" and
// "Disallowed Comment Keys" do: too many links or a word of the hold list, and it waits for moderation; a word of
// the refuse list, and it is not kept. Pure: the settings and the comment in, a verdict out.
import { urlHostToUnicode } from '../lib/idna.ts'

export interface CommentRules {
  /** More links than this in the text: held. */
  maxLinks: number
  /** One entry a line (see cleanWordList in src/settings/settings.ts). */
  holdWords: string
  refuseWords: string
}

/** What the rules look at: the fields a commenter fills in, and the address the comment came from. */
export interface RuledComment {
  author: string
  email: string | null
  url: string | null
  body: string
  ip: string
  /** A comment from elsewhere: its author's handle and actor, which the lists look at too. */
  handle?: string | null
  actor?: string | null
}

export type Verdict = { kind: 'pass' } | { kind: 'hold'; reason: 'links' | 'words' } | { kind: 'refuse' }

/**
 * Text as the word lists compare it: compatibility forms unfolded (NFKD), accents and other combining marks
 * removed, lower case. "VIÁGRA" and "viagra" are the same; so are "ﬁ" and "fi".
 */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
}

// Parsing a list costs little, but every comment would pay it for both lists: the lists seen last are kept
// (a handful: the hold and refuse lists, and their previous versions until forgotten all at once).
const parsedLists = new Map<string, readonly string[]>()

/** The entries of a word list, folded: one a line, blank lines and surrounding spaces ignored. */
export function wordListEntries(list: string): readonly string[] {
  const known = parsedLists.get(list)
  if (known) return known
  const entries = [
    ...new Set(
      list
        .split(/\r\n?|\n/)
        .map((line) => fold(line.trim()))
        .filter((entry) => entry !== ''),
    ),
  ]
  if (parsedLists.size >= 8) parsedLists.clear()
  parsedLists.set(list, entries)
  return entries
}

// An address with its scheme, or one starting with `www.` that is not part of a longer word or address.
const LINK = /https?:\/\/[^\s]+|(?<![\p{L}\p{N}_./@-])www\.[^\s]+/giu

/** The links in a comment's text: http(s):// addresses and www. addresses, each counted once. */
export function countLinks(body: string): number {
  // NFKC first: "ｈｔｔｐｓ://" written in full-width letters is still a link to a browser that autolinks it.
  return body.normalize('NFKC').match(LINK)?.length ?? 0
}

/** The first entry of the list found in one of the texts (folded), or null. An entry matches inside a word. */
export function findListed(list: string, texts: readonly string[]): string | null {
  const entries = wordListEntries(list)
  if (entries.length === 0) return null
  const folded = texts.map(fold)
  for (const entry of entries) {
    if (folded.some((text) => text.includes(entry))) return entry
  }
  return null
}

/** The site address as stored (punycode host) and as people read it, so that a listed "exämple.fr" matches. */
function urlForms(url: string | null): string[] {
  if (!url) return []
  try {
    const parsed = new URL(url)
    const unicode = urlHostToUnicode(parsed.hostname)
    return unicode && unicode !== parsed.hostname ? [url, url.replace(parsed.hostname, unicode)] : [url]
  } catch {
    return [url]
  }
}

/** Refused if a refuse word is found; else held for a hold word or too many links; else it passes. */
export function judgeComment(comment: RuledComment, rules: CommentRules): Verdict {
  const texts = [
    comment.author,
    comment.email ?? '',
    ...urlForms(comment.url),
    comment.body,
    comment.ip,
    comment.handle ?? '',
    ...urlForms(comment.actor ?? null),
  ]
  if (findListed(rules.refuseWords, texts) !== null) return { kind: 'refuse' }
  if (findListed(rules.holdWords, texts) !== null) return { kind: 'hold', reason: 'words' }
  if (countLinks(comment.body) > rules.maxLinks) return { kind: 'hold', reason: 'links' }
  return { kind: 'pass' }
}
