// Authors in public: each post's byline names its writer, linked to their page (an h-card); the page shows their
// bio, portrait and posts, paged, with their own RSS and Atom feeds; JSON-LD names them. Bylines show once two
// writers have published (the bylines setting: auto, always, never). Writers' rights over posts in the editor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { allSitemapUrls, atomTitle, checkAtom, checkRss, parseXml, titleText } from '../helpers/feeds.ts'
import { createUser } from '../../src/admin/users.ts'
import { createPost } from '../../src/content/posts.write.ts'

const PASSWORD = 'correct horse battery'
const get = (blog: TestBlog, url: string) => blog.app.inject({ method: 'GET', url })

describe('authors in public', () => {
  let blog: TestBlog
  let zoeId = 0
  let hugoId = 0
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createUser(blog.app.db, 'zoe', PASSWORD)
    await createUser(blog.app.db, 'hugo', PASSWORD, 'author')
    const ids = await blog.app.db.selectFrom('users').select(['id', 'username']).execute()
    zoeId = ids.find((u) => u.username === 'zoe')!.id
    hugoId = ids.find((u) => u.username === 'hugo')!.id
    await blog.app.db
      .updateTable('users')
      .set({ display_name: 'Zoé Lambert', slug: 'zoe-lambert', bio: 'Journaliste à Beyrouth.' })
      .where('id', '=', zoeId)
      .execute()
    await blog.app.db.updateTable('users').set({ display_name: 'Hugo', slug: 'hugo' }).where('id', '=', hugoId).execute()
    const day = (n: number) => new Date(Date.UTC(2026, 0, n, 12)).toISOString()
    for (let n = 1; n <= 12; n++) {
      await createPost(blog.app.db, { title: `Note de Zoé ${n}`, body: 'texte', status: 'published', publishedAt: day(n), authorId: zoeId })
    }
  })
  afterAll(() => blog.close())

  it('hides the byline while one writer has published (auto), shows it from the second', async () => {
    const home = await get(blog, '/')
    expect(home.body).not.toContain('rel="author"')
    // The post's metadata line is as before: time, categories, links.
    expect(home.body).toMatch(/<p class="post-footer">\d{2}:\d{2} \| <a href="[^"]+#comments">/)
    await createPost(blog.app.db, {
      title: 'Note de Hugo',
      body: 'texte',
      status: 'published',
      publishedAt: new Date(Date.UTC(2026, 0, 20)).toISOString(),
      authorId: hugoId,
    })
    const after = await get(blog, '/')
    expect(after.body).toContain(
      'par <span class="p-author h-card"><a class="p-name u-url" href="/author/zoe-lambert" rel="author" dir="auto">Zoé Lambert</a></span>',
    )
    expect(after.body).toContain('href="/author/hugo" rel="author" dir="auto">Hugo</a>')
  })

  it('lists the authors’ pages in the sitemap (a sitemap of their own), with their newest post’s change', async () => {
    const index = await get(blog, '/sitemap.xml')
    expect(index.body).toContain('<loc>http://blog.test/sitemap-authors-1.xml</loc>')
    const urls = await allSitemapUrls(blog.app)
    const zoe = urls.find((u) => u.loc === 'http://blog.test/author/zoe-lambert')
    // Her newest post's publication or last edit (these were written today, dated January).
    expect(zoe!.lastmod >= '2026-01-12T12:00:00Z').toBe(true)
    expect(urls.some((u) => u.loc === 'http://blog.test/author/hugo')).toBe(true)
  })

  it('the post page: byline, h-card and a JSON-LD Person with the writer’s page', async () => {
    const list = await get(blog, '/author/hugo')
    const url = /<h2 class="post-title"><a class="p-name u-url" href="([^"]+)"/.exec(list.body)![1]!
    const page = await get(blog, url)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(
      '<span class="p-author h-card"><a class="p-name u-url" href="/author/hugo" rel="author" dir="auto">Hugo</a></span>',
    )
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(page.body)![1]!)
    expect(ld.author).toEqual({ '@type': 'Person', name: 'Hugo', url: 'http://blog.test/author/hugo' })
  })

  it('the author page: bio, h-card, posts paged, its feeds advertised', async () => {
    const page = await get(blog, '/author/zoe-lambert')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<h1 class="page-heading">Notes de Zoé Lambert</h1>')
    expect(page.body).toContain('<p class="p-note author-bio" dir="auto">Journaliste à Beyrouth.</p>')
    expect(page.body).toContain('class="author-card h-card"')
    expect(page.body).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Notes de Zoé Lambert (RSS)" href="http://blog.test/author/zoe-lambert/feed.rss">',
    )
    // Only hers (the sidebar's recent posts name Hugo's).
    const titles = [...page.body.matchAll(/<h2 class="post-title"><a class="p-name u-url" href="[^"]+" dir="auto">([^<]+)</g)].map(
      (m) => m[1],
    )
    expect(titles.every((t) => t!.startsWith('Note de Zoé'))).toBe(true)
    expect((page.body.match(/class="post post-summary h-entry"/g) ?? []).length).toBe(10)
    const second = await get(blog, '/author/zoe-lambert?page=2')
    expect(second.statusCode).toBe(200)
    expect((second.body.match(/class="post post-summary h-entry"/g) ?? []).length).toBe(2)
    expect(second.body).toContain('Note de Zoé 1<')
    expect((await get(blog, '/author/zoe-lambert?page=3')).statusCode).toBe(404)
    expect((await get(blog, '/author/nobody')).statusCode).toBe(404)
  })

  it('a portrait from the media library', async () => {
    const media = await blog.app.db
      .insertInto('media')
      .values({
        hash: 'b'.repeat(32),
        name: `${'b'.repeat(32)}-300x400.jpg`,
        type: 'image/jpeg',
        width: 300,
        height: 400,
        bytes: 1,
        created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const zoe = new AdminClient(blog.app)
    await zoe.signIn('zoe', PASSWORD)
    const account = await zoe.get('/admin/account')
    expect(account.body).toContain(`<option value="${media.id}">`)
    const bad = await zoe.post('/admin/account/profile', {
      displayName: 'Zoé Lambert',
      slug: 'hugo',
      bio: 'Journaliste à Beyrouth.',
      portrait: '999',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('id="slug-error"')
    expect(bad.body).toContain('id="portrait-error"')
    expect(bad.body).toContain('value="hugo"')
    const ok = await zoe.post('/admin/account/profile', {
      displayName: 'Zoé Lambert',
      slug: 'zoe-lambert',
      bio: 'Journaliste à Beyrouth.',
      portrait: String(media.id),
    })
    expect(ok.statusCode).toBe(303)
    const page = await get(blog, '/author/zoe-lambert')
    expect(page.body).toContain(
      `<img class="u-photo author-portrait" src="/media/${'b'.repeat(32)}-300x400.jpg" width="300" height="400" alt="">`,
    )
  })

  it('RSS and Atom feeds of a writer’s posts only', async () => {
    const rss = await get(blog, '/author/zoe-lambert/feed.rss')
    expect(rss.statusCode).toBe(200)
    expect(rss.headers['content-type']).toContain('application/rss+xml')
    const items = checkRss(parseXml(rss.body))
    expect(items.map((i) => titleText(i.title))).toHaveLength(12)
    expect(items.every((i) => i['dc:creator'] === 'Zoé Lambert')).toBe(true)
    expect(titleText(parseXml(rss.body).rss.channel.title)).toBe('Carnet – Zoé Lambert')
    const atom = await get(blog, '/author/hugo/feed.atom')
    const entries = checkAtom(parseXml(atom.body))
    expect(entries.map(atomTitle)).toEqual(['Note de Hugo'])
    expect(entries[0].author).toEqual({ name: 'Hugo', uri: 'http://blog.test/author/hugo' })
    expect((await get(blog, '/author/nobody/feed.rss')).statusCode).toBe(404)
  })

  it('a renamed writer is renamed on cached pages at once', async () => {
    expect((await get(blog, '/author/hugo')).body).toContain('>Hugo</a>')
    await blog.app.db.updateTable('users').set({ display_name: 'Hugo Roux' }).where('id', '=', hugoId).execute()
    expect((await get(blog, '/')).body).toContain('rel="author" dir="auto">Hugo Roux</a>')
  })

  it('the bylines setting: never, always', async () => {
    await blog.app.settings.update({ bylines: 'never' })
    expect((await get(blog, '/')).body).not.toContain('rel="author"')
    await blog.app.settings.update({ bylines: 'always' })
    await blog.app.db.deleteFrom('posts').where('author_id', '=', hugoId).execute()
    expect((await get(blog, '/')).body).toContain('rel="author" dir="auto">Zoé Lambert</a>')
    await blog.app.settings.update({ bylines: 'auto' })
    expect((await get(blog, '/')).body).not.toContain('rel="author"')
  })
})

describe('writers and posts in the admin', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createUser(blog.app.db, 'olga', PASSWORD)
    await createUser(blog.app.db, 'eve', PASSWORD, 'editor')
    await createUser(blog.app.db, 'abel', PASSWORD, 'author')
    await createUser(blog.app.db, 'cleo', PASSWORD, 'contributor')
  })
  afterAll(() => blog.close())
  const client = async (name: string) => {
    const c = new AdminClient(blog.app)
    await c.signIn(name, PASSWORD)
    return c
  }
  const post = (title: string) => blog.app.db.selectFrom('posts').selectAll().where('title', '=', title).executeTakeFirstOrThrow()

  it('an author publishes their own posts and cannot open anyone else’s', async () => {
    const abel = await client('abel')
    await abel.get('/admin/posts/new')
    expect((await abel.post('/admin/posts', { title: 'Par Abel', body: 'texte', action: 'publish' })).statusCode).toBe(303)
    const mine = await post('Par Abel')
    expect(mine.status).toBe('published')
    const olga = await client('olga')
    await olga.get('/admin/posts/new')
    await olga.post('/admin/posts', { title: 'Par Olga', body: 'texte', action: 'draft' })
    const hers = await post('Par Olga')
    expect((await abel.get(`/admin/posts/${hers.id}`)).statusCode).toBe(403)
    expect((await abel.post(`/admin/posts/${hers.id}`, { title: 'Volé', body: 'x', action: 'publish' })).statusCode).toBe(403)
    expect((await abel.post(`/admin/posts/${hers.id}/delete`)).statusCode).toBe(403)
    expect((await post('Par Olga')).title).toBe('Par Olga')
    const list = await abel.get('/admin/posts')
    expect(list.body).toContain('Par Abel')
    expect(list.body).not.toContain('Par Olga')
  })

  it('an author moderates the comments on their own posts only', async () => {
    const abelPost = await post('Par Abel')
    const olgaPost = await post('Par Olga')
    const comment = async (postId: number, body: string) =>
      (
        await blog.app.db
          .insertInto('comments')
          .values({ post_id: postId, parent_id: null, author_name: 'Lina', body, status: 'pending', created_at: new Date().toISOString() })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id
    const mine = await comment(abelPost.id, 'Sur la note d’Abel')
    const theirs = await comment(olgaPost.id, 'Sur la note d’Olga')
    const abel = await client('abel')
    const queue = await abel.get('/admin/comments?status=pending')
    expect(queue.statusCode).toBe(200)
    expect(queue.body).toContain('Sur la note d’Abel')
    expect(queue.body).not.toContain('Sur la note d’Olga')
    expect((await abel.get('/admin')).body).toContain('Commentaires (1)')
    expect((await abel.post('/admin/comments', { action: 'approve', 'ids[]': [String(mine), String(theirs)] })).statusCode).toBe(403)
    expect((await abel.post('/admin/comments', { row: `spam:${theirs}` })).statusCode).toBe(403)
    expect((await abel.get(`/admin/comments/${theirs}/answer`)).statusCode).toBe(403)
    expect((await abel.post(`/admin/comments/${theirs}/pin`)).statusCode).toBe(403)
    const status = async (id: number) =>
      (await blog.app.db.selectFrom('comments').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
    expect([await status(mine), await status(theirs)]).toEqual(['pending', 'pending'])
    expect((await abel.post('/admin/comments', { row: `approve:${mine}` })).statusCode).toBe(303)
    expect(await status(mine)).toBe('approved')
    // Bans reach every post: not an author's.
    expect((await abel.get('/admin/bans')).statusCode).toBe(403)
  })

  it('a contributor submits a draft for review; an editor sees it marked and publishes it; it stays the contributor’s', async () => {
    const cleo = await client('cleo')
    const editor = await cleo.get('/admin/posts/new')
    expect(editor.body).toContain('value="review"')
    // Signed with her own name, not the last post's signature (Abel's, Olga's).
    expect(editor.body).toContain('<input id="signature" name="signature" type="text" value="cleo"')
    expect(editor.body).not.toContain('value="publish"')
    expect(editor.body).not.toContain('id="images-fieldset"')
    // Even a forged "publish" only submits it: nothing typed is lost, nothing is published.
    expect((await cleo.post('/admin/posts', { title: 'Par Cléo', body: 'texte', action: 'publish' })).statusCode).toBe(303)
    const draft = await post('Par Cléo')
    expect(draft.status).toBe('draft')
    expect(draft.submitted_at).not.toBeNull()
    const eve = await client('eve')
    const list = await eve.get('/admin/posts')
    expect(list.body).toMatch(/Par Cléo[\s\S]*?Brouillon \(à relire\)/)
    const page = await eve.get(`/admin/posts/${draft.id}`)
    expect(page.body).toMatch(/<option value="\d+" selected>cleo<\/option>/)
    expect(
      (
        await eve.post(`/admin/posts/${draft.id}`, {
          title: 'Par Cléo',
          body: 'texte relu',
          action: 'publish',
          authorId: String(draft.author_id),
        })
      ).statusCode,
    ).toBe(303)
    const published = await post('Par Cléo')
    expect(published).toMatchObject({ status: 'published', submitted_at: null, author_id: draft.author_id })
    // Published, it is no longer the contributor's to change.
    expect((await cleo.get(`/admin/posts/${draft.id}`)).statusCode).toBe(403)
  })
})
