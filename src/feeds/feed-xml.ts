// RSS 2.0 and Atom 1.0 documents from one description of a feed, through the `feed` library. The library writes
// the XML; this module feeds it only text that is safe for it:
// - characters XML 1.0 forbids (control characters, lone surrogates) are removed from every string;
// - every address in the content is made absolute from SITE_URL (src/lib/absolute-urls.ts), here, for every feed;
// - `]]>` inside HTML becomes `]]&gt;` (the same HTML), because the library escapes only the first one in CDATA;
// - titles are text. Atom titles are declared as HTML by the library, so they are HTML-escaped here. RSS leaves
//   it open, and readers guess: Universal Feed Parser, SimplePie and most web readers take a title that looks
//   like HTML (a tag, an entity) for HTML, whether it came in CDATA or escaped. So RSS titles (the channel's
//   too) escape exactly what an HTML reader would take for markup (`<b`, `</`, `&amp;`…): `Zoë <b>Tester</b>`
//   reads the same as text or as HTML, and an ordinary title (`Tom & Jerry`, `1 < 2`) is left as it is;
// - the Atom `<feed>` gets `xml:lang`, which the library does not write;
// - `<` and `>` are dropped from category terms, which the library writes into attributes without escaping them.
// Dates: RSS gets RFC 822 (`toUTCString()`, e.g. `Sun, 01 Oct 2017 17:08:00 GMT`), Atom RFC 3339 (ISO 8601, UTC).
import { Feed } from 'feed'
import { escapeHtml } from '../lib/html.ts'
import type { FeedFormat } from '../lib/urls.ts'
import { absoluteHtml } from '../lib/absolute-urls.ts'

export interface FeedEntry {
  /** Never changes, even when the post is edited: see entryId(). */
  id: string
  title: string
  /** Absolute URL of the page (relative addresses in the content are read from it). */
  link: string
  published: Date
  updated: Date
  /** Full content, as sanitized HTML; its addresses may be relative (they are made absolute here). */
  contentHtml: string
  /** A short plain-text summary. */
  summary: string
  author: { name: string; url?: string | null }
  categories: string[]
  /** The post's lead image (its first image from the media library): an RSS enclosure, an Atom enclosure link. */
  enclosure?: { url: string; type: string; length: number } | null
}

export interface FeedDocument {
  /** SITE_URL: addresses from the root (`/static/a.png`) in the content are read from it. */
  site: string
  /** Atom feed id (absolute URL of the Atom feed: stable as long as the blog keeps its address). */
  id: string
  title: string
  description: string
  /** Absolute URL of the HTML page the feed follows. */
  link: string
  /** Absolute URLs of the feed itself, in both formats. */
  self: Record<FeedFormat, string>
  language: string
  /** The newest entry's time (or a stable time for an empty feed): the document must not change by itself. */
  updated: Date
  entries: FeedEntry[]
}

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
}

const XML_INVALID = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu

function text(s: string): string {
  return s.replace(XML_INVALID, '')
}

function html(s: string): string {
  return text(s).replaceAll(']]>', ']]&gt;')
}

/**
 * Plain text (a title, the channel description) as RSS readers read it (see the top of this file): `&` before a letter, digit or `#`
 * (a character reference) and `<` before a letter, `/`, `!` or `?` (a tag, a comment) are escaped; so is `>`
 * after `]]` (it would end the CDATA). Decoding it once as HTML gives the text back.
 */
export function rssText(s: string): string {
  return text(s)
    .replace(/&(?=[A-Za-z0-9#])/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replaceAll(']]>', ']]&gt;')
}

const ATOM_FEED_TAG = '<feed xmlns="http://www.w3.org/2005/Atom">'

/** `tag:blog.example.org,2017-10-01:post-42`: an id that depends only on the host and the creation, never on an edit. */
export function entryId(siteUrl: string, createdAt: string, kind: 'post' | 'comment', id: number): string {
  return `tag:${new URL(siteUrl).hostname},${createdAt.slice(0, 10)}:${kind}-${id}`
}

export function renderFeed(doc: FeedDocument, format: FeedFormat): string {
  const feed = new Feed({
    id: doc.id,
    title: text(doc.title),
    description: text(doc.description),
    link: doc.link,
    language: doc.language,
    updated: doc.updated,
    generator: 'Carnet',
    feedLinks: { rss: doc.self.rss, atom: doc.self.atom },
  })
  if (format === 'rss') {
    // The library writes the channel's title and description as escaped text, which readers decode and then
    // take for HTML: CDATA holding the title as rssText() writes it instead (an extension replaces the element).
    feed.addExtension({ name: 'title', objects: { _cdata: rssText(doc.title) } })
    feed.addExtension({ name: 'description', objects: { _cdata: rssText(doc.description) } })
  }
  for (const e of doc.entries) {
    const author = { name: text(e.author.name), ...(e.author.url ? { link: e.author.url } : {}) }
    feed.addItem({
      id: e.id,
      title: format === 'atom' ? escapeHtml(text(e.title)) : rssText(e.title),
      link: e.link,
      date: e.updated,
      published: e.published,
      content: html(absoluteHtml(e.contentHtml, { site: doc.site, page: e.link })),
      description: escapeHtml(text(e.summary)),
      ...(e.enclosure ? { enclosure: e.enclosure } : {}),
      category: e.categories.map((name) => {
        const term = text(name).replace(/[<>]/g, '')
        return format === 'atom' ? { name: term, term } : { name: text(name) }
      }),
      // RSS's <author> must hold an e-mail address: the name goes into Dublin Core's creator instead.
      ...(format === 'atom' ? { author: [author] } : { extensions: [{ name: 'dc:creator', objects: { _text: author.name } }] }),
    })
  }
  if (format === 'rss') return feed.rss2()
  const atom = feed.atom1()
  if (!atom.includes(ATOM_FEED_TAG)) throw new Error('feed library: unexpected <feed> element')
  return atom.replace(ATOM_FEED_TAG, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtml(doc.language)}">`)
}
