// Demo content for a brand-new blog: the seed post exactly as the model page shows it, and a few others.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { createPost } from '../posts/posts.write.ts'
import { demoPosts } from './posts.ts'
import { seedPost } from './seed-post.ts'

export async function loadDemoContent(db: Kysely<Database>): Promise<void> {
  const seed = await createPost(db, {
    title: seedPost.title,
    body: seedPost.body,
    signature: seedPost.signature,
    status: 'published',
    publishedAt: seedPost.publishedAt,
    createdAt: seedPost.publishedAt,
    commentsOpen: seedPost.commentsOpen,
    categories: seedPost.categories,
    tags: seedPost.tags,
  })
  for (const c of seedPost.comments) {
    await db
      .insertInto('comments')
      .values({ post_id: seed.id, parent_id: null, author_name: c.author, body: c.body, status: 'approved', created_at: c.createdAt })
      .execute()
  }
  for (const p of demoPosts) {
    const { id } = await createPost(db, {
      title: p.title,
      body: p.body,
      signature: seedPost.signature,
      status: 'published',
      publishedAt: p.publishedAt,
      createdAt: p.publishedAt,
      categories: p.categories,
      tags: p.tags,
    })
    const ids: number[] = []
    for (const c of p.comments ?? []) {
      const row = await db
        .insertInto('comments')
        .values({
          post_id: id,
          parent_id: c.replyTo === undefined ? null : ids[c.replyTo]!,
          author_name: c.author,
          author_url: c.url ?? null,
          body: c.body,
          status: 'approved',
          created_at: c.createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids.push(row.id)
    }
  }
}
