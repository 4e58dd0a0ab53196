// Shared by the import and export tests: where the fixtures are, and every row an import writes.
import { resolve } from 'node:path'
import type { TestBlog } from './app.ts'

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
