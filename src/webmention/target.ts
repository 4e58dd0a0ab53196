// Which of our posts or pages a webmention's target names: an address of this blog (SITE_URL's origin and path)
// that a reader can open now, at its canonical path (a post's date in the address must be its own).
import type { FastifyInstance } from 'fastify'
import { findPostBySlug } from '../content/posts.repository.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'
import { postPath } from '../lib/urls.ts'

const POST = /^\/archive\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\.html$/
const PAGE = /^\/([^/]+)\.html$/

export async function findTarget(app: FastifyInstance, target: string): Promise<{ id: number } | null> {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return null
  }
  const site = new URL(app.config.siteUrl)
  const base = site.pathname.replace(/\/+$/, '')
  if (url.origin !== site.origin || !url.pathname.startsWith(`${base}/`)) return null
  const path = url.pathname.slice(base.length)
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
