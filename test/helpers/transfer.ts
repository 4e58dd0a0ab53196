// Shared by the import and export tests: where the fixtures are, and every row an import writes.
import { resolve } from 'node:path'
import type { TestBlog } from './app.ts'
import { send } from './comments.ts'

/**
 * WordPress exports: the WordPress importer's own test files (GPL-2.0, origin in the folder's README) and
 * Carnet's imitations of real exports. In the repository, so that a clone alone runs its tests.
 */
export const WP_WXR = resolve(import.meta.dirname, '../fixtures/wxr')
export const OWN = resolve(import.meta.dirname, '../transfer/fixtures')

/** Every row of every table an import writes, to show that a refused file changed nothing. */
export async function snapshot(blog: TestBlog) {
  const db = blog.app.db
  return {
    posts: await db.selectFrom('posts').selectAll().orderBy('id').execute(),
    comments: await db.selectFrom('comments').selectAll().orderBy('id').execute(),
    categories: await db.selectFrom('categories').selectAll().orderBy('id').execute(),
    tags: await db.selectFrom('post_tags').selectAll().orderBy('post_id').orderBy('position').execute(),
    legacy: await db.selectFrom('legacy_urls').selectAll().orderBy('path').execute(),
    origins: await db.selectFrom('import_origins').select(['kind', 'external_id', 'local_id']).orderBy('external_id').execute(),
  }
}

/**
 * Starts an import and, once it is under way (`start` calls `underWay` from its progress), asks the same app for
 * the post's page and posts a comment on it: the page must answer and the comment be stored while the import
 * still runs. Returns the order in which the three finished, and the import's summary.
 */
export async function trafficDuringImport<S>(
  blog: TestBlog,
  post: { id: number; url: string },
  start: (underWay: () => void) => Promise<S>,
): Promise<{ events: string[]; summary: S }> {
  const events: string[] = []
  let started!: () => void
  const underWay = new Promise<void>((resolve) => (started = resolve))
  const importing = start(() => started()).then((summary) => {
    events.push('import finished')
    return summary
  })
  await underWay
  const page = await blog.app.inject({ url: post.url })
  if (page.statusCode === 200) events.push('page served')
  const comment = await send(blog, post.url, { author: 'Lina', body: 'Écrit pendant l’import.' })
  const stored = await blog.app.db.selectFrom('comments').select('id').where('post_id', '=', post.id).execute()
  if (comment.statusCode === 303 && stored.length === 1) events.push('comment stored')
  return { events, summary: await importing }
}
