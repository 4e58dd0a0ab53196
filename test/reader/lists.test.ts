import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { zonedParts } from '../../src/lib/time.ts'
import { monthPath, yearPath } from '../../src/lib/urls.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { allSitemapUrls } from '../helpers/feeds.ts'
import { buildTestApp, listedTitles, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

/** 23 published posts, one a day in January 2020 then February, plus a draft and a scheduled post. */
async function fill(blog: TestBlog) {
  const db = blog.app.db
  for (let i = 1; i <= 23; i++) {
    const day = i <= 15 ? `2020-01-${String(i).padStart(2, '0')}` : `2020-02-${String(i - 15).padStart(2, '0')}`
    await createPost(db, {
      title: `Note ${i}`,
      body: `Texte de la note ${i}.`,
      status: 'published',
      publishedAt: `${day}T10:00:00.000Z`,
      categories: i % 2 === 0 ? ['Pairs'] : ['Impairs'],
    })
  }
  await createPost(db, { title: 'Brouillon secret', body: 'pas encore', status: 'draft', categories: ['Pairs'] })
  await createPost(db, {
    title: 'Note programmée',
    body: 'plus tard',
    status: 'published',
    publishedAt: '2999-01-01T00:00:00.000Z',
    categories: ['Pairs'],
  })
}

const titles = (from: number, to: number) => {
  const out: string[] = []
  for (let i = from; i >= to; i--) out.push(`Note ${i}`)
  return out
}

describe('list pages', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    await fill(blog)
  })
  afterEach(() => blog.close())

  it('home lists the newest published posts first, ten a page', async () => {
    const page1 = await blog.app.inject('/')
    expect(page1.statusCode).toBe(200)
    expect(listedTitles(page1.body)).toEqual(titles(23, 14))
    expect(page1.body).toContain('<a class="next" rel="next" href="/?page=2">')
    const page3 = await blog.app.inject('/?page=3')
    expect(listedTitles(page3.body)).toEqual(titles(3, 1))
    expect(visibleText(mainOf(page3.body))).toContain('Page 3 sur 3')
    expect((await blog.app.inject('/?page=4')).statusCode).toBe(404)
    expect((await blog.app.inject('/?page=abc')).statusCode).toBe(404)
    expect((await blog.app.inject('/?page=0')).statusCode).toBe(404)
  })

  it('follows the posts-per-page setting', async () => {
    await blog.app.settings.update({ postsPerPage: 5 })
    expect(listedTitles((await blog.app.inject('/')).body)).toEqual(titles(23, 19))
    expect((await blog.app.inject('/?page=5')).statusCode).toBe(200)
    expect((await blog.app.inject('/?page=6')).statusCode).toBe(404)
  })

  it('never shows a draft or a post scheduled for later', async () => {
    for (const url of ['/', '/?page=2', '/?page=3', '/category/pairs', '/category/pairs?page=2']) {
      const body = (await blog.app.inject(url)).body
      expect(body).not.toContain('Brouillon secret')
      expect(body).not.toContain('Note programmée')
    }
    const draft = await blog.app.db.selectFrom('posts').select('slug').where('title', '=', 'Brouillon secret').executeTakeFirstOrThrow()
    expect((await blog.app.inject(`/archive/2020/01/01/${draft.slug}.html`)).statusCode).toBe(404)
    expect((await blog.app.inject('/archive/2999/01/01/note-programmee.html')).statusCode).toBe(404)
    // The sidebar counts only what readers can see.
    expect(visibleText((await blog.app.inject('/')).body)).toContain('Pairs (11)')
  })

  it('a category page lists exactly its posts, paged', async () => {
    const res = await blog.app.inject('/category/pairs')
    expect(res.statusCode).toBe(200)
    expect(visibleText(mainOf(res.body))).toContain('Catégorie : Pairs')
    expect(listedTitles(res.body)).toEqual([
      'Note 22',
      'Note 20',
      'Note 18',
      'Note 16',
      'Note 14',
      'Note 12',
      'Note 10',
      'Note 8',
      'Note 6',
      'Note 4',
    ])
    expect(listedTitles((await blog.app.inject('/category/pairs?page=2')).body)).toEqual(['Note 2'])
    expect((await blog.app.inject('/category/pairs?page=3')).statusCode).toBe(404)
    expect((await blog.app.inject('/category/inconnue')).statusCode).toBe(404)
  })

  it('a month page lists exactly the posts of that month in the blog time zone', async () => {
    const res = await blog.app.inject('/archive/2020/02/')
    expect(res.statusCode).toBe(200)
    expect(visibleText(mainOf(res.body))).toContain('Archives : Février 2020')
    expect(listedTitles(res.body)).toEqual(titles(23, 16))
    // Same page without the trailing slash.
    expect((await blog.app.inject('/archive/2020/02')).statusCode).toBe(200)
    const jan = await blog.app.inject('/archive/2020/01/?page=2')
    expect(listedTitles(jan.body)).toEqual(titles(5, 1))
    // An impossible month is no page either.
    expect((await blog.app.inject('/archive/2020/13/')).statusCode).toBe(404)
    expect((await blog.app.inject('/archive/20x0/01/')).statusCode).toBe(404)
  })

  it('answers 404, like an unknown page, for a month or year with no post a reader can see', async () => {
    // Only a draft (dated) in April 2020; only a post scheduled for 2999 in January 2999; nothing in 2019.
    await createPost(blog.app.db, { title: 'Brouillon daté', body: 'x', status: 'draft', publishedAt: '2020-04-10T10:00:00.000Z' })
    for (const url of [
      '/archive/2020/03/',
      '/archive/2020/04/',
      '/archive/2999/01/',
      '/archive/2019/',
      '/archive/2999/',
      '/archive/2020/03',
      '/archive/2019',
    ]) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(404)
      expect(res.body, url).toContain('Page introuvable')
      expect(res.body, url).toContain('<meta name="robots" content="noindex">')
      expect(res.body, url).not.toContain('Brouillon daté')
    }
    // Months and years with posts stay; a page past their end is no page (as before).
    expect((await blog.app.inject('/archive/2020/02/')).statusCode).toBe(200)
    expect((await blog.app.inject('/archive/2020/')).statusCode).toBe(200)
    expect((await blog.app.inject('/archive/2020/02/?page=2')).statusCode).toBe(404)
    expect((await blog.app.inject('/archive/2020/03/?page=2')).statusCode).toBe(404)
    // The sitemap lists only months that have posts, and each of them answers.
    const sitemap = (await allSitemapUrls(blog.app)).map((u) => u.loc).join('\n')
    const months = [...sitemap.matchAll(/[^\n]*?(\/archive\/\d{4}\/\d{2}\/)$/gm)].map((m) => m[1]!)
    expect(months).toEqual(['/archive/2020/02/', '/archive/2020/01/'])
    for (const url of months) expect((await blog.app.inject(url)).statusCode, url).toBe(200)
  })

  it('shows a month once its first scheduled post comes due', async () => {
    const due = new Date(Date.now() + 60 * 60_000).toISOString()
    await createPost(blog.app.db, { title: 'Bientôt', body: 'x', status: 'published', publishedAt: due })
    const { year, month } = zonedParts(due, 'Europe/Paris')
    expect((await blog.app.inject(monthPath(year, month))).statusCode).toBe(404)
    expect((await blog.app.inject(yearPath(year))).statusCode).toBe(404)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(due) + 60_000 })
    try {
      const res = await blog.app.inject(monthPath(year, month))
      expect(res.statusCode).toBe(200)
      expect(listedTitles(res.body)).toEqual(['Bientôt'])
      expect((await blog.app.inject(yearPath(year))).statusCode).toBe(200)
    } finally {
      vi.useRealTimers()
    }
  })

  it('counts a post published just before midnight UTC in the next month when Paris is already there', async () => {
    await createPost(blog.app.db, {
      title: 'Minuit à Paris',
      body: 'x',
      status: 'published',
      publishedAt: '2020-02-29T23:30:00.000Z', // 1 March 00:30 in Paris
    })
    expect(listedTitles((await blog.app.inject('/archive/2020/03/')).body)).toEqual(['Minuit à Paris'])
    expect(listedTitles((await blog.app.inject('/archive/2020/02/')).body)).not.toContain('Minuit à Paris')
    expect((await blog.app.inject('/archive/2020/03/01/minuit-a-paris.html')).statusCode).toBe(200)
  })

  it('an unknown address gets the styled 404 page', async () => {
    for (const url of ['/nope', '/archive/2017/10/01/inconnu.html', '/archive/2017/10/01/x', '/category/']) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.body).toContain('Page introuvable')
      expect(res.body).toContain('/static/css/carnet.css')
      expect(res.body).toContain('<meta name="robots" content="noindex">')
    }
  })

  it('the sidebar shows categories with counts, months, recent posts and recent comments', async () => {
    const post = await blog.app.db.selectFrom('posts').select('id').where('title', '=', 'Note 23').executeTakeFirstOrThrow()
    await blog.app.db
      .insertInto('comments')
      .values({ post_id: post.id, author_name: 'Zoé', body: 'Bravo', status: 'approved', created_at: '2020-02-09T10:00:00.000Z' })
      .execute()
    const text = visibleText((await blog.app.inject('/')).body)
    expect(text).toContain('Catégories Impairs (12) Pairs (11)')
    expect(text).toContain('Archives Février 2020 (8) Janvier 2020 (15)')
    expect(text).toContain('Notes récentes Note 23 Note 22 Note 21 Note 20 Note 19')
    expect(text).toContain('Derniers commentaires Zoé sur Note 23')
  })
})

describe('archives by year', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    // One post a month from January 2018 to June 2020 (30 months), on the 10th.
    for (let i = 0; i < 30; i++) {
      const year = 2018 + Math.floor(i / 12)
      const month = (i % 12) + 1
      await createPost(blog.app.db, {
        title: `Mois ${year}-${String(month).padStart(2, '0')}`,
        body: 'x',
        status: 'published',
        publishedAt: `${year}-${String(month).padStart(2, '0')}-10T10:00:00.000Z`,
      })
    }
  })
  afterEach(() => blog.close())

  it('the sidebar lists the latest twelve months, then one link per earlier year with its count', async () => {
    const body = (await blog.app.inject('/')).body
    const text = visibleText(body)
    expect(text).toContain(
      'Archives Juin 2020 (1) Mai 2020 (1) Avril 2020 (1) Mars 2020 (1) Février 2020 (1) Janvier 2020 (1) ' +
        'Décembre 2019 (1) Novembre 2019 (1) Octobre 2019 (1) Septembre 2019 (1) Août 2019 (1) Juillet 2019 (1) ' +
        '2019 (12) 2018 (12) Notes récentes',
    )
    expect(body).toContain('<a href="/archive/2019/">2019</a>')
    expect(body).not.toContain('href="/archive/2019/06/"')
  })

  it('a year page lists the posts of that year in the blog time zone, paged', async () => {
    // 1 January 2018 00:30 in Paris is still 2017 in UTC.
    await createPost(blog.app.db, { title: 'Nouvel an', body: 'x', status: 'published', publishedAt: '2017-12-31T23:30:00.000Z' })
    const res = await blog.app.inject('/archive/2018/')
    expect(res.statusCode).toBe(200)
    expect(visibleText(mainOf(res.body))).toContain('Archives : 2018')
    expect(listedTitles(res.body)).toEqual([
      'Mois 2018-12',
      'Mois 2018-11',
      'Mois 2018-10',
      'Mois 2018-09',
      'Mois 2018-08',
      'Mois 2018-07',
      'Mois 2018-06',
      'Mois 2018-05',
      'Mois 2018-04',
      'Mois 2018-03',
    ])
    expect(listedTitles((await blog.app.inject('/archive/2018?page=2')).body)).toEqual(['Mois 2018-02', 'Mois 2018-01', 'Nouvel an'])
    expect((await blog.app.inject('/archive/2018/?page=3')).statusCode).toBe(404)
    // 2017 has no post in Paris time: no page.
    expect((await blog.app.inject('/archive/2017/')).statusCode).toBe(404)
    expect((await blog.app.inject('/archive/20x8/')).statusCode).toBe(404)
  })
})
