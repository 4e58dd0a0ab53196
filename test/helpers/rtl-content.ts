// Right-to-left content for the bidirectional-text tests: a post, category and tag in Arabic, and a comment by
// `علي 2` (a name that ends in a digit: next to a date, the digits are what the bidi algorithm reorders).
import type { FastifyInstance } from 'fastify'
import { createPost } from '../../src/content/posts.write.ts'

export const RTL = {
  title: 'شرق المتوسط 2',
  body: 'هذه ملاحظة عن المدن والطرق.',
  category: 'الشام',
  tag: 'خرائط',
  author: 'علي 2',
  comment: 'شكرا على هذا المقال، إنه مفيد جدا.',
  query: 'المتوسط',
} as const

/** Adds the post (published now, thread open) and its approved comment; returns the post's id and slug. */
export async function addRtlContent(app: FastifyInstance): Promise<{ id: number; slug: string }> {
  const post = await createPost(app.db, {
    title: RTL.title,
    body: RTL.body,
    status: 'published',
    categories: [RTL.category],
    tags: [RTL.tag],
  })
  await app.db
    .insertInto('comments')
    .values({
      post_id: post.id,
      parent_id: null,
      author_name: RTL.author,
      body: RTL.comment,
      status: 'approved',
      created_at: new Date().toISOString(),
    })
    .execute()
  return post
}
