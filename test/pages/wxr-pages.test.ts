// WordPress pages come in as Carnet's static pages, with their text, flattened (a child's slug becomes
// `parent-child` only when its own is taken), and their old addresses answer 301; `export wxr` writes them back as
// pages, and Carnet's own export imported into another blog keeps them pages.
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exportWxr } from '../../src/transfer/wxr-export.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { summaryLines } from '../../src/transfer/summary.ts'
import { buildTestApp, mainOf, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { WP_WXR } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }
const FIXTURE = join(import.meta.dirname, 'fixtures/pages-hierarchy.xml')

describe('WordPress pages', () => {
  let blog: TestBlog
  const tmp = useTempDir('wxr-pages')
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())
  const rows = () => blog.app.db.selectFrom('posts').select(['slug', 'title', 'kind', 'status', 'comments_open']).orderBy('id').execute()

  it('come in as pages with their text, flattened, a child renamed parent-child only on a clash', async () => {
    const s = await importWxr(blog.app.db, FIXTURE, options)
    expect(s).toMatchObject({ posts: 1, pages: 4, comments: 1 })
    expect(summaryLines(s)).toContain(
      'Imported 4 pages (about, contact…), each at its own /<slug>.html address, outside the lists of posts.',
    )
    expect(await rows()).toEqual([
      { slug: 'contact', title: 'Contact', kind: 'post', status: 'published', comments_open: 1 },
      { slug: 'about', title: 'À propos', kind: 'page', status: 'published', comments_open: 0 },
      { slug: 'team', title: 'L’équipe', kind: 'page', status: 'published', comments_open: 1 },
      { slug: 'about-contact', title: 'Nous écrire', kind: 'page', status: 'published', comments_open: 0 },
      { slug: 'colophon', title: 'Colophon', kind: 'page', status: 'draft', comments_open: 0 },
    ])
    const about = await blog.app.inject('/about.html')
    expect(about.statusCode).toBe(200)
    expect(visibleText(mainOf(about.body))).toContain('Qui écrit ici.')
    expect(about.body).toContain('src="https://old.example.org/wp-content/uploads/moi.jpg"')
    const team = await blog.app.inject('/team.html')
    expect(visibleText(mainOf(team.body))).toContain('Bonjour l’équipe.')
    expect((await blog.app.inject('/about-contact.html')).statusCode).toBe(200)
    expect((await blog.app.inject('/colophon.html')).statusCode).toBe(404)
    // Not in the lists of posts.
    const home = await blog.app.inject('/')
    expect(home.body).not.toContain('À propos')
    expect(home.body).toContain('Contact')
  })

  it('answer their old addresses with a 301: the link, /parent/child/, ?page_id=', async () => {
    await importWxr(blog.app.db, FIXTURE, options)
    for (const [old, now] of [
      ['/about/', '/about.html'],
      ['/about/team/', '/team.html'],
      ['/about/contact/', '/about-contact.html'],
      ['/team/', '/team.html'],
      ['/?page_id=2', '/about.html'],
      ['/?page_id=3', '/team.html'],
      ['/?p=4', '/about-contact.html'],
    ]) {
      const res = await blog.app.inject(old!)
      expect(res.statusCode, old).toBe(301)
      expect(res.headers.location, old).toBe(now)
    }
    // A draft's old address is no page.
    expect((await blog.app.inject('/?page_id=5')).statusCode).toBe(404)
  })

  it('are written back as pages by export wxr, and a Carnet export imported elsewhere keeps them pages', async () => {
    await importWxr(blog.app.db, FIXTURE, options)
    const file = join(tmp.path, 'export.xml')
    const out = createWriteStream(file)
    await exportWxr(blog.app.db, out, {
      siteUrl: 'http://blog.test',
      timeZone: 'Europe/Paris',
      title: 'Carnet',
      description: '',
      language: 'fr',
    })
    out.end()
    await finished(out)
    const xml = readFileSync(file, 'utf8')
    const item = (title: string) => xml.split('<item>').find((i) => i.includes(`<title><![CDATA[${title}]]></title>`))!
    expect(item('À propos')).toContain('<wp:post_type><![CDATA[page]]></wp:post_type>')
    expect(item('À propos')).toContain('<link>http://blog.test/about.html</link>')
    expect(item('Contact')).toContain('<wp:post_type><![CDATA[post]]></wp:post_type>')

    const other = await buildTestApp({ demo: false })
    try {
      const s = await importWxr(other.app.db, file, options)
      expect(s).toMatchObject({ posts: 1, pages: 4 })
      const again = await other.app.db.selectFrom('posts').select(['slug', 'kind', 'status']).orderBy('id').execute()
      expect(again).toEqual((await rows()).map((r) => ({ slug: r.slug, kind: r.kind, status: r.status })))
      expect((await other.app.inject('/about.html')).statusCode).toBe(200)
    } finally {
      await other.close()
    }
  })

  it('WordPress’s theme unit test data: its about page at /about.html', async () => {
    await importWxr(blog.app.db, join(WP_WXR, 'theme-unit-test-shape.xml'), options)
    const res = await blog.app.inject('/about.html')
    expect(res.statusCode).toBe(200)
    expect(visibleText(mainOf(res.body))).toContain('This site is using the standard WordPress Theme Unit Test Data')
    const old = await blog.app.inject('/about/')
    expect(old.statusCode).toBe(301)
    expect(old.headers.location).toBe('/about.html')
  })
})
