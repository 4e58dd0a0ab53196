// Which of our posts or pages a webmention's target names: an address of this blog (SITE_URL's origin and path)
// that a reader can open now, at its canonical path (a post's date in the address must be its own).
import type { FastifyInstance } from 'fastify'
import { findPostBySlug } from '../content/posts.repository.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'
import { postPath } from '../lib/urls.ts'

const POST = /^\/archive\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\.html$/
const PAGE = /^\/([^/]+)\.html$/
const COMMENT = /^\/comment\/(\d{1,12})$/

/** The path of an address of this blog (SITE_URL's origin, under its path), or null for another site's. */
function pathOn(app: FastifyInstance, url: URL): string | null {
  const site = new URL(app.config.siteUrl)
  const base = site.pathname.replace(/\/+$/, '')
  if (url.origin !== site.origin || !url.pathname.startsWith(`${base}/`)) return null
  return url.pathname.slice(base.length)
}

/** The id of one of our comments an address names (/comment/<id>, or a post's #comment-<id>), or null. */
export function commentIdIn(app: FastifyInstance, address: string): number | null {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return null
  }
  const path = pathOn(app, url)
  if (path === null) return null
  const m = COMMENT.exec(path) ?? ((POST.test(path) || PAGE.test(path)) && /^#comment-(\d{1,12})$/.exec(url.hash))
  return m ? Number(m[1]) : null
}

/**
 * The post or page a target names, or null. A comment's own address (/comment/<id>, what our comments' u-url
 * says) names its post, when readers can see the comment.
 */
export async function findTarget(app: FastifyInstance, target: string): Promise<{ id: number } | null> {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return null
  }
  const path = pathOn(app, url)
  if (path === null) return null
  const comment = COMMENT.exec(path)
  if (comment) {
    const row = await app.db
      .selectFrom('comments as c')
      .innerJoin('posts as p', 'p.id', 'c.post_id')
      .select(['p.id', 'p.status', 'p.published_at'])
      .where('c.id', '=', Number(comment[1]))
      .where('c.status', '=', 'approved')
      .executeTakeFirst()
    return row && isVisibleToReaders(row, nowIso()) ? { id: row.id } : null
  }
  const m = POST.exec(path) ?? PAGE.exec(path)
  if (!m) return null
  let slug: string
  try {
    slug = decodeURIComponent(m[1]!)
  } catch {
    return null
  }
  const row = await findPostBySlug.first(app.db, { slug })
  if (!row || !isVisibleToReaders(row, nowIso())) return null
  if (postPath(row, app.settings.get().timezone) !== path) return null
  return { id: row.id }
}
