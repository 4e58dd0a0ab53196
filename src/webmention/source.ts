// Reading a webmention's source (W3C Webmention §3.2.2): does it link to the target, and what is it? Its
// microformats2 are parsed by microformats-parser (the maintained parser that passes the microformats test
// suite); the links by sanitize-html's parser (htmlparser2), which both already depend on. Pure: the job that
// fetched the page decides what to do with the answer (src/webmention/verify.ts).
import type { mf2 } from 'microformats-parser'
import sanitizeHtml from 'sanitize-html'
import { lazyRequire } from '../lib/lazy.ts'
import { htmlToText } from '../transfer/text.ts'

// Loaded at the first webmention read, not at start (src/lib/lazy.ts): no reader's page needs it.
const microformats = lazyRequire<typeof import('microformats-parser')>('microformats-parser')

type Mf2Root = ReturnType<typeof mf2>['items'][number]
type Mf2Value = Mf2Root['properties'][string][number]

export type SourceKind = 'reply' | 'like' | 'boost' | 'bookmark' | 'mention'

export interface SourceReading {
  /** The page has an <a href>, <link href>, media src or mf2 URL property that is the target. */
  linksToTarget: boolean
  kind: SourceKind
  /** The entry's in-reply-to addresses, fragments kept (a reply to one of our comments names it). */
  inReplyTo: string[]
  /** From the h-entry's author, else the page's representative h-card; null when the page names nobody. */
  author: { name: string; url: string | null } | null
  /** The entry's content (e-content, else its summary, else its name) as plain text; '' for none. */
  text: string
  /** The entry's u-url, when it has one. */
  permalink: string | null
  published: Date | null
}

/** Longest text and author name kept from a source (a comment's own limits: src/reader/comments.schemas.ts). */
const MAX_TEXT = 10_000
const MAX_NAME = 100

/** An address as compared: absolute, without its fragment; null for what is not an http(s) address. */
export function comparableUrl(value: string, base?: string): string | null {
  try {
    const url = new URL(value.trim(), base)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    url.hash = ''
    return url.href
  } catch {
    return null
  }
}

// Elements whose address attribute is a link to somewhere (the spec names a, img, video and the like).
const LINK_ATTRIBUTES: Record<string, string> = {
  a: 'href',
  link: 'href',
  area: 'href',
  img: 'src',
  video: 'src',
  audio: 'src',
  source: 'src',
  iframe: 'src',
  blockquote: 'cite',
  q: 'cite',
}

/** Every address the page links to, resolved against its <base> (if any) or its own address. */
export function linkedUrls(html: string, pageUrl: string): Set<string> {
  const raw: string[] = []
  let base = pageUrl
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      '*': (tagName, attribs) => {
        const name = tagName.toLowerCase()
        if (name === 'base' && attribs.href && raw.length === 0) base = comparableUrl(attribs.href, pageUrl) ?? base
        const attribute = LINK_ATTRIBUTES[name]
        const value = attribute ? attribs[attribute] : undefined
        if (value !== undefined) raw.push(value)
        return { tagName, attribs }
      },
    },
  })
  const out = new Set<string>()
  for (const value of raw) {
    const url = comparableUrl(value, base)
    if (url) out.add(url)
  }
  return out
}

const isRoot = (v: Mf2Value | undefined): v is Mf2Root => typeof v === 'object' && v !== null && 'properties' in v
const hasType = (item: Mf2Root, type: string) => (item.type ?? []).includes(type)

/** A property's value as a string: a string itself, an image's address, an html's text, an object's value or url. */
function stringOf(v: Mf2Value | undefined): string | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return v
  if (isRoot(v)) {
    const value = v.value
    if (typeof value === 'string') return value
    const url = v.properties.url?.[0]
    return typeof url === 'string' ? url : stringOf(value)
  }
  if ('html' in v) return v.value
  return v.value ?? null
}

/** The URLs a property points at: strings, h-cites' u-url (and their value). */
function urlsOf(values: Mf2Value[] | undefined): string[] {
  const out: string[] = []
  for (const v of values ?? []) {
    if (typeof v === 'string') out.push(v)
    else if (isRoot(v)) {
      for (const u of v.properties.url ?? []) if (typeof u === 'string') out.push(u)
      if (typeof v.value === 'string') out.push(v.value)
    }
  }
  return out
}

/** Every item, depth first (entries in an h-feed are children; a property's value may be an item). */
function* allItems(items: Mf2Root[]): Generator<Mf2Root> {
  for (const item of items) {
    yield item
    yield* allItems(item.children ?? [])
    for (const values of Object.values(item.properties)) yield* allItems(values.filter(isRoot))
  }
}

/** Every string value of every property (URL properties come resolved from the parser). */
function* allStrings(items: Mf2Root[]): Generator<string> {
  for (const item of allItems(items)) {
    for (const values of Object.values(item.properties)) for (const v of values) if (typeof v === 'string') yield v
  }
}

/**
 * The entry that speaks: the page's h-entry whose u-url is the page, else the first one that refers to the
 * target, else the first h-entry at all. Entries inside another's properties (an h-cite of what it answers) are
 * not candidates.
 */
function mainEntry(items: Mf2Root[], pageUrl: string, target: string): Mf2Root | null {
  const entries: Mf2Root[] = []
  const walk = (list: Mf2Root[]) => {
    for (const item of list) {
      if (hasType(item, 'h-entry')) entries.push(item)
      walk(item.children ?? [])
    }
  }
  walk(items)
  const same = (u: string) => comparableUrl(u, pageUrl)
  return (
    entries.find((e) => urlsOf(e.properties.url).some((u) => same(u) === pageUrl)) ??
    entries.find((e) => [...allStrings([e])].some((u) => same(u) === target)) ??
    entries[0] ??
    null
  )
}

function cardOf(v: Mf2Value | undefined, pageUrl: string): { name: string; url: string | null } | null {
  if (v === undefined) return null
  if (typeof v === 'string') {
    const url = comparableUrl(v, pageUrl)
    // An author given as an address alone: named by its host.
    return url ? { name: new URL(url).host, url } : v.trim() ? { name: v.trim(), url: null } : null
  }
  if (!isRoot(v)) return null
  const name = stringOf(v.properties.name?.[0])?.trim() ?? ''
  const url =
    urlsOf(v.properties.url)
      .map((u) => comparableUrl(u, pageUrl))
      .find(Boolean) ?? null
  if (!name && !url) return null
  return { name: name || (url ? new URL(url).host : ''), url }
}

/**
 * The page's representative h-card (microformats.org/wiki/representative-h-card-parsing, in short): the h-card
 * whose url and uid are the page, else one whose url is the page, else the only h-card of the page.
 */
function representativeCard(items: Mf2Root[], pageUrl: string): Mf2Root | null {
  const cards = items.filter((i) => hasType(i, 'h-card'))
  const is = (values: Mf2Value[] | undefined) => urlsOf(values).some((u) => comparableUrl(u, pageUrl) === pageUrl)
  return (
    cards.find((c) => is(c.properties.url) && is(c.properties.uid)) ??
    cards.find((c) => is(c.properties.url)) ??
    (cards.length === 1 ? cards[0]! : null)
  )
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`
}

function dateOf(v: Mf2Value | undefined): Date | null {
  const s = stringOf(v)
  if (!s) return null
  const d = new Date(s)
  return Number.isNaN(d.getTime()) ? null : d
}

/**
 * What the source says about the target. `pageUrl`: the address it was read from (after redirects), against
 * which relative addresses resolve; `target`: our post's address, as the sender gave it.
 */
export function readSource(html: string, pageUrl: string, targetUrl: string): SourceReading {
  const target = comparableUrl(targetUrl) ?? targetUrl
  const page = comparableUrl(pageUrl) ?? pageUrl
  const parsed = microformats().mf2(html, { baseUrl: page })
  const links = linkedUrls(html, page)
  const linksToTarget = links.has(target) || [...allStrings(parsed.items)].some((u) => comparableUrl(u, page) === target)

  const entry = mainEntry(parsed.items, page, target)
  const refers = (property: string) => urlsOf(entry?.properties[property]).some((u) => comparableUrl(u, page) === target)
  const kind: SourceKind = refers('in-reply-to')
    ? 'reply'
    : refers('like-of')
      ? 'like'
      : refers('repost-of')
        ? 'boost'
        : refers('bookmark-of')
          ? 'bookmark'
          : 'mention'

  let author = entry ? cardOf(entry.properties.author?.[0], page) : null
  if (!author) {
    const card = representativeCard(parsed.items, page)
    author = card ? cardOf(card, page) : null
  }
  if (author) author = { name: clip(author.name, MAX_NAME), url: author.url }

  let text = ''
  const content = entry?.properties.content?.[0]
  // A web page's line breaks in its HTML are spaces (htmlToText reads WordPress's, where they are breaks).
  if (content && typeof content === 'object' && 'html' in content) text = htmlToText(content.html.replace(/[\t\n\r ]+/g, ' '))
  else if (content) text = stringOf(content) ?? ''
  if (!text.trim() && entry) text = stringOf(entry.properties.summary?.[0]) ?? stringOf(entry.properties.name?.[0]) ?? ''

  const permalink =
    urlsOf(entry?.properties.url)
      .map((u) => comparableUrl(u, page))
      .find(Boolean) ?? null
  const inReplyTo = urlsOf(entry?.properties['in-reply-to']).flatMap((u) => {
    try {
      return [new URL(u, page).href]
    } catch {
      return []
    }
  })
  return {
    linksToTarget,
    kind,
    inReplyTo,
    author,
    text: clip(text.trim(), MAX_TEXT),
    permalink,
    published: dateOf(entry?.properties.published?.[0]),
  }
}
