// WordPress's paragraph convention, as WordPress shows it, then the same sanitizing as Markdown.
import { describe, expect, it } from 'vitest'
import { renderBody, renderHtmlBody } from '../../src/content/markdown.ts'
import { stripWordPressMarkup, wpautop } from '../../src/content/wpautop.ts'

describe('wpautop', () => {
  it('makes paragraphs of blank-line-separated text and line breaks of single newlines', () => {
    expect(wpautop('First line\nsecond line\n\nNew paragraph')).toBe('<p>First line<br />\nsecond line</p>\n<p>New paragraph</p>\n')
  })

  it('leaves block-level tags alone and does not wrap them in paragraphs', () => {
    const out = wpautop('Intro\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<h2>Title</h2>\nAfter')
    expect(out).toContain('<p>Intro</p>')
    expect(out).not.toMatch(/<p>\s*<ul>/)
    expect(out).not.toMatch(/<li>one<\/li><br/)
    expect(out).toContain('<h2>Title</h2>')
    expect(out).toContain('<p>After</p>')
  })

  it('puts a paragraph inside a blockquote, as WordPress does', () => {
    expect(wpautop('<blockquote>Quoted</blockquote>')).toBe('<blockquote><p>Quoted</p></blockquote>\n')
  })

  it('keeps newlines inside <pre> and inside tags', () => {
    const out = wpautop('<pre>a\n\nb</pre>\n\n<a\nhref="/x">link</a>')
    expect(out).toContain('<pre>a\n\nb</pre>')
    expect(out).toContain('<p><a href="/x">link</a></p>')
  })

  it('drops block editor comments and reduces shortcodes to their content', () => {
    const src =
      '<!-- wp:paragraph -->\n<p>Hello</p>\n<!-- /wp:paragraph -->\n\n[caption id="attachment_5" align="alignnone" width="300"]<img src="https://ex.org/a.jpg" alt="A"> A cat[/caption]\n\n[gallery ids="1,2"]'
    expect(stripWordPressMarkup(src)).not.toMatch(/wp:|\[caption|\[gallery/)
    const html = renderHtmlBody(src)
    expect(html).toContain('<p>Hello</p>')
    expect(html).toContain('<img src="https://ex.org/a.jpg" alt="A" loading="lazy" decoding="async"> A cat')
    expect(html).not.toContain('[')
  })

  it('keeps text in brackets that is no shortcode', () => {
    expect(wpautop('He said [sic] so')).toBe('<p>He said [sic] so</p>\n')
  })

  it('returns nothing for an empty body', () => {
    expect(wpautop('  \n\n ')).toBe('')
  })
})

describe('an HTML body', () => {
  it('is sanitized with the rules of rendered Markdown', () => {
    const html = renderHtmlBody(
      '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a></p>\n<h1>Big</h1><iframe src="https://evil"></iframe>',
    )
    expect(html).not.toMatch(/script|onclick|javascript|iframe/)
    expect(html).toContain('<h2>Big</h2>')
  })

  it('renders by its format: the same text is Markdown or HTML', () => {
    expect(renderBody('markdown', '**bold**')).toBe('<p><strong>bold</strong></p>\n')
    expect(renderBody('html', '**bold**\nline')).toBe('<p>**bold**<br>\nline</p>\n')
  })
})
