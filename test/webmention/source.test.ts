// Reading a webmention's source and discovering a target's endpoint, on the microformats test suite's own cases
// (test/fixtures/mf2/README.md says which and from where) and on the spec's discovery rules.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { mf2 } from 'microformats-parser'
import { describe, expect, it } from 'vitest'
import { discoverEndpoint, outboundLinks, parseLinkHeader } from '../../src/webmention/discovery.ts'
import { linkedUrls, readSource } from '../../src/webmention/source.ts'

const MF2 = resolve(import.meta.dirname, '../fixtures/mf2')
const BASE = 'http://example.com/'
const html = (name: string) => readFileSync(join(MF2, `${name}.html`), 'utf8')

describe('the microformats test suite', () => {
  it.each([
    'h-entry-impliedvalue-nested',
    'h-entry-impliedname',
    'h-entry-summarycontent',
    'h-entry-urlincontent',
    'h-card-impliedname',
    'h-card-hcard',
    'h-card-nested',
  ])('%s: microformats-parser gives the suite’s JSON', (name) => {
    const expected = JSON.parse(readFileSync(join(MF2, `${name}.json`), 'utf8'))
    const parsed = mf2(html(name), { baseUrl: BASE })
    expect(parsed.items).toEqual(expected.items)
  })

  it('an h-entry in reply to the target is a reply; the cited post’s author is not the replier', () => {
    const r = readSource(html('h-entry-impliedvalue-nested'), BASE, 'http://example.com/post')
    expect(r).toMatchObject({ linksToTarget: true, kind: 'reply', author: null })
  })

  it('an h-entry that likes the target is a like (among entries that do not)', () => {
    const r = readSource(html('h-entry-impliedname'), BASE, 'http://microformats.org/')
    expect(r).toMatchObject({ linksToTarget: true, kind: 'like' })
  })

  it('a link in e-content is a mention, with the entry’s author h-card and its content as text', () => {
    const r = readSource(html('h-entry-summarycontent'), BASE, 'http://microformats.org/wiki/principles')
    expect(r.kind).toBe('mention')
    expect(r.linksToTarget).toBe(true)
    expect(r.author).toEqual({ name: 'Tantek', url: 'http://tantek.com/' })
    expect(r.permalink).toBe('http://microformats.org/2012/06/25/microformats-org-at-7')
    expect(r.text).toMatch(/^Last week the microformats\.org community celebrated/)
    expect(r.text).toContain('principles (http://microformats.org/wiki/principles)')
    expect(r.text).not.toContain('<')
  })

  it('relative links are resolved before they are compared with the target', () => {
    expect(readSource(html('h-entry-urlincontent'), BASE, 'http://example.com/test/test.html').linksToTarget).toBe(true)
    expect(readSource(html('h-entry-urlincontent'), 'http://other.example/', 'http://example.com/test/test.html').linksToTarget).toBe(false)
    expect(readSource(html('h-entry-urlincontent'), BASE, 'http://example.com/test/other.html').linksToTarget).toBe(false)
  })

  it('a page with one h-card and no h-entry author: that h-card speaks for it', () => {
    const page = `${html('h-card-hcard')}<p><a href="http://blog.test/post.html">a post</a></p>`
    const r = readSource(page, BASE, 'http://blog.test/post.html')
    expect(r).toMatchObject({
      linksToTarget: true,
      kind: 'mention',
      author: { name: 'Mitchell Baker', url: 'http://blog.lizardwrangler.com/' },
    })
  })
})

describe('reading a source', () => {
  const target = 'https://blog.test/archive/2026/12/06/a.html'
  const page = (entry: string) => `<!doctype html><html><body><article class="h-entry">${entry}</article></body></html>`

  it.each([
    ['u-like-of', 'like'],
    ['u-repost-of', 'boost'],
    ['u-bookmark-of', 'bookmark'],
    ['u-in-reply-to', 'reply'],
  ] as const)('%s the target → %s', (cls, kind) => {
    const r = readSource(page(`<a class="${cls}" href="${target}">it</a>`), 'https://other.test/n/1', target)
    expect(r.kind).toBe(kind)
    expect(r.linksToTarget).toBe(true)
  })

  it('a reply to something else that links to the target is a mention', () => {
    const r = readSource(
      page(`<a class="u-in-reply-to" href="https://x.test/">x</a><div class="e-content"><a href="${target}">see</a></div>`),
      'https://other.test/n/1',
      target,
    )
    expect(r.kind).toBe('mention')
  })

  it('the target in a fragment-less form, a relative href, a <base>: all link', () => {
    expect(linkedUrls(`<a href="/archive/2026/12/06/a.html#comments">x</a>`, 'https://blog.test/elsewhere').has(target)).toBe(true)
    expect(linkedUrls(`<base href="https://blog.test/archive/2026/12/06/"><a href="a.html">x</a>`, 'https://other.test/').has(target)).toBe(
      true,
    )
    expect(linkedUrls(`<img src="${target}" alt="">`, 'https://other.test/').has(target)).toBe(true)
    expect(linkedUrls(`<p>${target}</p>`, 'https://other.test/').has(target)).toBe(false)
    expect(linkedUrls(`<a href="javascript:alert(1)">x</a>`, 'https://other.test/').size).toBe(0)
  })

  it('the author from a p-author h-card, else from an address alone; content clipped, scripts dropped', () => {
    const r = readSource(
      page(
        `<span class="p-author h-card"><a class="p-name u-url" href="/me">Zoé</a></span><div class="e-content"><script>alert(1)</script><p>Bonjour <b>toi</b></p><p><a href="${target}">ton billet</a></p></div><time class="dt-published" datetime="2026-12-06T10:00:00Z">hier</time>`,
      ),
      'https://other.test/n/1',
      target,
    )
    expect(r.author).toEqual({ name: 'Zoé', url: 'https://other.test/me' })
    expect(r.text).toBe(`Bonjour toi\n\nton billet (${target})`)
    expect(r.published?.toISOString()).toBe('2026-12-06T10:00:00.000Z')
    const bare = readSource(
      page(`<a class="u-author" href="https://zoe.test/">Z</a><a href="${target}">x</a>`),
      'https://other.test/n/1',
      target,
    )
    expect(bare.author).toEqual({ name: 'zoe.test', url: 'https://zoe.test/' })
    const long = readSource(
      page(`<div class="e-content">${'mot '.repeat(5000)}<a href="${target}">x</a></div>`),
      'https://other.test/n/1',
      target,
    )
    expect(long.text.length).toBe(10_000)
  })

  it('no microformats at all: a mention by nobody, still linked', () => {
    const r = readSource(`<p>Voir <a href="${target}">ce billet</a>.</p>`, 'https://other.test/', target)
    expect(r).toEqual({ linksToTarget: true, kind: 'mention', inReplyTo: [], author: null, text: '', permalink: null, published: null })
  })
})

describe('endpoint discovery (the spec’s rules, as webmention.rocks tests them)', () => {
  const url = 'https://target.test/post/1?x=1'
  const d = (linkHeaders: string[], html: string | null, at = url) => discoverEndpoint({ url: at, linkHeaders, html })

  it('a Link header first, relative or absolute, rel among others, unquoted, case-insensitive', () => {
    expect(d(['</wm>; rel="webmention"'], '<link rel="webmention" href="/other">')).toBe('https://target.test/wm')
    expect(d(['<https://e.test/wm>; rel=webmention'], null)).toBe('https://e.test/wm')
    expect(d(['<https://e.test/a>; rel="other", <https://e.test/wm>; rel="webmention somethingelse"'], null)).toBe('https://e.test/wm')
    expect(d(['<https://e.test/wm>; rel="WebMention"'], null)).toBe('https://e.test/wm')
    expect(d(['<https://e.test/x>; rel="not-webmention"'], '<a rel="webmention" href="/a">x</a>')).toBe('https://target.test/a')
  })

  it('then the first <link> or <a> in document order; an empty href is the page itself; query strings kept', () => {
    expect(d([], '<a rel="webmention" href="/first">x</a><link rel="webmention" href="/second">')).toBe('https://target.test/first')
    expect(d([], '<link rel="webmention" href="">')).toBe(url)
    expect(d([], '<link rel="webmention" href="/wm?version=1">')).toBe('https://target.test/wm?version=1')
    expect(d([], '<link rel="webmention" href="wm">', 'https://target.test/dir/page')).toBe('https://target.test/dir/wm')
    expect(d([], '<!-- <link rel="webmention" href="/commented"> --><link rel="webmention" href="/real">')).toBe('https://target.test/real')
    expect(d([], '<link rel="webmention">')).toBeNull()
    expect(d([], '<p>nothing</p>')).toBeNull()
  })

  it('reads Link headers with several links and quoted commas', () => {
    expect(parseLinkHeader('<a>; rel="x, y"; title="a, b", <b>; rel=webmention')).toEqual([
      { url: 'a', rels: ['x,', 'y'] },
      { url: 'b', rels: ['webmention'] },
    ])
  })
})

describe('a post’s outbound links', () => {
  it('absolute, once each, not the blog’s own, without fragments', () => {
    const body =
      '<p><a href="https://a.test/x#y">a</a> <a href="/own">own</a> <a href="https://blog.test/p">own too</a> <a href="https://a.test/x">again</a> <a href="mailto:z@a.test">m</a> <a href="https://b.test/">b</a></p>'
    expect(outboundLinks(body, 'https://blog.test/archive/2026/12/06/a.html', 'https://blog.test')).toEqual([
      'https://a.test/x',
      'https://b.test/',
    ])
  })
})
