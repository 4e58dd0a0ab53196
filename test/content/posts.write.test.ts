// A post and its categories are saved together or not at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost, updatePost } from '../../src/content/posts.write.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

describe('saving a post with its categories', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterAll(() => blog.close())

  const titles = async () => (await blog.app.db.selectFrom('posts').select('title').execute()).map((p) => p.title)

  it('leaves no post when its category cannot be linked', async () => {
    await expect(createPost(blog.app.db, { title: 'Sans catégorie', body: 'x', status: 'draft', categoryIds: [424242] })).rejects.toThrow()
    expect(await titles()).not.toContain('Sans catégorie')
  })

  it('keeps a post as it was when an edit names a category that cannot be linked', async () => {
    const { id, slug } = await createPost(blog.app.db, { title: 'Avant', body: 'x', status: 'draft', categories: ['Voyages'] })
    await expect(
      updatePost(blog.app.db, id, {
        title: 'Après',
        slug,
        body: 'y',
        signature: '',
        status: 'draft',
        publishedAt: null,
        categoryIds: [424242],
        tags: [],
      }),
    ).rejects.toThrow()
    expect(await titles()).toContain('Avant')
    expect(await titles()).not.toContain('Après')
    const categories = await blog.app.db
      .selectFrom('post_categories as pc')
      .innerJoin('categories as c', 'c.id', 'pc.category_id')
      .select('c.name')
      .where('pc.post_id', '=', id)
      .execute()
    expect(categories.map((c) => c.name)).toEqual(['Voyages'])
  })

  it('saves the post with the categories it names', async () => {
    const category = await blog.app.db
      .insertInto('categories')
      .values({ name: 'Cartes', slug: 'cartes', created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    const { id } = await createPost(blog.app.db, { title: 'Avec catégorie', body: 'x', status: 'draft', categoryIds: [category.id] })
    const linked = await blog.app.db.selectFrom('post_categories').select('category_id').where('post_id', '=', id).execute()
    expect(linked.map((l) => l.category_id)).toEqual([category.id])
  })
})
