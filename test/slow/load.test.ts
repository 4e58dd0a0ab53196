// Load without loss: 2,000 comments posted with 100 in flight to one post all get their redirect, exactly 2,000
// rows exist afterwards, and readers fetching the page meanwhile always get 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBlog, type LiveBlog } from '../helpers/browser.ts'
import { commentIdOf, OPEN_DEMO_POST, pool, postComment } from '../helpers/comments-client.ts'

describe('load without loss', () => {
  let blog: LiveBlog
  beforeAll(async () => {
    // COMMENT_RATE_LIMIT=0 lifts the per-IP limit (every request here comes from 127.0.0.1).
    blog = await startBlog({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog?.close())

  it('2,000 comments with 100 in flight, readers always served', async () => {
    const post = await blog.app.db.selectFrom('posts').select('id').where('slug', '=', 'bienvenue-sur-ce-carnet').executeTakeFirstOrThrow()
    const before = await countComments(blog, post.id)
    let reading = true
    const readerStatuses: number[] = []
    const readers = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (reading) {
          const res = await fetch(blog.url + OPEN_DEMO_POST)
          await res.arrayBuffer()
          readerStatuses.push(res.status)
        }
      }),
    )
    const results = await pool(2000, 100, (i) =>
      postComment(blog.url, OPEN_DEMO_POST, { author: `Lecteur ${i}`, body: `Commentaire numéro ${i} sous charge.` }),
    )
    reading = false
    await readers

    const statuses = new Map<number, number>()
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    expect(Object.fromEntries(statuses)).toEqual({ 303: 2000 })
    const ids = new Set(results.map((r) => commentIdOf(r.location)))
    expect(ids.size).toBe(2000)
    expect(await countComments(blog, post.id)).toBe(before + 2000)
    expect(readerStatuses.length).toBeGreaterThan(0)
    expect(readerStatuses.every((s) => s === 200)).toBe(true)
  }, 120_000)
})

async function countComments(blog: LiveBlog, postId: number): Promise<number> {
  const row = await blog.app.db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
