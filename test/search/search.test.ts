import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prefixExpression, toMatchQuery } from '../../src/search/query.ts'
import { createPost, ensureCategories, setPostCategories, setPostTags } from '../../src/content/posts.write.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { buildTestApp, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

/** The post addresses a results page lists, in order. */
function resultUrls(html: string): string[] {
  return [...mainOf(html).matchAll(/<h3 class="post-title"><a href="([^"]+)">/g)].map((m) => m[1]!)
}

describe('search', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp()
  })
  afterAll(() => blog.close())

  const search = (q: string, extra = '') => blog.app.inject(`/search?q=${encodeURIComponent(q)}${extra}`)

  it.each(['Qaryatayn', 'qaryatayn', 'QARYATAYN', 'chretiens', 'chrétiens', 'Al-Qaryatayn', 'coexistence musulmans'])(
    'finds the seed post by %j',
    async (q) => {
      const res = await search(q)
      expect(res.statusCode).toBe(200)
      expect(resultUrls(res.body)).toContain(SEED_PATH)
    },
  )

  it('folds accents: deir finds Deïr, and the hit is highlighted', async () => {
    const res = await search('deir')
    const urls = resultUrls(res.body)
    expect(urls).toContain('/archive/2017/11/03/syrie-deir-ez-zor-entierement-reprise.html')
    expect(mainOf(res.body)).toContain('<mark>Deïr</mark>')
  })

  it('says so when every word is too common to search, on either database (PostgreSQL leaves them out, SQLite too)', async () => {
    // The language's configuration leaves `le`, `la` and `des` out of the index: nothing to search for.
    const common = visibleText(mainOf((await search('le la des')).body))
    expect(common).toContain('Aucune note ne correspond à « le la des ».')
    expect(common).toContain('Des mots aussi courants ne sont pas cherchés seuls : ajoutez un mot plus précis.')
    // Case and accents folded first, as PostgreSQL does: `Le`, `DES`; `été` is a word, not a form of `être` left out.
    expect(visibleText(mainOf((await search('Le DES')).body))).toContain('Des mots aussi courants')
    expect(visibleText(mainOf((await search('été')).body))).not.toContain('Des mots aussi courants')
    const none = visibleText(mainOf((await search('zzyzxqq')).body))
    expect(none).toContain('Aucune note ne correspond à « zzyzxqq ».')
    expect(none).toContain('Essayez d’autres mots ou moins de mots')
    expect(none).not.toContain('Des mots aussi courants')
    // A common word beside a precise one is searched as the precise one.
    expect(resultUrls((await search('le Qaryatayn')).body)).toContain(SEED_PATH)
  })

  it('ranks a match in the title above a match in the body only', async () => {
    await createPost(blog.app.db, {
      title: 'Palmyrène, une note',
      body: 'Rien de plus.',
      status: 'published',
      publishedAt: '2016-01-01T00:00:00.000Z',
    })
    await createPost(blog.app.db, {
      title: 'Autre chose',
      body: 'On parle ici de la Palmyrène, de la Palmyrène encore, et de la Palmyrène enfin.',
      status: 'published',
      publishedAt: '2018-01-01T00:00:00.000Z',
    })
    const urls = resultUrls((await search('palmyrene')).body)
    expect(urls).toEqual(['/archive/2016/01/01/palmyrene-une-note.html', '/archive/2018/01/01/autre-chose.html'])
  })

  it('finds the same posts in the same order on SQLite and PostgreSQL: the last word is a prefix of words, not of stems', async () => {
    const post = (title: string, body: string, day: string) =>
      createPost(blog.app.db, { title, body, status: 'published', publishedAt: `2012-06-${day}T00:00:00.000Z` })
    await post('Ville, la ville des villes', 'Une ville.', '01')
    await post('Un village tranquille', 'Le village dort.', '02')
    await post('Autre note', 'Rien que la ville.', '03')
    const top = resultUrls((await search('ville')).body)
    // PostgreSQL's French stem of `ville` is `vill`, and `vill:*` found `village` too (first, once): not any more.
    expect(top[0]).toBe('/archive/2012/06/01/ville-la-ville-des-villes.html')
    expect(top).toContain('/archive/2012/06/03/autre-note.html')
    expect(top).not.toContain('/archive/2012/06/02/un-village-tranquille.html')
    expect(resultUrls((await search('village')).body)).toEqual(['/archive/2012/06/02/un-village-tranquille.html'])
    // A word still being typed finds both.
    const typing = resultUrls((await search('vill')).body)
    expect(typing).toContain('/archive/2012/06/01/ville-la-ville-des-villes.html')
    expect(typing).toContain('/archive/2012/06/02/un-village-tranquille.html')
  })

  it('shows the result count, escaped excerpts with marked hits, a labelled search box, and noindex', async () => {
    await createPost(blog.app.db, {
      title: '<b>Zorglub</b> & co',
      body: 'Le mot <script>alert(1)</script> zorglub apparaît ici, entre <i>balises</i>.',
      status: 'published',
      publishedAt: '2016-02-01T00:00:00.000Z',
    })
    const res = await search('zorglub')
    const main = mainOf(res.body)
    expect(visibleText(main)).toContain('1 résultat pour « zorglub »')
    expect(main).toContain('&lt;b&gt;<mark>Zorglub</mark>&lt;/b&gt; &amp; co')
    expect(main).toContain('<mark>zorglub</mark>')
    expect(main).not.toContain('<script')
    expect(main).not.toContain('<b>')
    expect(res.body).toContain('<meta name="robots" content="noindex">')
    expect(res.body).not.toContain('rel="canonical"')
    expect(main).toMatch(/<form class="search-form" role="search" action="\/search" method="get"[^>]*>\s*<label for="search-main-q">/)
    expect(main).toContain('<input type="search" id="search-main-q" name="q" value="zorglub"')
  })

  it('has a search box at the top of the sidebar of every page', async () => {
    for (const url of ['/', SEED_PATH, '/category/syrie', '/archive/2017/10/', '/search?q=x', '/nope']) {
      const html = (await blog.app.inject(url)).body
      const sidebar = /<aside class="sidebar">([\s\S]*?)<\/aside>/.exec(html)?.[1] ?? ''
      expect(sidebar.trimStart().startsWith('<form class="search-form" role="search"'), url).toBe(true)
      expect(sidebar).toContain('<label for="search-sidebar-q">Rechercher dans le carnet</label>')
      expect(sidebar).toContain('<input type="search" id="search-sidebar-q" name="q"')
    }
  })

  it('finds nothing from drafts or scheduled posts, and finds a scheduled post once its time has come', async () => {
    const draft = await createPost(blog.app.db, { title: 'Brouillon Quetzalcoatl', body: 'quetzalcoatl', status: 'draft' })
    const later = await createPost(blog.app.db, {
      title: 'Programmé Tlaloc',
      body: 'tlaloc',
      status: 'published',
      publishedAt: '2999-01-01T00:00:00.000Z',
    })
    for (const q of ['quetzalcoatl', 'tlaloc']) {
      const res = await search(q)
      expect(res.statusCode).toBe(200)
      expect(resultUrls(res.body)).toEqual([])
      expect(visibleText(mainOf(res.body))).toContain(`Aucune note ne correspond à « ${q} »`)
    }
    // Its time comes (no write to the index needed: visibility is checked when searching).
    await blog.app.db.updateTable('posts').set({ published_at: '2019-05-05T10:00:00.000Z' }).where('id', '=', later.id).execute()
    expect(resultUrls((await search('tlaloc')).body)).toEqual(['/archive/2019/05/05/programme-tlaloc.html'])
    expect(resultUrls((await search('quetzalcoatl')).body)).toEqual([])
    expect(draft.id).toBeGreaterThan(0)
  })

  it('follows creation, edit and deletion of posts, categories and tags', async () => {
    const db = blog.app.db
    const { id } = await createPost(db, {
      title: 'Xylophone',
      body: 'Un instrument.',
      status: 'published',
      publishedAt: '2015-03-03T00:00:00.000Z',
    })
    const url = '/archive/2015/03/03/xylophone.html'
    expect(resultUrls((await search('xylophone')).body)).toEqual([url])

    await db
      .updateTable('posts')
      .set({ title: 'Marimba', body_html: '<p>Un <em>autre</em> instrument.</p>' })
      .where('id', '=', id)
      .execute()
    expect(resultUrls((await search('xylophone')).body)).toEqual([])
    expect(resultUrls((await search('marimba')).body)).toEqual([url])

    await setPostCategories(db, id, await ensureCategories(db, ['Percussions']))
    expect(resultUrls((await search('percussions')).body)).toEqual([url])
    await db.updateTable('categories').set({ name: 'Idiophones' }).where('name', '=', 'Percussions').execute()
    expect(resultUrls((await search('percussions')).body)).toEqual([])
    expect(resultUrls((await search('idiophones')).body)).toEqual([url])

    await setPostTags(db, id, ['Gamelan'])
    expect(resultUrls((await search('gamelan')).body)).toEqual([url])
    await setPostTags(db, id, [])
    expect(resultUrls((await search('gamelan')).body)).toEqual([])

    await db.deleteFrom('posts').where('id', '=', id).execute()
    expect(resultUrls((await search('marimba')).body)).toEqual([])
    const left = await db.selectFrom('search_queue').selectAll().execute()
    expect(left).toEqual([])
  })

  it('sees posts written by another process on the same database file', async () => {
    const other = await otherConnection(blog.config.databasePath)
    try {
      const now = new Date().toISOString()
      await other.run(
        `insert into posts (slug, title, body_html, status, published_at, created_at, updated_at)
           values ('ornithorynque', 'Ornithorynque', '<p>Écrit par un autre processus.</p>', 'published', '2014-04-04T00:00:00.000Z', ?, ?)`,
        now,
        now,
      )
    } finally {
      await other.close()
    }
    expect(resultUrls((await search('ornithorynque')).body)).toEqual(['/archive/2014/04/04/ornithorynque.html'])
    expect(resultUrls((await search('processus')).body)).toEqual(['/archive/2014/04/04/ornithorynque.html'])
  })

  it('pages the results', async () => {
    for (let i = 1; i <= 12; i++) {
      await createPost(blog.app.db, {
        title: `Kangourou ${i}`,
        body: 'Texte.',
        status: 'published',
        publishedAt: `2013-01-${String(i).padStart(2, '0')}T00:00:00.000Z`,
      })
    }
    const first = await search('kangourou')
    expect(visibleText(mainOf(first.body))).toContain('12 résultats pour « kangourou »')
    expect(resultUrls(first.body)).toHaveLength(10)
    expect(first.body).toContain('href="/search?q=kangourou&amp;page=2"')
    const second = await search('kangourou', '&page=2')
    expect(resultUrls(second.body)).toHaveLength(2)
    expect(second.body).toContain('href="/search?q=kangourou"')
    const all = [...resultUrls(first.body), ...resultUrls(second.body)]
    expect(new Set(all).size).toBe(12)
    const past = await search('kangourou', '&page=9')
    expect(past.statusCode).toBe(200)
    expect(visibleText(mainOf(past.body))).toContain('Cette page de résultats n’existe pas.')
  })

  const hostile = [
    '"',
    '"Qaryatayn',
    'Qaryatayn"',
    '""',
    '"""',
    "'",
    'NEAR(',
    'NEAR(a b',
    'NEAR(a, b)',
    '*',
    '**',
    '-',
    '-Qaryatayn',
    '^',
    'a*b',
    'AND',
    'OR',
    'NOT',
    'AND OR NOT',
    'Qaryatayn AND',
    'OR Qaryatayn',
    'title:x',
    'body:deir',
    '{title body}: x',
    'posts_fts:x',
    '(',
    ')',
    '()',
    '(Qaryatayn',
    '+',
    ':',
    ';',
    '\\',
    '%',
    '_',
    'x'.repeat(10_000),
    'Qaryatayn '.repeat(1000),
    'a\u0000b',
    '\u0000',
    '\u0002mark\u0003',
    'é'.repeat(5000),
    '🙂',
    '\u200b',
    'Deïr\u0301',
    '<script>alert(1)</script>',
    "'; drop table posts; --",
    'rank:1',
    'MATCH',
    '"a" "b"',
    ' ',
    '',
  ]
  it.each(hostile.map((q) => [q.length > 40 ? `${q.slice(0, 20)}… (${q.length} chars)` : q, q]))(
    'answers 200 to the hostile query %j',
    async (_label, q) => {
      const res = await search(q)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(mainOf(res.body)).not.toContain('<script')
    },
  )

  it('answers 200 to odd parameters', async () => {
    for (const url of [
      '/search',
      '/search?q=',
      '/search?q=a&q=b',
      '/search?q[x]=1',
      '/search?page=abc&q=deir',
      '/search?q=deir&page=-3',
      '/search?q=deir&page=1e9',
      '/search?q=%00',
      '/search?q=%E0%A4%A',
    ]) {
      const res = await blog.app.inject(url)
      expect(res.statusCode, url).toBe(200)
    }
    expect(resultUrls((await blog.app.inject('/search?q=deir&page=abc')).body)).toContain(
      '/archive/2017/11/03/syrie-deir-ez-zor-entierement-reprise.html',
    )
  })
})

describe('the query builder', () => {
  it('quotes every word, ANDs them and prefix-matches the last', () => {
    expect(prefixExpression(toMatchQuery('Deïr ez-Zor')!)).toBe('"Deïr" AND "ez-Zor"*')
    expect(prefixExpression(toMatchQuery('say "hi" NEAR(x')!)).toBe('"say" AND """hi""" AND "NEAR(x"*')
    expect(prefixExpression(toMatchQuery('title:x OR y')!)).toBe('"title:x" AND "OR" AND "y"*')
  })

  it('gives nothing to search for when no word has a letter or digit', () => {
    for (const q of ['', '   ', '*', '- " ( )', '\u0000\u0001', '🙂']) expect(toMatchQuery(q)).toBeNull()
  })

  it('caps the length and the number of words', () => {
    const long = prefixExpression(toMatchQuery('mot '.repeat(5000))!)
    expect(long.split(' AND ')).toHaveLength(12)
    expect(prefixExpression(toMatchQuery('x'.repeat(10_000))!).length).toBeLessThanOrEqual(204)
  })
})
