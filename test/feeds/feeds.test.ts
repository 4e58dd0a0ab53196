import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { addressesIn, atomTitle, checkAtom, checkRss, parseXml, titleText } from '../helpers/feeds.ts'
import { buildTestApp, SEED_PATH, type TestBlog } from '../helpers/app.ts'

const SEED_TITLE = "Syrie : Daech s'empare d'Al-Qaryatayn, ville symbolique dans le centre de la Syrie"
const SEED_COMMENTS_FEED = SEED_PATH.replace(/\.html$/, '/comments')

/** The demo blog plus what readers must never see in a feed: a draft, a scheduled post, held comments. */
async function addHiddenThings(blog: TestBlog) {
  const db = blog.app.db
  const draft = await createPost(db, { title: 'Brouillon caché', body: 'Pas prêt.', status: 'draft', categories: ['Syrie'] })
  const scheduled = await createPost(db, {
    title: 'Note programmée cachée',
    body: 'Plus tard.',
    status: 'published',
    publishedAt: '2999-01-01T00:00:00.000Z',
    categories: ['Syrie'],
  })
  const seed = await db.selectFrom('posts').select('id').where('title', '=', SEED_TITLE).executeTakeFirstOrThrow()
  const comment = (post_id: number, author_name: string, status: 'pending' | 'spam' | 'approved') =>
    db
      .insertInto('comments')
      .values({ post_id, author_name, body: `Texte de ${author_name}`, status, created_at: '2030-01-01T00:00:00.000Z' })
      .execute()
  await comment(seed.id, 'Commentaire en attente', 'pending')
  await comment(seed.id, 'Indésirable', 'spam')
  await comment(draft.id, 'Sur un brouillon', 'approved')
  await comment(scheduled.id, 'Sur une note programmée', 'approved')
  return { draft, scheduled, seedId: seed.id }
}

async function visiblePostTitles(blog: TestBlog, category?: string): Promise<string[]> {
  let q = blog.app.db
    .selectFrom('posts as p')
    .select('p.title')
    .where('p.status', '=', 'published')
    .where('p.published_at', '<=', new Date().toISOString())
  if (category) {
    q = q.where('p.id', 'in', (eb) =>
      eb
        .selectFrom('post_categories as pc')
        .innerJoin('categories as c', 'c.id', 'pc.category_id')
        .select('pc.post_id')
        .where('c.slug', '=', category),
    )
  }
  return (await q.orderBy('p.published_at', 'desc').orderBy('p.id', 'desc').execute()).map((r) => r.title)
}

describe('feeds of the demo blog', () => {
  let blog: TestBlog
  let hidden: Awaited<ReturnType<typeof addHiddenThings>>
  beforeAll(async () => {
    blog = await buildTestApp()
    hidden = await addHiddenThings(blog)
  })
  afterAll(() => blog.close())

  const get = (url: string) => blog.app.inject(url)

  it('serves the blog feed as RSS 2.0 with every required element, exactly the visible posts', async () => {
    const res = await get('/feed.rss')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8')
    const doc = parseXml(res.body)
    const items = checkRss(doc)
    expect(doc.rss.channel.link).toBe('http://blog.test/')
    expect(doc.rss.channel['atom:link']['@_href']).toBe('http://blog.test/feed.rss')
    expect(items.map((i) => i.title)).toEqual(await visiblePostTitles(blog))
    const seed = items.find((i) => i.title === SEED_TITLE)
    expect(seed.link).toBe(`http://blog.test${SEED_PATH}`)
    expect(seed.pubDate).toBe('Sun, 01 Oct 2017 17:08:00 GMT')
    // Full content, not an excerpt.
    expect(seed['content:encoded']).toContain("<h3>L'Armée Arabe Syrienne lance une contre-attaque pour reprendre la ville</h3>")
    expect(seed['content:encoded']).toContain('quelques dizaines de jihadistes mal armés')
    expect(seed['dc:creator']).toBe('Jean René Belliard')
    expect(seed.category).toContain('Al-Qaryatayn')
    expect(res.body).not.toContain('cachée')
    expect(res.body).not.toContain('Brouillon')
  })

  it('serves the blog feed as Atom 1.0 with every required element, exactly the visible posts', async () => {
    const res = await get('/feed.atom')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8')
    const entries = checkAtom(parseXml(res.body))
    expect(entries.map((e) => atomTitle(e))).toEqual(await visiblePostTitles(blog))
    const seed = entries.find((e) => atomTitle(e) === SEED_TITLE)
    expect(seed.link[0]['@_href']).toBe(`http://blog.test${SEED_PATH}`)
    expect(seed.published).toBe('2017-10-01T17:08:00.000Z')
    expect(seed.content['#text']).toContain('quelques dizaines de jihadistes mal armés')
    // The feed's own date is its newest entry's.
    const newest = Math.max(...entries.map((e) => Date.parse(e.updated)))
    expect(Date.parse(parseXml(res.body).feed.updated)).toBe(newest)
  })

  it("keeps a post's id when the post is edited", async () => {
    const before = parseXml((await get('/feed.atom')).body).feed.entry
    const beforeRss = parseXml((await get('/feed.rss')).body).rss.channel.item
    const seedBefore = before.find((e: any) => atomTitle(e) === SEED_TITLE)
    const guidBefore = beforeRss.find((i: any) => i.title === SEED_TITLE).guid['#text']
    await blog.app.db
      .updateTable('posts')
      .set({ title: 'Titre corrigé', updated_at: '2031-01-01T00:00:00.000Z' })
      .where('id', '=', hidden.seedId)
      .execute()
    try {
      const after = parseXml((await get('/feed.atom')).body).feed.entry.find((e: any) => atomTitle(e) === 'Titre corrigé')
      expect(after.id).toBe(seedBefore.id)
      expect(after.updated).toBe('2031-01-01T00:00:00.000Z')
      expect(after.published).toBe(seedBefore.published)
      const afterRss = parseXml((await get('/feed.rss')).body).rss.channel.item.find((i: any) => i.title === 'Titre corrigé')
      expect(afterRss.guid['#text']).toBe(guidBefore)
      // Ids are unique.
      const ids = before.map((e: any) => e.id)
      expect(new Set(ids).size).toBe(ids.length)
    } finally {
      await blog.app.db.updateTable('posts').set({ title: SEED_TITLE }).where('id', '=', hidden.seedId).execute()
    }
  })

  it("serves a category's feeds with only that category's visible posts", async () => {
    const rss = await get('/category/syrie/feed.rss')
    expect(rss.statusCode).toBe(200)
    const items = checkRss(parseXml(rss.body))
    const expected = await visiblePostTitles(blog, 'syrie')
    expect(expected.length).toBeGreaterThan(1)
    expect(items.map((i) => i.title)).toEqual(expected)
    const atom = await get('/category/syrie/feed.atom')
    const doc = parseXml(atom.body)
    expect(checkAtom(doc).map((e) => atomTitle(e))).toEqual(expected)
    expect(doc.feed.link.find((l: any) => l['@_rel'] === 'self')['@_href']).toBe('http://blog.test/category/syrie/feed.atom')
    expect(doc.feed.link.find((l: any) => l['@_rel'] === 'alternate')['@_href']).toBe('http://blog.test/category/syrie')
    expect((await get('/category/nope/feed.rss')).statusCode).toBe(404)
  })

  it('serves the comments feeds with exactly the approved comments on visible posts', async () => {
    const expected = await blog.app.db
      .selectFrom('comments as c')
      .innerJoin('posts as p', 'p.id', 'c.post_id')
      .select(['c.id', 'c.author_name'])
      .where('c.status', '=', 'approved')
      .where('p.status', '=', 'published')
      .where('p.published_at', '<=', new Date().toISOString())
      .orderBy('c.created_at', 'desc')
      .orderBy('c.id', 'desc')
      .execute()
    expect(expected.length).toBeGreaterThan(2)
    const rss = await get('/comments/feed.rss')
    expect(rss.headers['content-type']).toBe('application/rss+xml; charset=utf-8')
    const items = checkRss(parseXml(rss.body))
    expect(items.map((i) => i['dc:creator'])).toEqual(expected.map((c) => c.author_name))
    expect(items.map((i) => i.guid['#text'].replace(/.*:comment-/, ''))).toEqual(expected.map((c) => String(c.id)))
    const atom = checkAtom(parseXml((await get('/comments/feed.atom')).body))
    expect(atom.map((e) => e.author.name)).toEqual(expected.map((c) => c.author_name))
    for (const body of [rss.body]) {
      expect(body).not.toContain('Commentaire en attente')
      expect(body).not.toContain('Indésirable')
      expect(body).not.toContain('Sur un brouillon')
      expect(body).not.toContain('Sur une note programmée')
    }
    // Each comment links to its anchor on the post page.
    const daniel = items.find((i) => i['dc:creator'] === 'Daniel')
    expect(daniel.link).toMatch(new RegExp(`^http://blog\\.test${SEED_PATH.replace(/\./g, '\\.')}#comment-\\d+$`))
  })

  it("serves a post's comment feeds beside its permalink, and nothing for a post readers cannot see", async () => {
    const rss = await get(`${SEED_COMMENTS_FEED}.rss`)
    expect(rss.statusCode).toBe(200)
    const items = checkRss(parseXml(rss.body))
    expect(items.map((i) => i['dc:creator'])).toEqual(['Belliard', 'Daniel'])
    expect(items[1].pubDate).toBe('Tue, 03 Oct 2017 07:41:00 GMT')
    const atom = await get(`${SEED_COMMENTS_FEED}.atom`)
    const entries = checkAtom(parseXml(atom.body))
    expect(entries.map((e) => e.author.name)).toEqual(['Belliard', 'Daniel'])
    expect(entries[1].published).toBe('2017-10-03T07:41:00.000Z')
    // Comments are rendered as on the page: escaped text, links that search engines do not follow.
    expect(entries[1].content['#text']).toContain('rel="nofollow ugc noopener"')
    // A wrong date in the address goes to the right one, as for the post itself.
    const wrong = await get(SEED_COMMENTS_FEED.replace('/2017/10/01/', '/2017/10/02/') + '.rss')
    expect(wrong.statusCode).toBe(301)
    expect(wrong.headers.location).toBe(`${SEED_COMMENTS_FEED}.rss`)
    expect((await get('/archive/2999/01/01/note-programmee-cachee/comments.rss')).statusCode).toBe(404)
    expect((await get('/archive/draft/01/01/brouillon-cache/comments.rss')).statusCode).toBe(404)
    expect((await get(`/archive/2017/10/01/${hidden.draft.slug}/comments.atom`)).statusCode).toBe(404)
  })

  it('advertises the feeds in the head of every page, with the category or post feeds where they belong', async () => {
    const alternates = (html: string) =>
      [...html.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">/g)].map((m) => `${m[1]} ${m[2]}`)
    const home = alternates((await get('/')).body)
    expect(home).toContain('application/rss+xml http://blog.test/feed.rss')
    expect(home).toContain('application/atom+xml http://blog.test/feed.atom')
    expect(home).toContain('application/rss+xml http://blog.test/comments/feed.rss')
    const category = alternates((await get('/category/syrie')).body)
    expect(category).toContain('application/rss+xml http://blog.test/category/syrie/feed.rss')
    expect(category).toContain('application/atom+xml http://blog.test/category/syrie/feed.atom')
    const post = alternates((await get(SEED_PATH)).body)
    expect(post).toContain(`application/rss+xml http://blog.test${SEED_COMMENTS_FEED}.rss`)
    expect(post).toContain(`application/atom+xml http://blog.test${SEED_COMMENTS_FEED}.atom`)
    expect(post).toContain('application/rss+xml http://blog.test/feed.rss')
    // Every advertised feed answers.
    for (const line of [...home, ...category, ...post]) {
      const href = line.split(' ')[1]!.replace('http://blog.test', '')
      expect((await get(href)).statusCode, href).toBe(200)
    }
  })
})

describe('feeds with many posts and awkward text', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    for (let i = 1; i <= 25; i++) {
      await createPost(blog.app.db, {
        title: `Note ${i}`,
        body: `Texte ${i}.`,
        status: 'published',
        publishedAt: `2020-01-${String(i).padStart(2, '0')}T10:00:00.000Z`,
      })
    }
    await createPost(blog.app.db, {
      title: 'A < B & "C" ]]> \u0001 fin',
      body: 'Du code : `a]]>b` et encore `]]>` ; un caractère de contrôle \u0002 ici.',
      status: 'published',
      publishedAt: '2020-02-01T10:00:00.000Z',
      categories: ['<Chevrons> & Co'],
    })
  })
  afterAll(() => blog.close())

  it('keeps the newest 20 items', async () => {
    const items = checkRss(parseXml((await blog.app.inject('/feed.rss')).body))
    expect(items).toHaveLength(20)
    expect(items[1].title).toBe('Note 25')
    expect(items[19].title).toBe('Note 7')
    expect(checkAtom(parseXml((await blog.app.inject('/feed.atom')).body))).toHaveLength(20)
  })

  it('stays well-formed XML whatever the text, and gives the text back intact', async () => {
    const rss = parseXml((await blog.app.inject('/feed.rss')).body).rss.channel.item[0]
    expect(titleText(rss.title)).toBe('A < B & "C" ]]>  fin')
    expect(rss['content:encoded']).toContain('<code>a]]&gt;b</code>')
    const atom = parseXml((await blog.app.inject('/feed.atom')).body).feed.entry[0]
    // Atom titles are HTML: escaped once, so a reader shows the original text.
    expect(atom.title['#text']).toBe('A &lt; B &amp; &quot;C&quot; ]]&gt;  fin')
    expect(atom.content['#text']).toContain('<code>]]&gt;</code>')
  })

  it('serves an empty feed for a blog without posts', async () => {
    const empty = await buildTestApp({ demo: false })
    try {
      expect(checkRss(parseXml((await empty.app.inject('/feed.rss')).body))).toHaveLength(0)
      expect(checkAtom(parseXml((await empty.app.inject('/feed.atom')).body))).toHaveLength(0)
      expect(checkAtom(parseXml((await empty.app.inject('/comments/feed.atom')).body))).toHaveLength(0)
    } finally {
      await empty.close()
    }
  })
})

const ZOE = 'Zoë <b>Tester</b>'
const PERMALINK = 'http://blog.test/archive/2020/03/01/adresses.html'

describe('feeds carry absolute addresses, plain-text titles and their language', () => {
  let blog: TestBlog
  let postId: number
  let category: string
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    const db = blog.app.db
    await blog.app.settings.update({ title: `${ZOE} & Co` })
    // What authors write: addresses from the root, from the page, to a fragment, elsewhere, by e-mail.
    const post = await createPost(db, {
      title: ZOE,
      slug: 'adresses',
      body: [
        '[Archive](/archive/2017/10/01/autre.html), [voisine](./voisine.html), [nue](voisine-nue.html),',
        '[plus haut](../../), [note](#note), [ailleurs](https://example.org/a?b=1&c=2), [courriel](mailto:zoe@example.org).',
        '',
        '![Photo](/static/photo.jpg "Photo")',
      ].join('\n'),
      status: 'published',
      publishedAt: '2020-03-01T10:00:00.000Z',
      categories: [ZOE],
    })
    postId = post.id
    category = (await db.selectFrom('categories').select('slug').executeTakeFirstOrThrow()).slug
    await db
      .insertInto('comments')
      .values({
        post_id: postId,
        author_name: ZOE,
        body: 'Voir https://example.org/x et /archive/ici.',
        status: 'approved',
        created_at: '2020-03-02T10:00:00.000Z',
      })
      .execute()
  })
  afterAll(() => blog.close())

  const get = (url: string) => blog.app.inject(url)
  const postFeed = (f: string) => `/archive/2020/03/01/adresses/comments.${f}`
  const ALL_FEEDS = () =>
    ['/feed', `/category/${category}/feed`, '/comments/feed', '/archive/2020/03/01/adresses/comments'].flatMap((p) => [
      `${p}.rss`,
      `${p}.atom`,
    ])

  it("makes every address in a post's content absolute from SITE_URL, in RSS and Atom", async () => {
    const rss = checkRss(parseXml((await get('/feed.rss')).body))[0]['content:encoded'] as string
    const atom = String(checkAtom(parseXml((await get('/feed.atom')).body))[0].content['#text'])
    for (const content of [rss, atom]) {
      expect(addressesIn(content)).toEqual([
        'http://blog.test/archive/2017/10/01/autre.html',
        'http://blog.test/archive/2020/03/01/voisine.html',
        'http://blog.test/archive/2020/03/01/voisine-nue.html',
        'http://blog.test/archive/2020/',
        `${PERMALINK}#note`,
        'https://example.org/a?b=1&c=2',
        'mailto:zoe@example.org',
        'http://blog.test/static/photo.jpg',
      ])
    }
  })

  it('resolves srcset, poster, cite and protocol-relative addresses, and drops javascript: and data:', async () => {
    // HTML the sanitizer may let through one day (or let through before): the feed does not depend on it.
    const stored = await blog.app.db.selectFrom('posts').select('body_html').where('id', '=', postId).executeTakeFirstOrThrow()
    await blog.app.db
      .updateTable('posts')
      .set({
        body_html: [
          '<p><a href="//cdn.example.net/x">cdn</a> <a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(2)">js2</a></p>',
          '<img src="data:image/png;base64,AAAA" alt="data"><img src="/a.png" srcset="/a.png 1x, b.png 2x, javascript:x 3x" alt="set">',
          '<video poster="/poster.jpg" src="film.mp4"><source src="/film.webm" type="video/webm"></video>',
          '<blockquote cite="/source.html"><p>Cité</p></blockquote>',
        ].join(''),
      })
      .where('id', '=', postId)
      .execute()
    try {
      const rss = (await get('/feed.rss')).body
      const content = checkRss(parseXml(rss))[0]['content:encoded'] as string
      expect(addressesIn(content)).toEqual([
        'http://cdn.example.net/x',
        'http://blog.test/a.png',
        'http://blog.test/a.png',
        'http://blog.test/archive/2020/03/01/b.png',
        'http://blog.test/poster.jpg',
        'http://blog.test/archive/2020/03/01/film.mp4',
        'http://blog.test/film.webm',
        'http://blog.test/source.html',
      ])
      // The links lose their address, not their text.
      expect(content).toContain('<a>js</a>')
      expect(rss.toLowerCase()).not.toContain('javascript:')
      expect(rss).not.toContain('data:image')
      expect(checkAtom(parseXml((await get('/feed.atom')).body))).toHaveLength(1)
    } finally {
      await blog.app.db.updateTable('posts').set({ body_html: stored.body_html }).where('id', '=', postId).execute()
    }
  })

  it('has only absolute addresses in the content of every feed', async () => {
    for (const url of ALL_FEEDS()) {
      const res = await get(url)
      expect(res.statusCode, url).toBe(200)
      const doc = parseXml(res.body)
      // checkRss / checkAtom assert it for every item.
      const entries = url.endsWith('.rss') ? checkRss(doc) : checkAtom(doc)
      expect(entries.length, url).toBeGreaterThan(0)
    }
  })

  it('takes addresses from the root from SITE_URL even when it has a path', async () => {
    const sub = await buildTestApp({ demo: false, env: { SITE_URL: 'http://blog.test/carnet' } })
    try {
      await createPost(sub.app.db, {
        title: 'Sous-dossier',
        slug: 's',
        body: '[a](/archive/x.html) [b](b.html) ![c](/static/c.png)',
        status: 'published',
        publishedAt: '2020-03-01T10:00:00.000Z',
      })
      const item = checkRss(parseXml((await sub.app.inject('/feed.rss')).body))[0]
      expect(item.link).toBe('http://blog.test/carnet/archive/2020/03/01/s.html')
      expect(addressesIn(item['content:encoded'])).toEqual([
        'http://blog.test/carnet/archive/x.html',
        'http://blog.test/carnet/archive/2020/03/01/b.html',
        'http://blog.test/carnet/static/c.png',
      ])
    } finally {
      await sub.close()
    }
  })

  it('writes titles as text in RSS as in Atom: post titles, names, the blog title, category names', async () => {
    const blogTitle = `${ZOE} & Co`
    const expected: Record<string, { channel: string; item: string }> = {
      '/feed': { channel: blogTitle, item: ZOE },
      [`/category/${category}/feed`]: { channel: `${blogTitle} – Catégorie : ${ZOE}`, item: ZOE },
      '/comments/feed': { channel: `${blogTitle} – Commentaires`, item: `${ZOE} sur « ${ZOE} »` },
      '/archive/2020/03/01/adresses/comments': { channel: `Commentaires sur « ${ZOE} »`, item: `${ZOE} sur « ${ZOE} »` },
    }
    for (const [path, want] of Object.entries(expected)) {
      const rss = (await get(`${path}.rss`)).body
      const channel = parseXml(rss).rss.channel
      // titleText() fails on any markup a reader could render.
      expect(titleText(channel.title), path).toBe(want.channel)
      expect(titleText(checkRss(parseXml(rss))[0].title), path).toBe(want.item)
      expect(rss, path).not.toContain('<b>')
      const atom = parseXml((await get(`${path}.atom`)).body).feed
      expect(String(atom.title), path).toBe(want.channel)
      expect(atomTitle(checkAtom({ feed: atom })[0]), path).toBe(want.item)
    }
    // The RSS category element and the author are plain text too.
    const item = checkRss(parseXml((await get('/feed.rss')).body))[0]
    expect(item.category).toEqual([ZOE])
  })

  it("says the feed's language on Atom's <feed> as RSS does in <language>, and follows the setting", async () => {
    for (const url of ALL_FEEDS()) {
      const doc = parseXml((await get(url)).body)
      if (url.endsWith('.atom')) expect(doc.feed['@_xml:lang'], url).toBe('fr')
      else expect(doc.rss.channel.language, url).toBe('fr')
    }
    await blog.app.settings.update({ language: 'en' })
    try {
      expect(parseXml((await get('/feed.atom')).body).feed['@_xml:lang']).toBe('en')
      expect(parseXml((await get(postFeed('atom'))).body).feed['@_xml:lang']).toBe('en')
      expect(parseXml((await get('/feed.rss')).body).rss.channel.language).toBe('en')
    } finally {
      await blog.app.settings.update({ language: 'fr' })
    }
  })
})
