// Parsing helpers shared by the feed, sitemap and SEO suites: a real XML parser, and checks of the date formats
// the specs require.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { expect } from 'vitest'

const ARRAYS = new Set(['rss.channel.item', 'rss.channel.item.category', 'feed.entry', 'feed.link', 'feed.entry.link', 'feed.entry.category', 'urlset.url'])

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
  const items: any[] = channel.item ?? []
  for (const item of items) {
    expect(item.title).toBeTruthy()
    expectAbsolute(item.link)
    expect(item.guid['#text']).toMatch(/^tag:blog\.test,\d{4}-\d{2}-\d{2}:(post|comment)-\d+$/)
    expect(item.guid['@_isPermaLink']).toBe('false')
    expect(item.pubDate).toMatch(RFC822)
    expect(Number.isNaN(Date.parse(item.pubDate))).toBe(false)
    expect(item['content:encoded']).toBeTruthy()
    expect(item['dc:creator']).toBeTruthy()
  }
  return items
}

/** Checks the elements Atom 1.0 requires, for the feed and every entry; returns the entries. */
export function checkAtom(doc: any): any[] {
  const feed = doc.feed
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom')
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
