// Old addresses of imported posts (WordPress: the item's <link>, /?p=<id>, /YYYY/MM/DD/slug/, /slug/) answer 301
// to the post's permanent link. They are looked up only where no real route answers (the 404 path), and for
// `/?p=<id>` on the home page, which is where WordPress's short links land (one naming no visible post is a 404).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely, Transaction } from 'kysely'
import { isVisibleToReaders } from '../content/visibility.ts'
import type { Database } from '../db/schema.ts'
import { postPath } from '../lib/urls.ts'

type Db = Kysely<Database> | Transaction<Database>

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The form an old address is stored and looked up in: `/?p=<id>` for WordPress's short links, else the path
 * percent-decoded, without its trailing slash and query string. Undefined for what cannot be one (another
 * scheme, an empty path).
 */
export function legacyKey(address: string): string | undefined {
  let url: URL
  try {
    url = new URL(address, 'http://legacy.invalid')
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  const path = safeDecode(url.pathname).replace(/\/+$/, '') || '/'
  if (path === '/' || path === '/index.php') {
    const id = url.searchParams.get('p') ?? url.searchParams.get('page_id')
    return id && /^\d+$/.test(id) ? `/?p=${id}` : undefined
  }
  return path
}

/** Remembers old addresses of a post; an address already kept for another post stays with it. */
export async function addLegacyUrls(db: Db, postId: number, addresses: readonly string[]): Promise<number> {
  const keys = [...new Set(addresses.map(legacyKey).filter((k): k is string => k !== undefined))]
  if (keys.length === 0) return 0
  const rows = await db
    .insertInto('legacy_urls')
    .values(keys.map((path) => ({ path, post_id: postId })))
    .onConflict((oc) => oc.column('path').doNothing())
    .returning('path')
    .execute()
  return rows.length
}

/** The post an old address names, whatever its state. */
export async function postOfLegacyUrl(db: Db, address: string) {
  const key = legacyKey(address)
  if (!key) return undefined
  return db
    .selectFrom('legacy_urls as l')
    .innerJoin('posts as p', 'p.id', 'l.post_id')
    .select(['p.id', 'p.slug', 'p.status', 'p.published_at', 'p.kind'])
    .where('l.path', '=', key)
    .executeTakeFirst()
}

export function legacyRedirects(app: FastifyInstance) {
  /** The permanent link a reader should go to, if the address is an imported post's old one and it is visible. */
  async function target(request: FastifyRequest): Promise<string | undefined> {
    const post = await postOfLegacyUrl(app.db, request.url)
    if (!post || !isVisibleToReaders(post, new Date().toISOString())) return undefined
    return postPath(post, app.settings.get().timezone)
  }
  app.notFoundRedirects.push(target)
  // The home page is a real route: only its `?p=<id>` form is looked up, before the page cache stores it. A short
  // link names one post: when that post is not for readers (a draft, nothing), the answer is the 404 page (and
  // its limit), never the home page in its place, which search engines would keep as a duplicate.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    if (!/^\/(?:index\.php)?\?(?:.*&)?(?:p|page_id)=\d/.test(request.url)) return
    const to = await target(request)
    if (to) return reply.redirect(to, 301)
    // `/index.php?p=` is no route: the 404 handler answers it already.
    if (request.is404) return
    reply.callNotFound()
    return reply
  })
}
