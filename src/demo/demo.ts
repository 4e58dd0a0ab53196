// Demo content for a brand-new blog, in the blog's language: on a French blog the seed post exactly as the model
// page shows it, and a few others; on an English blog the same in English.
import type { Kysely } from 'kysely'
import type { Language } from '../config.ts'
import type { Database } from '../db/schema.ts'
import { createPost } from '../content/posts.write.ts'
import { demoPostsEn, seedPostEn } from './posts.en.ts'
import { demoPosts as demoPostsFr, type DemoPost, type DemoSeed } from './posts.ts'
import { seedPost as seedPostFr } from './seed-post.ts'

const DEMO: Record<Language, { seedPost: DemoSeed; demoPosts: DemoPost[] }> = {
  fr: { seedPost: seedPostFr, demoPosts: demoPostsFr },
  en: { seedPost: seedPostEn, demoPosts: demoPostsEn },
}

export async function loadDemoContent(db: Kysely<Database>, language: Language): Promise<void> {
  const { seedPost, demoPosts } = DEMO[language]
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
