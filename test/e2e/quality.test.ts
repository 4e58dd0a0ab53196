// Every kind of page a reader sees passes axe-core with no violation and html-validate with no error.
import { AxeBuilder } from '@axe-core/playwright'
import { HtmlValidate } from 'html-validate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/posts/posts.write.ts'
import { SEED_PATH } from '../helper.ts'
import { hasChromium, launchBrowser, startBlog, watchPage, type Browser, type LiveBlog } from './support.ts'

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Long French titles and URLs in comments are fine as they are.
    'long-title': 'off',
  },
})

/** Pages to check: [name, path]. Features add theirs here. */
export const PUBLIC_PAGES: Array<[string, string]> = [
  ['home', '/'],
  ['home page 2', '/?page=2'],
  ['post, closed thread', SEED_PATH],
  ['category', '/category/syrie'],
  ['month archive', '/archive/2017/10/'],
  ['not found', '/nowhere'],
]

describe('valid HTML', () => {
  let blog: LiveBlog
  let openPost: string
  beforeAll(async () => {
    blog = await startBlog()
    const { slug } = await createPost(blog.app.db, {
      title: 'Une note ouverte aux commentaires',
      body: 'Texte.\n\n## Un intertitre\n\nSuite.',
      status: 'published',
      publishedAt: '2017-12-01T10:00:00.000Z',
      categories: ['Syrie'],
    })
    openPost = `/archive/2017/12/01/${slug}.html`
  })
  afterAll(() => blog?.close())

  it('every public page validates with no error', async () => {
    for (const [name, path] of [...PUBLIC_PAGES, ['post, open thread', openPost] as [string, string]]) {
      const html = await (await fetch(blog.url + path)).text()
      const report = await validator.validateString(html, `${name}.html`)
      const errors = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} line ${m.line}: ${m.message}`))
      expect(errors, name).toEqual([])
    }
  })
})

describe.skipIf(!hasChromium)('accessibility (axe-core in Chromium)', () => {
  let blog: LiveBlog
  let browser: Browser
  beforeAll(async () => {
    blog = await startBlog()
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await blog?.close()
  })

  it.each(PUBLIC_PAGES)('%s has no violation', async (name, path) => {
    const page = await browser.context.newPage()
    const problems = watchPage(page)
    await page.goto(blog.url + path)
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
    const violations = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
    expect(violations, name).toEqual([])
    // The browser reports the 404 status of the not-found page itself as a console error: that one is expected.
    expect(problems.filter((p) => !(path === '/nowhere' && p.includes('status of 404'))), name).toEqual([])
    await page.close()
  })
})
