// RSS 2.0 and Atom 1.0 documents from one description of a feed, through the `feed` library. The library writes
// the XML; this module feeds it only text that is safe for it:
// - characters XML 1.0 forbids (control characters, lone surrogates) are removed from every string;
// - `]]>` inside HTML becomes `]]&gt;` (the same HTML), because the library escapes only the first one in CDATA;
// - Atom titles are declared as HTML by the library, so they are HTML-escaped here;
// - `<` and `>` are dropped from category terms, which the library writes into attributes without escaping them.
// Dates: RSS gets RFC 822 (`toUTCString()`, e.g. `Sun, 01 Oct 2017 17:08:00 GMT`), Atom RFC 3339 (ISO 8601, UTC).
import { Feed } from 'feed'
import { escapeHtml } from '../comments/render.ts'
import type { FeedFormat } from '../lib/urls.ts'

export interface FeedEntry {
  /** Never changes, even when the post is edited: see entryId(). */
  id: string
  title: string
  /** Absolute URL of the page. */
  link: string
  published: Date
  updated: Date
  /** Full content, as sanitized HTML. */
  contentHtml: string
  /** A short plain-text summary. */
  summary: string
  author: { name: string; url?: string | null }
  categories: string[]
}

export interface FeedDocument {
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
  for (const e of doc.entries) {
    const author = { name: text(e.author.name), ...(e.author.url ? { link: e.author.url } : {}) }
    feed.addItem({
      id: e.id,
      title: format === 'atom' ? escapeHtml(text(e.title)) : text(e.title),
      link: e.link,
      date: e.updated,
      published: e.published,
      content: html(e.contentHtml),
      description: escapeHtml(text(e.summary)),
      category: e.categories.map((name) => {
        const term = text(name).replace(/[<>]/g, '')
        return format === 'atom' ? { name: term, term } : { name: text(name) }
      }),
      // RSS's <author> must hold an e-mail address: the name goes into Dublin Core's creator instead.
      ...(format === 'atom'
        ? { author: [author] }
        : { extensions: [{ name: 'dc:creator', objects: { _text: author.name } }] }),
    })
  }
  return format === 'rss' ? feed.rss2() : feed.atom1()
}
