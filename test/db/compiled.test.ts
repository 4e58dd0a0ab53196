// Compiled queries run straight on prepared statements (src/db/compiled.ts), past Kysely's connection queue.
// They must still never read what an open transaction has written and not committed: such a page could be
// cached, and show a comment that was then rolled back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approvedComments } from '../../src/content/posts.repository.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

describe('compiled queries', () => {
  let blog: TestBlog
  let postId: number
  beforeAll(async () => {
    blog = await buildTestApp()
    postId = (await blog.app.db.selectFrom('posts').select('id').where('status', '=', 'published').executeTakeFirstOrThrow()).id
  })
  afterAll(() => blog.close())

  const bodies = async () => (await approvedComments(blog.app.db, { postId, limit: 1000, offset: 0 })).map((c) => c.body)

  it('wait for an open transaction, and never see what it rolls back', async () => {
    let during: Promise<string[]> | undefined
    await expect(
      blog.app.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('comments')
          .values({
            post_id: postId,
            parent_id: null,
            author_name: 'Fantôme',
            body: 'Jamais validé',
            status: 'approved',
            created_at: new Date().toISOString(),
          })
          .execute()
        during = bodies()
        // Let the query above run if it could (it must not: the transaction holds the connection).
        await new Promise((r) => setTimeout(r, 20))
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await during).not.toContain('Jamais validé')
    expect(await bodies()).not.toContain('Jamais validé')
  })

  it('see what a committed transaction wrote', async () => {
    await blog.app.db.transaction().execute((trx) =>
      trx
        .insertInto('comments')
        .values({
          post_id: postId,
          parent_id: null,
          author_name: 'Lucie',
          body: 'Bien validé',
          status: 'approved',
          created_at: new Date().toISOString(),
        })
        .execute(),
    )
    expect(await bodies()).toContain('Bien validé')
  })
})
