// Two Carnet blogs on loopback (127.0.0.2 and 127.0.0.3, real ports, each its own database) sending each other
// webmentions, the whole way: B publishes a post that links to A's, B's channel discovers A's endpoint and posts
// to it, A verifies B's page and keeps a mention; B's post written as a reply (u-in-reply-to) becomes a comment
// under A's post, with B's writer's name, after moderation; B edits it, A updates it; B deletes it, A removes it.
// Both admins see what was sent and received.
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mf2 } from 'microformats-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { createPost, deletePost, updatePost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

async function freePort(host: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function blogAt(host: string, title: string): Promise<TestBlog & { url: string }> {
  const port = await freePort(host)
  const url = `http://${host}:${port}`
  const blog = await buildTestApp({ demo: false, env: { SITE_URL: url, OUTBOUND_ALLOW_PRIVATE: '1', BLOG_TITLE: title } })
  await blog.app.listen({ host, port })
  // The channels begin: what is public from now on is announced.
  await blog.app.publications.check()
  return Object.assign(blog, { url })
}

describe('two blogs on loopback', () => {
  let a: TestBlog & { url: string }
  let b: TestBlog & { url: string }
  let aPost: { id: number; url: string; path: string }
  let writer: number

  beforeAll(async () => {
    a = await blogAt('127.0.0.2', 'Blog A')
    b = await blogAt('127.0.0.3', 'Blog B')
    const post = await createPost(a.app.db, { title: 'Le billet de A', body: 'Ce que pense A.', status: 'published' })
    const row = await a.app.db.selectFrom('posts').select(['slug', 'published_at']).where('id', '=', post.id).executeTakeFirstOrThrow()
    const path = postPath(row, a.app.settings.get().timezone)
    aPost = { id: post.id, path, url: a.url + path }
    // B's posts are signed (bylines shown): their h-entry's p-author h-card names Bertrand.
    expect(await createUser(b.app.db, 'bertrand', 'correct horse battery')).toBe(true)
    const user = await b.app.db.selectFrom('users').select('id').where('username', '=', 'bertrand').executeTakeFirstOrThrow()
    writer = user.id
    await b.app.db.updateTable('users').set({ display_name: 'Bertrand Martin', slug: 'bertrand' }).where('id', '=', writer).execute()
    await b.app.settings.update({ bylines: 'always' })
    // A holds a first comment from anyone it does not know yet.
    await a.app.settings.update({ moderation: 'first-time' })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
  })

  /** B announces what changed and sends; A verifies what it received. */
  async function exchange() {
    await b.app.publications.check()
    await b.app.jobs.runDue()
    await a.app.jobs.runDue()
  }

  const aComments = () =>
    a.app.db
      .selectFrom('comments')
      .select(['id', 'body', 'author_name', 'author_url', 'status', 'origin_url'])
      .where('post_id', '=', aPost.id)
      .execute()

  it('a post of B that links to A’s post: A keeps a mention, B records A’s answer', async () => {
    const mention = await createPost(b.app.db, {
      title: 'Lu chez A',
      body: `À lire : [le billet de A](${aPost.url}), et [un site sans webmention](${b.url}/archive).`,
      status: 'published',
      authorId: writer,
    })
    await exchange()
    const bUrl =
      b.url +
      postPath(
        await b.app.db.selectFrom('posts').selectAll().where('id', '=', mention.id).executeTakeFirstOrThrow(),
        b.app.settings.get().timezone,
      )
    expect(await a.app.db.selectFrom('reactions').select(['post_id', 'kind', 'source_url', 'author_name']).execute()).toEqual([
      { post_id: aPost.id, kind: 'mention', source_url: bUrl, author_name: 'Bertrand Martin' },
    ])
    // A's readers see who mentioned the post, linked to B's post.
    const aPage = (await a.app.inject({ url: aPost.path })).body
    expect(aPage).toContain('Mentionné par')
    expect(aPage).toContain(`<a href="${bUrl}" rel="nofollow ugc noopener"><bdi>Bertrand Martin</bdi></a>`)
    const sent = await b.app.db.selectFrom('webmention_sends').selectAll().execute()
    // Links to its own blog are not sent.
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ target: aPost.url, endpoint: `${a.url}/webmention`, state: 'sent', status_code: 202 })
    expect(sent[0]!.answer).toMatch(new RegExp(`^${a.url}/webmention/status/\\d+$`))
    const status = await fetch(sent[0]!.answer!)
    expect(await status.text()).toContain('Acceptée – une mention')

    // Each admin sees it: B what it sent and what A answered, A what it received.
    await createAdmin(b.app)
    const bAdmin = await signedIn(b.app)
    const sentPage = await bAdmin.get('/admin/webmentions/sent')
    expect(sentPage.statusCode).toBe(200)
    expect(sentPage.body).toContain(aPost.url)
    expect(sentPage.body).toContain('envoyée')
    expect(sentPage.body).toContain(`202 ${sent[0]!.answer}`)
    await createAdmin(a.app)
    const aAdmin = await signedIn(a.app)
    const received = await aAdmin.get('/admin/webmentions')
    expect(received.body).toContain(bUrl)
    expect(received.body).toContain('une mention')
    expect(received.body).toContain('Bertrand Martin')
  })

  it('a post of B written as a reply: a comment under A’s post, after moderation, with B’s writer’s name; edited, then deleted', async () => {
    const reply = await createPost(b.app.db, {
      title: 'Réponse à A',
      body: `En réponse à <a class="u-in-reply-to" href="${aPost.url}">A</a> : je ne suis pas d’accord.`,
      status: 'published',
      authorId: writer,
    })
    const row = await b.app.db.selectFrom('posts').selectAll().where('id', '=', reply.id).executeTakeFirstOrThrow()
    const bUrl = b.url + postPath(row, b.app.settings.get().timezone)
    await exchange()
    const [comment] = await aComments()
    expect(comment).toMatchObject({ author_name: 'Bertrand Martin', author_url: `${b.url}/author/bertrand`, origin_url: bUrl })
    expect(comment!.body).toContain('je ne suis pas d’accord')
    // Through the usual moderation: held (a first comment from this author), then approved by A's moderator.
    expect(comment!.status).toBe('pending')
    expect((await a.app.inject({ url: aPost.path })).body).not.toContain('je ne suis pas d’accord')
    await a.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', comment!.id).execute()
    const page = await a.app.inject({ url: aPost.path })
    expect(page.body).toContain('je ne suis pas d’accord')
    // A's page, read as other sites read it: the post's h-entry, and the comment's, in reply to it, by Bertrand.
    const items = mf2(page.body, { baseUrl: aPost.url }).items
    const entries = items.filter((i) => i.type?.includes('h-entry'))
    expect(entries[0]!.properties.url).toEqual([aPost.url])
    const theirs = entries.find((e) => JSON.stringify(e.properties.content ?? '').includes('pas d’accord'))!
    expect(theirs.properties['in-reply-to']).toEqual([aPost.url])
    expect((theirs.properties.author![0] as { properties: Record<string, unknown> }).properties).toMatchObject({
      name: ['Bertrand Martin'],
      url: [`${b.url}/author/bertrand`],
    })

    // B edits: A shows the new text, the same comment.
    expect(
      await updatePost(b.app.db, reply.id, {
        title: row.title,
        slug: row.slug,
        body: `En réponse à <a class="u-in-reply-to" href="${aPost.url}">A</a> : tout compte fait, d’accord.`,
        signature: '',
        status: 'published',
        publishedAt: row.published_at,
        categoryIds: [],
        tags: [],
      }),
    ).toBe(true)
    await exchange()
    expect(await aComments()).toMatchObject([{ id: comment!.id, body: expect.stringContaining('tout compte fait, d’accord') }])
    expect((await a.app.inject({ url: aPost.path })).body).toContain('tout compte fait')

    // B deletes: A, told again, finds it gone and removes it.
    expect(await deletePost(b.app.db, reply.id)).toBe(true)
    await exchange()
    expect(await aComments()).toEqual([])
    expect((await a.app.inject({ url: aPost.path })).body).not.toContain('tout compte fait')
    const states = await a.app.db.selectFrom('webmentions').select(['source', 'state', 'result']).where('source', '=', bUrl).execute()
    expect(states).toEqual([{ source: bUrl, state: 'refused', result: 'gone' }])
  })
})
