// Long threads are paged, 100 comments a page, and every comment keeps a working link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

const POST_URL = '/archive/2020/03/01/un-long-fil.html'

describe('comment pages', () => {
  let blog: TestBlog
  const ids: number[] = []
  let heldId: number
  let crossPageReply: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    const { id } = await createPost(blog.app.db, {
      title: 'Un long fil',
      body: 'x',
      status: 'published',
      publishedAt: '2020-03-01T10:00:00.000Z',
    })
    const t0 = Date.parse('2020-03-02T00:00:00.000Z')
    for (let i = 0; i < 250; i++) {
      const row = await blog.app.db
        .insertInto('comments')
        .values({
          post_id: id,
          author_name: `Lecteur ${i}`,
          body: `Commentaire numéro ${i}.`,
          status: 'approved',
          created_at: new Date(t0 + i * 60_000).toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids.push(row.id)
    }
    const held = await blog.app.db
      .insertInto('comments')
      .values({ post_id: id, author_name: 'Retenu', body: 'En attente', status: 'pending', created_at: new Date(t0).toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    heldId = held.id
    // An answer, late in the thread (page 3), to the very first comment (page 1).
    const reply = await blog.app.db
      .insertInto('comments')
      .values({
        post_id: id,
        parent_id: ids[0]!,
        author_name: 'Tardif',
        body: 'Je réponds au premier.',
        status: 'approved',
        created_at: new Date(t0 + 300 * 60_000).toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    crossPageReply = reply.id
  })
  afterAll(() => blog.close())

  it('shows 100 comments a page, oldest first, with links between pages', async () => {
    const first = await blog.app.inject(POST_URL)
    expect(first.statusCode).toBe(200)
    const text = visibleText(mainOf(first.body))
    expect(text).toContain('Commentaires (251)')
    expect(text).toContain('Commentaire numéro 0.')
    expect(text).toContain('Commentaire numéro 99.')
    expect(text).not.toContain('Commentaire numéro 100.')
    expect(text).toContain('Page 1 sur 3')
    expect(first.body).toContain(`<a class="next" href="${POST_URL}?cpage=2#comments">Commentaires suivants »</a>`)
    expect(first.body).toContain(`<link rel="canonical" href="http://blog.test${POST_URL}">`)

    const third = await blog.app.inject(`${POST_URL}?cpage=3`)
    expect(third.statusCode).toBe(200)
    const t3 = visibleText(mainOf(third.body))
    expect(t3).toContain('Commentaire numéro 249.')
    expect(t3).not.toContain('Commentaire numéro 199.')
    expect(t3).toContain('Je réponds au premier.')
    expect(third.body).toContain(`<link rel="canonical" href="http://blog.test${POST_URL}?cpage=3">`)
    expect(third.body).toContain('<title>Un long fil – commentaires, page 3</title>')
    // The answer links back to its parent, two pages earlier.
    expect(third.body).toContain(
      `<p class="comment-context">en réponse à <a class="u-in-reply-to" href="/comment/${ids[0]}">Lecteur 0</a></p>`,
    )

    for (const bad of ['?cpage=4', '?cpage=0', '?cpage=deux']) {
      expect((await blog.app.inject(POST_URL + bad)).statusCode, bad).toBe(404)
    }
  })

  it('every comment has a stable address that lands on its page', async () => {
    const cases: Array<[number, string]> = [
      [ids[0]!, `${POST_URL}#comment-${ids[0]}`],
      [ids[150]!, `${POST_URL}?cpage=2#comment-${ids[150]}`],
      [crossPageReply, `${POST_URL}?cpage=3#comment-${crossPageReply}`],
    ]
    for (const [id, location] of cases) {
      const res = await blog.app.inject(`/comment/${id}`)
      expect(res.statusCode).toBe(302)
      expect(res.headers.location).toBe(location)
    }
    // Held or unknown comments have no public address.
    for (const id of [heldId, 999_999]) expect((await blog.app.inject(`/comment/${id}`)).statusCode).toBe(404)
    expect((await blog.app.inject('/comment/abc')).statusCode).toBe(404)
    // The sidebar links recent comments through it.
    expect((await blog.app.inject('/')).body).toContain(`href="/comment/${crossPageReply}"`)
  })

  it('answering a comment opens the page that holds it', async () => {
    const res = await blog.app.inject(`${POST_URL}?reply=${ids[120]}`)
    expect(res.statusCode).toBe(200)
    const text = visibleText(mainOf(res.body))
    expect(text).toContain('Commentaire numéro 120.')
    expect(text).toContain('Page 2 sur 3')
    expect(res.body).toContain(`name="parent" value="${ids[120]}"`)
  })

  it('a new comment redirects to the last page, where it is', async () => {
    const res = await blog.app.inject({
      method: 'POST',
      url: POST_URL,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ author: 'Nouveau', body: 'Le dernier mot.' }).toString(),
    })
    expect(res.statusCode).toBe(303)
    const m = /^\/archive\/2020\/03\/01\/un-long-fil\.html\?cpage=3#comment-(\d+)$/.exec(String(res.headers.location))
    expect(m).not.toBeNull()
    const page = await blog.app.inject(`${POST_URL}?cpage=3`)
    expect(page.body).toContain(`id="comment-${m![1]}"`)
    expect(visibleText(mainOf(page.body))).toContain('Le dernier mot.')
  })
})
