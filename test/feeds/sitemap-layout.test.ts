// The sitemap's files' starts and their posts at the days' edges (its layout) are kept until the posts change:
// a comment, written through this process's own connection as the comment form does, costs the index one
// statement, on both databases. On PostgreSQL every write moves the data version the settings are read again
// at; the settings, unchanged, must stay the same object, or every memo keyed by them (this layout, the
// sidebar, the counts) is lost at each comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

const PER_FILE = 2

describe('the sitemap layout across a comment', () => {
  let blog: TestBlog
  const ids: number[] = []

  beforeAll(async () => {
    blog = await buildTestApp({ demo: false, build: { sitemapUrlsPerFile: PER_FILE } })
    for (let i = 0; i < 5; i++) {
      const at = new Date(Date.UTC(2020, 0, 1 + i, 10)).toISOString()
      ids.push((await createPost(blog.app.db, { title: `Billet ${i}`, body: 'x', status: 'published', publishedAt: at, createdAt: at })).id)
    }
  })
  afterAll(() => blog.close())

  const lastmods = async () =>
    [...(await blog.app.inject('/sitemap.xml')).body.matchAll(/sitemap-posts-\d+\.xml<\/loc><lastmod>([^<]+)/g)].map((m) => m[1])
  /** The kept layout, or 'recomputed' when it was not kept. */
  const kept = () => blog.app.freshness.postsMemo({ name: 'sitemap-layout', args: [PER_FILE] }, async () => 'recomputed')

  it('is kept across a comment, and read again after a post', async () => {
    expect(await lastmods()).toEqual(['2020-01-02T10:00:00Z', '2020-01-04T10:00:00Z', '2020-01-05T10:00:00Z'])
    const settings = blog.app.settings.get()
    await blog.app.db
      .insertInto('comments')
      .values({
        post_id: ids[2]!,
        parent_id: null,
        author_name: 'Lucie',
        body: 'Merci',
        status: 'approved',
        created_at: '2021-03-01T08:00:00.000Z',
      })
      .execute()
    // The comment moves its file's lastmod (the second file: posts 2 and 3).
    expect(await lastmods()).toEqual(['2020-01-02T10:00:00Z', '2021-03-01T08:00:00Z', '2020-01-05T10:00:00Z'])
    expect(blog.app.settings.get()).toBe(settings)
    expect(await kept()).not.toBe('recomputed')

    await createPost(blog.app.db, {
      title: 'Nouveau',
      body: 'x',
      status: 'published',
      publishedAt: '2020-01-06T10:00:00.000Z',
      createdAt: '2020-01-06T10:00:00.000Z',
    })
    expect(await lastmods()).toEqual(['2020-01-02T10:00:00Z', '2021-03-01T08:00:00Z', '2020-01-06T10:00:00Z'])
    expect(await kept()).not.toBe('recomputed')
    await blog.app.db.updateTable('posts').set({ title: 'Changé' }).where('id', '=', ids[0]!).execute()
    // A post written: the layout goes (read again by the next index).
    await blog.app.freshness.generation()
    expect(await kept()).toBe('recomputed')
  })
})
