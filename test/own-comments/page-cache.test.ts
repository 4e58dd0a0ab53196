// No edit link ever reaches another reader: with the page cache on, a page shown to a comment's author (with its
// "Modifier" / "Supprimer" links) is never kept, and the page kept for everyone is never served to the author.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OWN_COMMENTS_COOKIE } from '../../src/own-comments/capability.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { openPost, send } from '../helpers/comments.ts'

describe('edit links and the page cache (PAGE_CACHE=on)', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: 'on', COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  async function authorOf(post: { url: string }, body: string) {
    const res = await send(blog, post.url, { author: 'Camille', body })
    expect(res.statusCode).toBe(303)
    const id = Number(/#comment-(\d+)$/.exec(String(res.headers.location))![1])
    const cookie = res.cookies.find((c) => c.name === OWN_COMMENTS_COOKIE)!
    return { id, cookie: `${OWN_COMMENTS_COOKIE}=${cookie.value}` }
  }
  const get = (url: string, cookie?: string) => blog.app.inject({ url, headers: cookie ? { cookie } : {} })

  it("the author's page first, then another reader's: the reader never gets the links", async () => {
    const post = await openPost(blog)
    const { id, cookie } = await authorOf(post, 'Premier arrivé.')
    const mine = await get(post.url, cookie)
    expect(mine.statusCode).toBe(200)
    expect(mine.body).toContain(`/comment/${id}/edit`)
    expect(mine.headers['x-page-cache']).toBeUndefined()
    expect(mine.headers['cache-control']).toBe('private, no-cache')
    expect(mine.headers.etag).toBeUndefined()
    for (let i = 0; i < 2; i++) {
      const theirs = await get(post.url)
      expect(theirs.headers['x-page-cache']).toBe(i === 0 ? 'miss' : 'hit')
      expect(theirs.body).toContain('Premier arrivé.')
      expect(theirs.body).not.toContain(`/comment/${id}/edit`)
      expect(theirs.body).not.toContain(`/comment/${id}/delete`)
    }
  })

  it("another reader's page first (kept), then the author's: the author gets the links, the kept page stays clean", async () => {
    const post = await openPost(blog)
    const { id, cookie } = await authorOf(post, 'Second arrivé.')
    expect((await get(post.url)).headers['x-page-cache']).toBe('miss')
    const kept = await get(post.url)
    expect(kept.headers['x-page-cache']).toBe('hit')
    expect(kept.body).not.toContain(`/comment/${id}/edit`)
    const mine = await get(post.url, cookie)
    expect(mine.headers['x-page-cache']).toBeUndefined()
    expect(mine.body).toContain(`/comment/${id}/edit`)
    expect(mine.body).toContain(`/comment/${id}/delete`)
    const after = await get(post.url)
    expect(after.headers['x-page-cache']).toBe('hit')
    expect(after.body).toBe(kept.body)
    // A reader who sends the cookie of another comment, or a made-up one, sees no link either.
    const other = await authorOf(post, 'Un troisième.')
    const page = await get(post.url, other.cookie)
    expect(page.body).toContain(`/comment/${other.id}/edit`)
    expect(page.body).not.toContain(`/comment/${id}/edit`)
  })
})
