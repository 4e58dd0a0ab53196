// Carnet's own pages as other sites read them: parsed with microformats-parser (what a webmention receiver, a
// reader or an IndieWeb tool does), a post is an h-entry with its name, content, address, dates, author's
// h-card and categories; its comments are h-entries in reply to it (or to the comment they answer), each with its
// author's h-card; the home page is an h-feed of h-entries; the blog has a representative h-card. The markup stays
// valid HTML (html-validate), the webmention pages too.
import { resolve } from 'node:path'
import { mf2 } from 'microformats-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { buildTestApp, SITE_URL, type TestBlog } from '../helpers/app.ts'

type Item = ReturnType<typeof mf2>['items'][number]
const props = (item: Item | undefined) => item?.properties ?? {}
const cardOf = (value: unknown) => (value as Item).properties

// Carnet's look and the shipped classic theme, whose overrides (a comment, a post's metadata, the header) carry
// the same classes.
const THEMES: Array<[string, Record<string, string>]> = [
  ['Carnet’s look', {}],
  ['the classic theme', { THEME_DIR: resolve(import.meta.dirname, '../../themes/classic') }],
]

describe.each(THEMES)('microformats2 on Carnet’s pages (%s)', (_name, env) => {
  let blog: TestBlog
  let path: string
  let url: string
  let first: number
  let second: number

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, env })
    const { app } = blog
    expect(await createUser(app.db, 'zoe', 'correct horse battery')).toBe(true)
    const user = await app.db.selectFrom('users').select('id').where('username', '=', 'zoe').executeTakeFirstOrThrow()
    await app.db.updateTable('users').set({ display_name: 'Zoé Lambert', slug: 'zoe-lambert' }).where('id', '=', user.id).execute()
    await app.settings.update({ bylines: 'always' })
    const post = await createPost(app.db, {
      title: 'Arrivée à Palmyre',
      body: 'Les **colonnes** au soleil.',
      status: 'published',
      publishedAt: '2026-11-20T08:30:00.000Z',
      categories: ['Voyages'],
      tags: ['Syrie'],
      authorId: user.id,
    })
    await app.db.updateTable('posts').set({ updated_at: '2026-11-21T09:00:00.000Z' }).where('id', '=', post.id).execute()
    path = postPath({ slug: post.slug, published_at: '2026-11-20T08:30:00.000Z' }, app.settings.get().timezone)
    url = SITE_URL + path
    const comment = (values: { parent_id?: number; author_name: string; author_url: string | null; body: string; created_at: string }) =>
      app.db
        .insertInto('comments')
        .values({ post_id: post.id, parent_id: null, author_email: null, status: 'approved', ip: null, body_key: null, ...values })
        .returning('id')
        .executeTakeFirstOrThrow()
    first = (
      await comment({ author_name: 'Marc', author_url: 'https://marc.example/', body: 'Superbe.', created_at: '2026-11-22T10:00:00.000Z' })
    ).id
    second = (
      await comment({
        parent_id: first,
        author_name: 'Léa',
        author_url: null,
        body: 'Je confirme.',
        created_at: '2026-11-22T11:00:00.000Z',
      })
    ).id
    await createPost(app.db, { title: 'À propos', body: 'Qui écrit ici.', status: 'published', kind: 'page', slug: 'a-propos' })
  })
  afterAll(() => blog.close())

  const page = async (p: string) => {
    const res = await blog.app.inject({ url: p })
    expect(res.statusCode, p).toBe(200)
    expect(await htmlErrors(res.body, p), p).toEqual([])
    return { html: res.body, items: mf2(res.body, { baseUrl: SITE_URL + p }).items }
  }

  it('a post: h-entry with p-name, e-content, u-url, dt-published, dt-updated, p-author h-card, p-category', async () => {
    const { items } = await page(path)
    const entries = items.filter((i) => i.type?.includes('h-entry'))
    const post = props(entries[0])
    expect(post.name).toEqual(['Arrivée à Palmyre'])
    expect(post.url).toEqual([url])
    expect(post.uid).toEqual([url])
    expect(post.published).toEqual(['2026-11-20T08:30:00.000Z'])
    expect(post.updated).toEqual(['2026-11-21T09:00:00.000Z'])
    expect((post.content![0] as { html: string }).html).toContain('<strong>colonnes</strong>')
    expect(post.category).toEqual(['Syrie', 'Voyages'])
    expect(cardOf(post.author![0])).toMatchObject({ name: ['Zoé Lambert'], url: [`${SITE_URL}/author/zoe-lambert`] })
  })

  it('its comments: h-entries in reply to the post, with their permanent address and their authors’ h-cards', async () => {
    const { items } = await page(path)
    const comments = items.filter((i) => i.type?.includes('h-entry')).slice(1)
    expect(comments).toHaveLength(2)
    const [marc, lea] = comments.map(props)
    expect(marc!['in-reply-to']).toEqual([url])
    // Its permanent address (/comment/<id> leads to the page of the thread that holds it).
    expect(marc!.url).toEqual([`${SITE_URL}/comment/${first}`])
    expect(marc!.published).toEqual(['2026-11-22T10:00:00.000Z'])
    expect((marc!.content![0] as { value: string }).value).toBe('Superbe.')
    expect(cardOf(marc!.author![0])).toMatchObject({ name: ['Marc'], url: ['https://marc.example/'] })
    // Shown under Marc's: in reply to the post, as every comment of its thread.
    expect(lea!['in-reply-to']).toEqual([url])
    expect(lea!.url).toEqual([`${SITE_URL}/comment/${second}`])
    expect(cardOf(lea!.author![0])).toMatchObject({ name: ['Léa'] })
  })

  it('the home page: an h-feed of h-entries; the blog’s representative h-card', async () => {
    const { items } = await page('/')
    const feed = items.find((i) => i.type?.includes('h-feed'))
    expect(feed).toBeDefined()
    const entries = (feed!.children ?? []).filter((i) => i.type?.includes('h-entry'))
    expect(entries.map((e) => props(e).name)).toEqual([['Arrivée à Palmyre']])
    expect(props(entries[0])).toMatchObject({
      url: [url],
      published: ['2026-11-20T08:30:00.000Z'],
      summary: [expect.stringContaining('colonnes')],
    })
    const card = items.find((i) => i.type?.includes('h-card'))
    expect(props(card)).toMatchObject({ name: ['Carnet'], url: [`${SITE_URL}/`] })
  })

  it('a static page: an h-entry with its name and content', async () => {
    const { items } = await page('/a-propos.html')
    expect(props(items.find((i) => i.type?.includes('h-entry')))).toMatchObject({ name: ['À propos'] })
  })

  it('the webmention status page and the admin’s lists are valid HTML', async () => {
    const res = await blog.app.inject({
      method: 'POST',
      url: '/webmention',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ source: 'https://ailleurs.example/note/1', target: url }).toString(),
    })
    expect(res.statusCode).toBe(202)
    const status = await blog.app.inject({ url: new URL(res.headers.location as string).pathname })
    expect(await htmlErrors(status.body, 'status'), 'status').toEqual([])
    await blog.app.db
      .insertInto('webmention_sends')
      .values({
        post_id: 1,
        source: url,
        target: 'https://ailleurs.example/x',
        endpoint: 'https://ailleurs.example/wm',
        state: 'sent',
        status_code: 201,
        answer: 'https://ailleurs.example/wm/1',
        created_at: '2026-11-22T10:00:00.000Z',
        sent_at: '2026-11-22T10:00:00.000Z',
      })
      .execute()
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    for (const p of ['/admin/webmentions', '/admin/webmentions/sent']) {
      const list = await admin.get(p)
      expect(list.statusCode, p).toBe(200)
      expect(await htmlErrors(list.body, p), p).toEqual([])
      expect(list.body).toContain('ailleurs.example')
    }
  })
})
