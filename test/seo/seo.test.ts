import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { allSitemapUrls } from '../helpers/feeds.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

const SEED_TITLE = "Syrie : Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie"

function jsonLdOf(html: string): any[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!))
}

function metaOf(html: string, attr: 'property' | 'name', key: string): string[] {
  const re = new RegExp(`<meta ${attr}="${key.replace(/[.+]/g, '\\$&')}" content="([^"]*)">`, 'g')
  return [...html.matchAll(re)].map((m) =>
    m[1]!
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  )
}

describe('metadata for search engines and social sites', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp()
    await createPost(blog.app.db, { title: 'Brouillon caché', body: 'x', status: 'draft', categories: ['Catégorie fantôme'] })
    await createPost(blog.app.db, {
      title: 'Programmée cachée',
      body: 'x',
      status: 'published',
      publishedAt: '2999-01-01T00:00:00.000Z',
      categories: ['Catégorie future'],
    })
  })
  afterAll(() => blog.close())

  it('describes the post page as a BlogPosting in JSON-LD that parses and carries the post', async () => {
    const html = (await blog.app.inject(SEED_PATH)).body
    const docs = jsonLdOf(html)
    expect(docs).toHaveLength(1)
    const ld = docs[0]
    const row = await blog.app.db.selectFrom('posts').select(['updated_at']).where('title', '=', SEED_TITLE).executeTakeFirstOrThrow()
    expect(ld['@context']).toBe('https://schema.org')
    expect(ld['@type']).toBe('BlogPosting')
    expect(ld.headline).toBe(SEED_TITLE)
    expect(ld.datePublished).toBe('2017-10-01T17:08:00.000Z')
    expect(ld.dateModified).toBe(row.updated_at > ld.datePublished ? row.updated_at : ld.datePublished)
    // No author pages: the author's address is the blog's.
    expect(ld.author).toEqual({ '@type': 'Person', name: 'Jean René Belliard', url: 'http://blog.test/' })
    expect(ld.url).toBe(`http://blog.test${SEED_PATH}`)
    expect(ld.mainEntityOfPage['@id']).toBe(`http://blog.test${SEED_PATH}`)
    expect(ld.publisher).toEqual({ '@type': 'Organization', name: 'Carnet', url: 'http://blog.test/' })
    expect(ld.description).toMatch(/^L'Etat islamique \(Daech\), a pris/)
    expect(ld.articleSection).toContain('Al-Qaryatayn')
    // Only post pages describe a post.
    expect(jsonLdOf((await blog.app.inject('/')).body)).toEqual([])
  })

  it('gives Open Graph and Twitter card metadata on post pages', async () => {
    const html = (await blog.app.inject(SEED_PATH)).body
    expect(metaOf(html, 'property', 'og:type')).toEqual(['article'])
    expect(metaOf(html, 'property', 'og:title')).toEqual([SEED_TITLE])
    expect(metaOf(html, 'property', 'og:url')).toEqual([`http://blog.test${SEED_PATH}`])
    expect(metaOf(html, 'property', 'og:site_name')).toEqual(['Carnet'])
    expect(metaOf(html, 'property', 'og:locale')).toEqual(['fr_FR'])
    expect(metaOf(html, 'property', 'og:description')[0]).toMatch(/^L'Etat islamique/)
    expect(metaOf(html, 'property', 'article:published_time')).toEqual(['2017-10-01T17:08:00.000Z'])
    expect(metaOf(html, 'property', 'article:tag')).toEqual(['Syrie', 'Qaryatayn'])
    expect(metaOf(html, 'name', 'twitter:card')).toEqual(['summary'])
    expect(metaOf(html, 'name', 'twitter:title')).toEqual([SEED_TITLE])
    // All of it inside <head>.
    const head = /<head>([\s\S]*?)<\/head>/.exec(html)![1]!
    expect(head).toContain('og:title')
    expect(head).toContain('application/ld+json')
    expect(metaOf((await blog.app.inject('/')).body, 'property', 'og:type')).toEqual([])
  })

  it("shows the post's first image in Open Graph, the Twitter card and JSON-LD, absolute from SITE_URL", async () => {
    const cases: Array<[body: string, image: string, alt: string]> = [
      [
        'Texte.\n\n![Carte de Syrie](/static/carte.png)\n\n![Autre](/static/autre.png)',
        'http://blog.test/static/carte.png',
        'Carte de Syrie',
      ],
      // Relative to the post's own address, as a browser reads it on the page.
      ['![](photo.jpg)', 'http://blog.test/archive/2016/06/06/photo.jpg', ''],
      ['<p>x</p>\n\n![Loin](https://images.example.org/a.jpg?w=1200&h=630)', 'https://images.example.org/a.jpg?w=1200&h=630', 'Loin'],
    ]
    for (const [i, [body, image, alt]] of cases.entries()) {
      const { slug } = await createPost(blog.app.db, {
        title: `Image ${i}`,
        body,
        status: 'published',
        publishedAt: '2016-06-06T10:00:00.000Z',
      })
      const html = (await blog.app.inject(`/archive/2016/06/06/${slug}.html`)).body
      expect(metaOf(html, 'property', 'og:image'), body).toEqual([image])
      expect(metaOf(html, 'property', 'og:image:alt')).toEqual(alt ? [alt] : [])
      expect(metaOf(html, 'name', 'twitter:card')).toEqual(['summary_large_image'])
      expect(metaOf(html, 'name', 'twitter:image')).toEqual([image])
      expect(metaOf(html, 'name', 'twitter:image:alt')).toEqual(alt ? [alt] : [])
      expect(jsonLdOf(html)[0].image).toEqual([image])
    }
  })

  it('says nothing about an image when the post has none and no site image is set', async () => {
    const html = (await blog.app.inject(SEED_PATH)).body
    expect(html).not.toMatch(/og:image|twitter:image/)
    expect(metaOf(html, 'name', 'twitter:card')).toEqual(['summary'])
    const ld = jsonLdOf(html)[0]
    expect(ld).not.toHaveProperty('image')
    expect(ld.publisher).not.toHaveProperty('logo')
  })

  it('keeps the JSON-LD a data block that no text can close', async () => {
    const title = '</script><script>alert(1)</script> <!-- & \u2028'
    await createPost(blog.app.db, {
      title,
      body: 'Corps </script>',
      status: 'published',
      publishedAt: '2016-06-06T06:00:00.000Z',
      signature: '</SCRIPT>',
    })
    const html = (await blog.app.inject('/archive/2016/06/06/script-script-alert-1-script.html')).body
    expect(html).not.toContain('<script>alert(1)')
    const block = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!
    expect(block).not.toMatch(/<\/?script|<!--/i)
    const ld = JSON.parse(block)
    expect(ld.headline).toBe(title)
    expect(ld.author.name).toBe('</SCRIPT>')
  })

  it('puts a canonical link on every public page', async () => {
    for (const path of ['/', '/category/syrie', '/archive/2017/10/', SEED_PATH]) {
      const html = (await blog.app.inject(path)).body
      expect(html, path).toContain(`<link rel="canonical" href="http://blog.test${path}">`)
    }
  })

  it('lists exactly the visible pages in the sitemap, with their last changes', async () => {
    const res = await blog.app.inject('/sitemap.xml')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
    const urls = await allSitemapUrls(blog.app)
    expect(urls.length).toBeGreaterThan(0)
    for (const u of urls) expect(u.lastmod).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    const locs = urls.map((u) => u.loc.replace('http://blog.test', ''))
    expect(new Set(locs).size).toBe(locs.length)

    const now = new Date().toISOString()
    const db = blog.app.db
    const visible = await db
      .selectFrom('posts')
      .select(['slug', 'published_at'])
      .where('status', '=', 'published')
      .where('published_at', '<=', now)
      .execute()
    const categories = await db
      .selectFrom('categories as c')
      .select('c.slug')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('post_categories as pc')
            .innerJoin('posts as p', 'p.id', 'pc.post_id')
            .select('p.id')
            .whereRef('pc.category_id', '=', 'c.id')
            .where('p.status', '=', 'published')
            .where('p.published_at', '<=', now),
        ),
      )
      .execute()
    // Posts are read back from the pages: each listed post answers 200 and each visible post is listed.
    const postLocs = locs.filter((l) => l.endsWith('.html'))
    expect(postLocs).toHaveLength(visible.length)
    for (const l of postLocs) expect((await blog.app.inject(l)).statusCode, l).toBe(200)
    expect(locs.filter((l) => l.startsWith('/category/')).sort()).toEqual(categories.map((c) => `/category/${c.slug}`).sort())
    expect(locs.filter((l) => /^\/archive\/\d{4}\/\d{2}\/$/.test(l)).sort()).toEqual([
      '/archive/2016/06/',
      '/archive/2017/09/',
      '/archive/2017/10/',
      '/archive/2017/11/',
    ])
    expect(locs[0]).toBe('/')
    expect(locs).toHaveLength(1 + visible.length + categories.length + 4)
    expect(res.body).not.toContain('brouillon')
    expect(res.body).not.toContain('programmee')
    expect(res.body).not.toContain('categorie-fantome')
    expect(res.body).not.toContain('categorie-future')
    // The seed post changed last when its last comment came (or when it was saved, if later).
    const seed = urls.find((u) => u.loc === `http://blog.test${SEED_PATH}`)!
    expect(Date.parse(seed.lastmod)).toBeGreaterThanOrEqual(Date.parse('2017-10-03T16:22:00Z'))
  })

  it('lets robots everywhere but the admin, and points them to the sitemap', async () => {
    const res = await blog.app.inject('/robots.txt')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    const lines = res.body.split('\n')
    expect(lines).toContain('User-agent: *')
    expect(lines).toContain('Disallow: /admin')
    expect(lines.filter((l) => l.startsWith('Disallow'))).toEqual(['Disallow: /admin'])
    expect(lines).toContain('Sitemap: http://blog.test/sitemap.xml')
  })
})
