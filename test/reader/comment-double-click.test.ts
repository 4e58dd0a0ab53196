// A double click on "Publier le commentaire" sends the same comment twice. One row is stored, and both requests
// get the answer the first got: a 303 to the stored comment (or to "awaiting moderation"), never the 409
// "already sent" page, which reads as a failure. The looser duplicates (the same text from the same address under
// another name, or under the same name from elsewhere) keep the 409, as does nothing else change for them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'
import { commentsOf, openPost, send } from '../helpers/comments.ts'
import { DUPLICATE_WINDOW_MS } from '../../src/comments/comments.service.ts'

const FORM = { author: 'Camille', email: 'camille@example.org', body: 'Merci pour cette note, vraiment.' }

describe('a double click on the comment form', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  it('answers the second identical post with the same 303 to the stored comment, one row stored', async () => {
    const post = await openPost(blog)
    const first = await send(blog, post.url, FORM)
    const second = await send(blog, post.url, FORM)
    expect(first.statusCode).toBe(303)
    expect(second.statusCode, second.body.slice(0, 200)).toBe(303)
    const rows = await commentsOf(blog, post.id)
    expect(rows).toHaveLength(1)
    expect(first.headers.location).toBe(`${post.url}#comment-${rows[0]!.id}`)
    expect(second.headers.location).toBe(first.headers.location)
    // Where it leads shows the comment.
    const page = await blog.app.inject(second.headers.location!.split('#')[0]!)
    expect(mainOf(page.body)).toContain(`id="comment-${rows[0]!.id}"`)
  })

  it('answers identical posts sent at the same moment (written in batches) with the same 303, one row stored', async () => {
    const post = await openPost(blog)
    // The first is written alone, the others in the next batch: duplicates of the table and of the batch.
    const results = await Promise.all(Array.from({ length: 6 }, () => send(blog, post.url, FORM)))
    const rows = await commentsOf(blog, post.id)
    expect(rows).toHaveLength(1)
    expect(results.map((r) => [r.statusCode, r.headers.location])).toEqual(Array(6).fill([303, `${post.url}#comment-${rows[0]!.id}`]))
  })

  it('sends both to "awaiting moderation" when the comment is held', async () => {
    await blog.app.settings.update({ moderation: 'all' })
    try {
      const post = await openPost(blog)
      const results = await Promise.all([send(blog, post.url, FORM), send(blog, post.url, FORM)])
      expect(results.map((r) => [r.statusCode, r.headers.location])).toEqual(Array(2).fill([303, `${post.url}?moderation=pending#respond`]))
      expect(await commentsOf(blog, post.id)).toHaveLength(1)
    } finally {
      await blog.app.settings.update({ moderation: 'none' })
    }
  })

  it('keeps the 409 for the same text under another name from the same address; later than the window, it is new', async () => {
    const post = await openPost(blog)
    expect((await send(blog, post.url, FORM)).statusCode).toBe(303)
    const other = await send(blog, post.url, { ...FORM, author: 'Quelqu’un d’autre' })
    expect(other.statusCode).toBe(409)
    expect(await commentsOf(blog, post.id)).toHaveLength(1)
    // Sent again once the window has passed: a comment of its own, as before.
    await blog.app.db
      .updateTable('comments')
      .set({ created_at: new Date(Date.now() - DUPLICATE_WINDOW_MS - 60_000).toISOString() })
      .where('post_id', '=', post.id)
      .execute()
    const later = await send(blog, post.url, FORM)
    expect(later.statusCode).toBe(303)
    const rows = await commentsOf(blog, post.id)
    expect(rows).toHaveLength(2)
    expect(later.headers.location).toBe(`${post.url}#comment-${rows[1]!.id}`)
  })
})
