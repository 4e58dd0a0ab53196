// Comments are shown in the order they were stored: a comment's time is read once its transaction holds the
// write lock, not when its request arrived. Otherwise a comment that waited for the lock (behind another
// instance's writes, or behind its own ban lookup) is stored with an earlier time than comments committed before
// it, and slips in above them: a comment already acknowledged moves down one place, onto the next page of a long
// thread, and the address its 303 gave (`?cpage=N#comment-…`) no longer shows it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../src/admin/users.ts'
import { commentPosition } from '../../src/content/posts.repository.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { setClock } from '../../src/lib/time.ts'
import { submitComment } from '../../src/comments/comments.service.ts'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'
import { commentInput } from '../helpers/comments.ts'

const comment = commentInput

describe('the order of comments stored at the same time', () => {
  let blog: TestBlog
  let postId: number
  beforeAll(async () => {
    // One connection on PostgreSQL, so that queries queue in the order they are sent, as SQLite's one connection
    // does: the interleaving below is then the same on both databases.
    blog = await buildTestApp({ demo: false, env: { DATABASE_POOL_SIZE: '1' } })
    ;({ id: postId } = await createPost(blog.app.db, {
      title: 'Un fil animé',
      body: 'x',
      status: 'published',
      publishedAt: '2020-03-01T10:00:00.000Z',
    }))
  })
  afterAll(() => blog.close())
  afterEach(() => setClock(null))

  it('is the order they were committed in, and an acknowledged comment keeps its place', async () => {
    await createUser(blog.app.db, 'redaction', 'un mot de passe assez long')
    const admin = await blog.app.db.selectFrom('users').select('id').where('username', '=', 'redaction').executeTakeFirstOrThrow()
    const settings = blog.app.settings.get()
    const start = Date.parse('2026-11-29T08:00:00.000Z')

    // A reader's comment arrives first, and looks for bans before its transaction; meanwhile, a second later, the
    // admin's comment (no ban lookup) takes the write lock and commits first.
    setClock(() => start)
    const reader = submitComment(blog.app.db, { postId, comment: comment('Lectrice', 'Arrivée la première.'), ip: '192.0.2.1', settings })
    setClock(() => start + 1000)
    const author = submitComment(blog.app.db, {
      postId,
      comment: comment('Rédaction', 'Enregistrée la première.'),
      ip: '192.0.2.2',
      settings,
      userId: admin.id,
    })
    const first = await author
    expect(first.kind).toBe('stored')
    const firstId = (first as { id: number }).id
    const second = await reader
    expect(second.kind).toBe('stored')
    const secondId = (second as { id: number }).id
    expect(secondId).toBeGreaterThan(firstId)

    // The first one committed is still first (where its 303 sent its author), and the page lists them in that
    // order.
    expect(await commentPosition(blog.app.db, firstId)).toEqual({ postId, position: 0 })
    expect(await commentPosition(blog.app.db, secondId)).toEqual({ postId, position: 1 })
    const page = mainOf((await blog.app.inject('/archive/2020/03/01/un-fil-anime.html')).body)
    const order = [...page.matchAll(/id="comment-(\d+)"/g)].map((m) => Number(m[1]))
    expect(order).toEqual([firstId, secondId])
  })
})
