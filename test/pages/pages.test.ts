// Static pages: written in the admin like posts, answered at /<slug>.html, kept out of every list of posts, in the
// sitemap; a slug the blog's own routes use is refused beside the field, with everything typed kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { allSitemapUrls } from '../helpers/feeds.ts'

describe('static pages', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp({ demo: true })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog.close())

  const pageForm = (fields: Record<string, string>) => ({
    kind: 'page',
    title: '',
    slug: '',
    body: '',
    format: 'markdown',
    signature: '',
    publishedAt: '',
    action: 'publish',
    ...fields,
  })
  const row = (slug: string) => blog.app.db.selectFrom('posts').selectAll().where('slug', '=', slug).executeTakeFirst()

  it('offers a page editor without categories or labels, with comments off', async () => {
    const res = await admin.get('/admin/posts/new?kind=page')
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<input type="hidden" name="kind" value="page">')
    expect(res.body).not.toContain('name="categories[]"')
    expect(res.body).not.toContain('name="tags"')
    expect(res.body).toMatch(/<input type="checkbox" name="commentsOpen" value="1" aria-describedby="commentsOpen-help">/)
  })

  it('publishes a page at /<slug>.html, with its own title, description and canonical, and no comments', async () => {
    const res = await admin.post('/admin/posts', pageForm({ title: 'À propos', slug: 'about', body: 'Qui **écrit** ici, et pourquoi.' }))
    expect(res.statusCode, res.body).toBe(303)
    const stored = await row('about')
    expect(stored).toMatchObject({ kind: 'page', status: 'published', comments_open: 0 })
    const page = await blog.app.inject('/about.html')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<title>À propos</title>')
    expect(page.body).toContain('<meta name="description" content="Qui écrit ici, et pourquoi.">')
    expect(page.body).toContain('<link rel="canonical" href="http://blog.test/about.html">')
    // Link previews: a page of the blog, not a dated post.
    expect(page.body).toContain('<meta property="og:type" content="website">')
    expect(page.body).toContain('<meta property="og:url" content="http://blog.test/about.html">')
    expect(page.body).toContain('"@type":"WebPage"')
    expect(page.body).not.toContain('article:published_time')
    const main = visibleText(mainOf(page.body))
    expect(main).toContain('Qui écrit ici, et pourquoi.')
    // No date line, no neighbours, no comment section, no comment feed.
    expect(page.body).not.toContain('class="post-date"')
    expect(page.body).not.toContain('class="post-nav"')
    expect(page.body).not.toContain('id="comments"')
    expect(page.body).not.toContain('comments.rss')
  })

  it('keeps pages out of the home page, archives, categories, feeds, search, counts and the sidebar', async () => {
    await admin.post(
      '/admin/posts',
      pageForm({ title: 'Mentions légales', slug: 'mentions', body: 'Zanzibarmotunique hébergé chez nous.' }),
    )
    expect((await row('mentions'))?.kind).toBe('page')
    const home = await blog.app.inject('/')
    expect(home.body).not.toContain('Mentions légales')
    expect(home.body).not.toContain('/mentions.html')
    const now = new Date()
    const year = await blog.app.inject(`/archive/${now.getUTCFullYear()}/`)
    expect(year.body).not.toContain('Mentions légales')
    for (const feed of ['/feed.rss', '/feed.atom']) {
      const res = await blog.app.inject(feed)
      expect(res.statusCode).toBe(200)
      expect(res.body).not.toContain('Mentions légales')
    }
    const search = await blog.app.inject('/search?q=Zanzibarmotunique')
    expect(search.statusCode).toBe(200)
    expect(search.body).not.toContain('/mentions.html')
    // The home page's pager counts posts only: the demo's posts, as before the pages.
    const posts = await blog.app.db.selectFrom('posts').select('id').where('kind', '=', 'post').execute()
    expect(home.body).not.toContain('>Mentions')
    expect(posts.length).toBeGreaterThan(0)
  })

  it('lists pages in the sitemap with their address', async () => {
    // The index points to a sitemap of pages (src/feeds/sitemap.routes.ts).
    const index = await blog.app.inject('/sitemap.xml')
    expect(index.body).toContain('<loc>http://blog.test/sitemap-pages-1.xml</loc>')
    const locs = (await allSitemapUrls(blog.app)).map((u) => u.loc)
    expect(locs).toContain('http://blog.test/about.html')
    expect(locs).toContain('http://blog.test/mentions.html')
  })

  it('refuses a slug one of the blog’s own addresses uses, beside the field, keeping everything typed', async () => {
    for (const slug of ['sitemap', 'robots', 'feed', 'admin', 'archive', 'search', 'healthz', 'category', 'comment']) {
      const before = await blog.app.db.selectFrom('posts').select('id').execute()
      const res = await admin.post('/admin/posts', pageForm({ title: 'Mon plan', slug, body: 'Le texte tapé reste là.' }))
      expect(res.statusCode, slug).toBe(400)
      expect(res.body).toContain('id="slug-error"')
      expect(visibleText(res.body)).toContain(`« ${slug} » est déjà une adresse du blog lui-même`)
      expect(res.body).toContain('Le texte tapé reste là.')
      expect(res.body).toContain(`name="slug" type="text" value="${slug}"`)
      expect(res.body).toContain('<input type="hidden" name="kind" value="page">')
      expect((await blog.app.db.selectFrom('posts').select('id').execute()).length).toBe(before.length)
    }
  })

  it('refuses a title that makes a reserved slug, and a slug another page has', async () => {
    const reserved = await admin.post('/admin/posts', pageForm({ title: 'Search', body: 'x' }))
    expect(reserved.statusCode).toBe(400)
    expect(visibleText(reserved.body)).toContain('« search » est déjà une adresse du blog lui-même')
    const taken = await admin.post('/admin/posts', pageForm({ title: 'Autre', slug: 'about', body: 'x' }))
    expect(taken.statusCode).toBe(400)
    expect(visibleText(taken.body)).toContain('Une autre page ou note a déjà cette adresse')
  })

  it('opens comments on one page when asked, and takes a comment there', async () => {
    const res = await admin.post(
      '/admin/posts',
      pageForm({ title: 'Livre d’or', slug: 'livre-or', body: 'Laissez un mot.', commentsOpen: '1' }),
    )
    expect(res.statusCode).toBe(303)
    expect((await row('livre-or'))?.comments_open).toBe(1)
    const page = await blog.app.inject('/livre-or.html')
    expect(page.body).toContain('id="comments"')
    expect(page.body).toContain('action="/livre-or.html#respond"')
    const sent = await blog.app.inject({
      method: 'POST',
      url: '/livre-or.html',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://blog.test' },
      payload: new URLSearchParams({ author: 'Zoé', email: '', url: '', body: 'Bonjour à vous.' }).toString(),
    })
    expect(sent.statusCode, sent.body).toBe(303)
    expect(sent.headers.location).toMatch(/^\/livre-or\.html#comment-\d+$/)
    const after = await blog.app.inject('/livre-or.html')
    expect(visibleText(mainOf(after.body))).toContain('Bonjour à vous.')
    // The about page's comments stay off: a comment sent there anyway is refused.
    const closed = await blog.app.inject({
      method: 'POST',
      url: '/about.html',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://blog.test' },
      payload: new URLSearchParams({ author: 'Zoé', email: '', url: '', body: 'Et ici ?' }).toString(),
    })
    expect(closed.statusCode).toBe(403)
    // Closing them again from the editor.
    const id = (await row('livre-or'))!.id
    const edit = await admin.post(`/admin/posts/${id}`, pageForm({ title: 'Livre d’or', slug: 'livre-or', body: 'Laissez un mot.' }))
    expect(edit.statusCode).toBe(303)
    expect((await row('livre-or'))?.comments_open).toBe(0)
  })

  it('keeps a draft or scheduled page from readers, and lists pages apart in the admin', async () => {
    await admin.post('/admin/posts', pageForm({ title: 'Colophon', slug: 'colophon', body: 'Fait main.', action: 'draft' }))
    expect((await blog.app.inject('/colophon.html')).statusCode).toBe(404)
    const pages = await admin.get('/admin/pages')
    expect(pages.statusCode).toBe(200)
    const text = visibleText(pages.body)
    expect(text).toContain('Colophon')
    expect(text).toContain('À propos')
    const posts = await admin.get('/admin/posts')
    expect(visibleText(posts.body)).not.toContain('Colophon')
    expect(visibleText(posts.body)).not.toContain('À propos')
  })

  it('answers an unknown page 404 and a post’s slug at a page address with a 301 to the post', async () => {
    expect((await blog.app.inject('/nulle-part.html')).statusCode).toBe(404)
    const post = await blog.app.db
      .selectFrom('posts')
      .select('slug')
      .where('kind', '=', 'post')
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow()
    const res = await blog.app.inject(`/${post.slug}.html`)
    expect(res.statusCode).toBe(301)
    expect(res.headers.location).toMatch(/^\/archive\/\d{4}\/\d{2}\/\d{2}\//)
  })
})

describe('a page in every list’s way', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: true })
  })
  afterAll(() => blog.close())

  it('is left out of categories, month counts, recent posts and comments, neighbours and the comments feed', async () => {
    const { createPost } = await import('../../src/content/posts.write.ts')
    // The demo's October 2017 holds 3 posts in the sidebar; a page dated then, in a category, with a comment.
    const before = await blog.app.inject('/')
    const octoberCount = (html: string) => /href="\/archive\/2017\/10\/">Octobre 2017<\/a> <span class="count">\((\d+)\)/.exec(html)?.[1]
    expect(octoberCount(before.body)).toBe('3')
    const { id } = await createPost(blog.app.db, {
      kind: 'page',
      title: 'Page cachée des listes',
      slug: 'cachee',
      body: 'Texte.',
      status: 'published',
      publishedAt: '2017-10-15T10:00:00.000Z',
      categories: ['Syrie'],
      commentsOpen: true,
    })
    await blog.app.db
      .insertInto('comments')
      .values({ post_id: id, author_name: 'Visiteuse', body: 'Sur la page.', status: 'approved', created_at: new Date().toISOString() })
      .execute()
    const home = await blog.app.inject('/')
    expect(octoberCount(home.body)).toBe('3')
    expect(home.body).not.toContain('Page cachée des listes')
    expect(home.body).not.toContain('Visiteuse')
    const category = await blog.app.inject('/category/syrie')
    expect(category.body).not.toContain('Page cachée des listes')
    const month = await blog.app.inject('/archive/2017/10/')
    expect(month.body).not.toContain('Page cachée des listes')
    const comments = await blog.app.inject('/comments/feed.rss')
    expect(comments.body).not.toContain('Sur la page.')
    const sitemap = (await allSitemapUrls(blog.app)).map((u) => u.loc)
    expect(sitemap.filter((loc) => loc.endsWith('/cachee.html'))).toHaveLength(1)
    // A post published next to it does not lead to it.
    const neighbour = await blog.app.db
      .selectFrom('posts')
      .select(['slug', 'published_at'])
      .where('kind', '=', 'post')
      .where('published_at', '<', '2017-10-15')
      .orderBy('published_at', 'desc')
      .executeTakeFirstOrThrow()
    const { postPath } = await import('../../src/lib/urls.ts')
    const post = await blog.app.inject(postPath(neighbour, 'Europe/Paris'))
    expect(post.statusCode).toBe(200)
    expect(post.body).not.toContain('/cachee.html')
    // Its own page shows its comment, and the comment's address leads there.
    const page = await blog.app.inject('/cachee.html')
    expect(page.body).toContain('Sur la page.')
    const comment = await blog.app.db.selectFrom('comments').select('id').where('post_id', '=', id).executeTakeFirstOrThrow()
    const link = await blog.app.inject(`/comment/${comment.id}`)
    expect(link.headers.location).toBe(`/cachee.html#comment-${comment.id}`)
  })

  it('answers its old address with a 301 once renamed', async () => {
    const { createAdmin, signedIn } = await import('../helpers/admin.ts')
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const row = await blog.app.db.selectFrom('posts').select('id').where('slug', '=', 'cachee').executeTakeFirstOrThrow()
    const res = await admin.post(`/admin/posts/${row.id}`, {
      title: 'Page cachée des listes',
      slug: 'visible',
      body: 'Texte.',
      format: 'markdown',
      signature: '',
      publishedAt: '2017-10-15T12:00',
      action: 'publish',
      commentsOpen: '1',
    })
    expect(res.statusCode, res.body).toBe(303)
    const old = await blog.app.inject('/cachee.html')
    expect(old.statusCode).toBe(301)
    expect(old.headers.location).toBe('/visible.html')
  })
})

describe('a page whose slug a route took later (an imported one)', () => {
  it('keeps its address when edited, and may not take another route’s name', async () => {
    const blog = await buildTestApp({ demo: false })
    try {
      const { createPost } = await import('../../src/content/posts.write.ts')
      const { createAdmin, signedIn } = await import('../helpers/admin.ts')
      const { id } = await createPost(blog.app.db, { kind: 'page', title: 'Recherche', slug: 'search', body: 'x', status: 'published' })
      await createAdmin(blog.app)
      const admin = await signedIn(blog.app)
      const form = { title: 'Recherche', body: 'y', format: 'markdown', signature: '', publishedAt: '', action: 'publish' }
      expect((await admin.post(`/admin/posts/${id}`, { ...form, slug: 'search' })).statusCode).toBe(303)
      const moved = await admin.post(`/admin/posts/${id}`, { ...form, slug: 'feed' })
      expect(moved.statusCode).toBe(400)
      expect(visibleText(moved.body)).toContain('« feed » est déjà une adresse du blog lui-même')
    } finally {
      await blog.close()
    }
  })
})
