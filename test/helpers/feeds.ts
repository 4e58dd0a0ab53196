// Parsing helpers shared by the feed, sitemap and SEO suites: a real XML parser, and checks of the date formats
// the specs require.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import sanitizeHtml from 'sanitize-html'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'

const ARRAYS = new Set([
  'rss.channel.item',
  'rss.channel.item.category',
  'feed.entry',
  'feed.link',
  'feed.entry.link',
  'feed.entry.category',
  'urlset.url',
  'sitemapindex.sitemap',
])

/** Parses a document after checking that it is well-formed XML. */
export function parseXml(xml: string): any {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`)
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
  }).parse(xml)
}

/**
 * Every address of the blog's sitemaps, in the order of the index (/sitemap.xml) and its files, each file checked
 * to be a valid urlset answered 200.
 */
export async function allSitemapUrls(app: FastifyInstance): Promise<Array<{ loc: string; lastmod: string }>> {
  const index = parseXml((await app.inject('/sitemap.xml')).body)
  const urls: Array<{ loc: string; lastmod: string }> = []
  for (const file of index.sitemapindex.sitemap ?? []) {
    const res = await app.inject(String(file.loc).replace(/^https?:\/\/[^/]+/, ''))
    expect(res.statusCode, file.loc).toBe(200)
    const doc = parseXml(res.body)
    expect(doc.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9')
    urls.push(...doc.urlset.url)
  }
  return urls
}

/** RFC 822 as RSS 2.0 uses it (four-digit years): `Sun, 01 Oct 2017 17:08:00 GMT`. */
export const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$/

/** RFC 3339 date-time, as Atom requires. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export function expectAbsolute(url: unknown, base = 'http://blog.test/'): void {
  expect(typeof url).toBe('string')
  expect(String(url).startsWith(base), `${String(url)} is not absolute under ${base}`).toBe(true)
  expect(() => new URL(String(url))).not.toThrow()
}

/** Checks the elements RSS 2.0 requires, for the channel and every item; returns the items. */
export function checkRss(doc: any): any[] {
  expect(doc.rss['@_version']).toBe('2.0')
  const channel = doc.rss.channel
  expect(channel.title).toBeTruthy()
  expectAbsolute(channel.link)
  expect(typeof channel.description).toBe('string')
  expectAbsolute(channel['atom:link']['@_href'])
  expect(channel['atom:link']['@_rel']).toBe('self')
  expect(channel.lastBuildDate).toMatch(RFC822)
  expect(titleText(channel.title)).toBeTruthy()
  const items: any[] = channel.item ?? []
  for (const item of items) {
    expect(titleText(item.title)).toBeTruthy()
    expectAbsolute(item.link)
    expect(item.guid['#text']).toMatch(/^tag:blog\.test,\d{4}-\d{2}-\d{2}:(post|comment)-\d+$/)
    expect(item.guid['@_isPermaLink']).toBe('false')
    expect(item.pubDate).toMatch(RFC822)
    expect(Number.isNaN(Date.parse(item.pubDate))).toBe(false)
    expect(item['content:encoded']).toBeTruthy()
    expectAbsoluteAddresses(item['content:encoded'])
    expect(item['dc:creator']).toBeTruthy()
  }
  return items
}

/** Checks the elements Atom 1.0 requires, for the feed and every entry; returns the entries. */
export function checkAtom(doc: any): any[] {
  const feed = doc.feed
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom')
  expect(['fr', 'en']).toContain(feed['@_xml:lang'])
  expect(feed.id).toBeTruthy()
  expect(feed.title).toBeTruthy()
  expect(feed.updated).toMatch(RFC3339)
  const self = feed.link.find((l: any) => l['@_rel'] === 'self')
  expectAbsolute(self?.['@_href'])
  expectAbsolute(feed.link.find((l: any) => l['@_rel'] === 'alternate')?.['@_href'])
  const entries: any[] = feed.entry ?? []
  for (const entry of entries) {
    expect(entry.id).toMatch(/^tag:blog\.test,\d{4}-\d{2}-\d{2}:(post|comment)-\d+$/)
    expect(atomTitle(entry)).toBeTruthy()
    expect(entry.updated).toMatch(RFC3339)
    expect(entry.published).toMatch(RFC3339)
    expectAbsolute(entry.link[0]['@_href'])
    expect(entry.author.name).toBeTruthy()
    expect(entry.content['@_type']).toBe('html')
    expectAbsoluteAddresses(String(entry.content['#text']))
  }
  return entries
}

/** An Atom title is HTML (`type="html"`): the text a feed reader shows. */
export function atomTitle(entry: any): string {
  expect(entry.title['@_type']).toBe('html')
  return String(entry.title['#text'])
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

/** Decodes the character references of HTML text (what a reader shows of HTML that holds no tag). */
function decodeHtmlText(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

/**
 * What a feed reader shows of an RSS title (its text after XML parsing), whether it takes it for text or, as
 * most do when it looks like HTML, for HTML: the two must agree, so the title holds nothing HTML would read
 * as a tag, and decoding its references once gives the text.
 */
export function titleText(title: unknown): string {
  const s = String(title)
  expect(s, `${s} holds markup`).not.toMatch(/<[A-Za-z/!?]/)
  return decodeHtmlText(s)
}

/** Attributes that hold addresses, as the HTML standard lists them. */
const ADDRESS_ATTRIBUTES = [
  'href',
  'src',
  'srcset',
  'imagesrcset',
  'poster',
  'cite',
  'action',
  'formaction',
  'data',
  'longdesc',
  'usemap',
  'background',
  'ping',
  'itemid',
  'xlink:href',
]

/** Every address in a piece of HTML, read with a real HTML parser (sanitize-html's htmlparser2). */
export function addressesIn(html: string): string[] {
  const found: string[] = []
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      '*': (tagName, attribs) => {
        for (const [name, value] of Object.entries(attribs)) {
          if (!ADDRESS_ATTRIBUTES.includes(name.toLowerCase())) continue
          if (name.toLowerCase().endsWith('srcset')) found.push(...value.split(',').map((c) => c.trim().split(/\s+/)[0]!))
          else if (name.toLowerCase() === 'ping') found.push(...value.trim().split(/\s+/))
          else found.push(value)
        }
        return { tagName, attribs }
      },
    },
  })
  return found
}

/** Every address in a feed's HTML content stands on its own: http(s) (or mailto: for a link), never relative. */
export function expectAbsoluteAddresses(html: string): void {
  for (const address of addressesIn(html)) {
    expect(address, `${address} is not absolute`).toMatch(/^(https?:\/\/[^/]|mailto:)/)
    expect(() => new URL(address)).not.toThrow()
  }
  expect(html).not.toMatch(/(?:href|src|srcset|poster|cite)\s*=\s*["']?\s*(?:javascript|data|vbscript):/i)
}
