// Figures kept by triggers or kept across requests (migrations/2026_11_26_13_00_00_counters.ts,
// freshness.postsMemo) must always equal what counting would give, whoever writes and however.
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { commentPosition } from '../../src/content/posts.repository.ts'
import { createPost } from '../../src/content/posts.write.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'

const HOUR = 60 * 60 * 1000

describe('counters', () => {
  let blog: TestBlog
  let postA: number
  let postB: number
  let pathA: string

  beforeAll(async () => {
    blog = await buildTestApp()
    const publishedAt = new Date(Date.now() - HOUR).toISOString()
    postA = (await createPost(blog.app.db, { title: 'Billet A', body: 'A.', status: 'published', publishedAt, categories: ['Compteurs'] }))
      .id
    postB = (await createPost(blog.app.db, { title: 'Billet B', body: 'B.', status: 'published', publishedAt, categories: ['Compteurs'] }))
      .id
    const slug = (await blog.app.db.selectFrom('posts').select('slug').where('id', '=', postA).executeTakeFirstOrThrow()).slug
    pathA = postPath({ slug, published_at: publishedAt }, 'Europe/Paris')
  })
  afterAll(() => blog.close())
  afterEach(() => vi.useRealTimers())

  /** Every post's kept count next to the real one. */
  async function expectCountsRight() {
    const rows = await sql<{ id: number; kept: number; real: number }>`
      select p.id, coalesce((select approved_comments from post_stats where post_id = p.id), 0) as kept,
             (select count(*) from comments c where c.post_id = p.id and c.status = 'approved') as real
      from posts p`.execute(blog.app.db)
    expect(rows.rows.length).toBeGreaterThan(2)
    for (const r of rows.rows) expect(r.kept, `post ${r.id}`).toBe(r.real)
  }

  const add = async (post: number, status: 'approved' | 'pending' | 'spam') =>
    (
      await blog.app.db
        .insertInto('comments')
        .values({
          post_id: post,
          parent_id: null,
          author_name: 'Lucie',
          body: `Texte ${Math.random()}`,
          status,
          created_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  it('keep each post’s approved comments through posting, moderation, moves and deletions', async () => {
    await expectCountsRight()
    const a1 = await add(postA, 'approved')
    const a2 = await add(postA, 'pending')
    const a3 = await add(postA, 'approved')
    await add(postB, 'spam')
    await expectCountsRight()
    await blog.app.db.updateTable('comments').set({ status: 'approved' }).where('id', '=', a2).execute()
    await blog.app.db.updateTable('comments').set({ status: 'spam' }).where('id', '=', a1).execute()
    await expectCountsRight()
    await blog.app.db.updateTable('comments').set({ post_id: postB }).where('id', '=', a3).execute()
    await expectCountsRight()
    await blog.app.db.deleteFrom('comments').where('id', '=', a2).execute()
    await expectCountsRight()
    // Another process, in plain SQL.
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run("update comments set status = 'approved' where post_id = ?", postB)
    } finally {
      await other.close()
    }
    await expectCountsRight()
    expect(visibleText(mainOf((await blog.app.inject(pathA)).body))).toContain('Commentaires (0)')
  })

  /** The count the sidebar shows beside a category. */
  async function sidebarCount(name: string): Promise<number> {
    const html = (await blog.app.inject('/')).body
    const m = new RegExp(`>${name}</a> <span class="count">\\((\\d+)\\)`).exec(html)
    return m ? Number(m[1]) : 0
  }

  it('show posts and categories changed by another connection in the sidebar and the pager', async () => {
    expect(await sidebarCount('Compteurs')).toBe(2)
    await add(postA, 'approved') // a comment: the counts stay right
    expect(await sidebarCount('Compteurs')).toBe(2)
    const other = await otherConnection(blog.config.databasePath)
    try {
      await other.run("update posts set status = 'draft' where id = ?", postB)
      expect(await sidebarCount('Compteurs')).toBe(1)
      await other.run("update categories set name = 'Compteurs renommés' where name = 'Compteurs'")
      expect(await sidebarCount('Compteurs renommés')).toBe(1)
    } finally {
      await other.close()
    }
  })

  it('show a scheduled post in the counts when its time comes, with no write', async () => {
    const before = await sidebarCount('Programmés')
    expect(before).toBe(0)
    const at = new Date(Date.now() + 2 * 60 * 1000).toISOString()
    await createPost(blog.app.db, { title: 'Bientôt', body: 'B.', status: 'published', publishedAt: at, categories: ['Programmés'] })
    expect(await sidebarCount('Programmés')).toBe(0)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(at) + 1000 })
    expect(await sidebarCount('Programmés')).toBe(1)
    const category = await blog.app.inject('/category/programmes')
    expect(visibleText(mainOf(category.body))).toContain('Bientôt')
  })

  it('give every comment its position in its thread (counted from the end with the kept count)', async () => {
    // Ties on created_at are settled by id, as on the page.
    const t = new Date().toISOString()
    for (const status of ['approved', 'pending', 'approved', 'approved'] as const) {
      await blog.app.db
        .insertInto('comments')
        .values({ post_id: postA, parent_id: null, author_name: 'Même seconde', body: `Égalité ${Math.random()}`, status, created_at: t })
        .execute()
    }
    const rows = await sql<{ id: number; post_id: number; status: string; before: number }>`
      select c.id, c.post_id, c.status,
             (select count(*) from comments a where a.post_id = c.post_id and a.status = 'approved'
                and (a.created_at < c.created_at or (a.created_at = c.created_at and a.id < c.id))) as before
      from comments c`.execute(blog.app.db)
    expect(rows.rows.filter((r) => r.status === 'approved').length).toBeGreaterThan(5)
    for (const r of rows.rows) {
      expect(await commentPosition(blog.app.db, r.id), `comment ${r.id}`).toEqual(
        r.status === 'approved' ? { postId: r.post_id, position: r.before } : null,
      )
    }
  })
})
