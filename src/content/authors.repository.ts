// Writers as readers meet them: a post's byline, an author's page and feeds. Queries only; the byline's rule (shown
// or not) is here too, as it is a question about the posts: how many writers have published any.
import type { Kysely, Transaction } from 'kysely'
import { slugify } from '../lib/slug.ts'
import { compiled } from '../db/compiled.ts'
import { jsonNumbers } from '../db/portable.ts'
import type { Database } from '../db/schema.ts'
import { listedToReaders } from './visibility.ts'

type Db = Kysely<Database>

export interface AuthorRow {
  id: number
  name: string
  slug: string
}

const postAuthorsQuery = compiled((db, p: { postIds: string }) =>
  db
    .selectFrom('posts as p')
    .innerJoin('users as u', 'u.id', 'p.author_id')
    .select(['p.id as post_id', 'u.id', 'u.username', 'u.display_name', 'u.slug'])
    .where('p.id', 'in', jsonNumbers(db, p.postIds)),
)

/** The author of each of these posts (posts without one are left out). */
export async function authorsOfPosts(db: Db, postIds: readonly number[]): Promise<Map<number, AuthorRow>> {
  const out = new Map<number, AuthorRow>()
  if (postIds.length === 0) return out
  for (const r of await postAuthorsQuery(db, { postIds: JSON.stringify(postIds) })) {
    if (r.slug) out.set(r.post_id, { id: r.id, name: r.display_name || r.username, slug: r.slug })
  }
  return out
}

/**
 * Two writers with a post readers see, if there are: the writers (a few rows) each with one seek into their posts
 * (posts_author). Asked as the distinct authors of the visible posts, it walked every visible post on each page
 * of a blog whose posts have no writer (an import): 90 to 120 ms at 100,000 posts.
 */
const publishingWritersQuery = compiled((db, p: { now: string }) =>
  db
    .selectFrom('users as u')
    .select('u.id')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('posts as p')
          .select('p.id')
          .whereRef('p.author_id', '=', 'u.id')
          .where((eb) => listedToReaders(eb, p.now)),
      ),
    )
    .limit(2),
)

/** Whether bylines show: always, never, or (auto) once two writers or more have posts readers can see. */
export async function bylinesShown(db: Db, setting: 'auto' | 'always' | 'never', now: string): Promise<boolean> {
  if (setting !== 'auto') return setting === 'always'
  return (await publishingWritersQuery(db, { now })).length >= 2
}

export const findAuthorBySlug = compiled((db, p: { slug: string }) =>
  db
    .selectFrom('users as u')
    .leftJoin('media as m', 'm.id', 'u.portrait_media_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.slug', 'u.bio', 'm.name as portrait', 'm.width', 'm.height', 'm.alt'])
    .where('u.slug', '=', p.slug),
)

const LIST_COLUMNS = ['p.id', 'p.slug', 'p.title', 'p.excerpt', 'p.published_at', 'p.comments_open'] as const

export const listPublishedByAuthor = compiled((db, p: { now: string; authorId: number; limit: number; offset: number }) =>
  db
    .selectFrom('posts as p')
    .select(LIST_COLUMNS)
    .select((eb) =>
      eb.fn
        .coalesce(eb.selectFrom('post_stats as ps').select('ps.approved_comments').whereRef('ps.post_id', '=', 'p.id'), eb.lit(0))
        .as('comment_count'),
    )
    .where('p.author_id', '=', p.authorId)
    .where((eb) => listedToReaders(eb, p.now))
    .orderBy('p.published_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(p.limit)
    .offset(p.offset),
)

export const countPublishedByAuthor = compiled((db, p: { now: string; authorId: number }) =>
  db
    .selectFrom('posts as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.author_id', '=', p.authorId)
    .where((eb) => listedToReaders(eb, p.now)),
)

/** A free address on the blog for a writer, from their name (`-2`, `-3`… when taken by another writer). */
export async function uniqueUserSlug(db: Db | Transaction<Database>, name: string, exceptId?: number): Promise<string> {
  const base = slugify(name, 60) || 'auteur'
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`
    let query = db.selectFrom('users').select('id').where('slug', '=', slug)
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId)
    if (!(await query.executeTakeFirst())) return slug
  }
}

/**
 * A writer who cannot sign in (no password), for an imported post's author: WordPress's login when Carnet can take
 * it as a username (else its slug, made unique), and its display name. Readers see them like any writer.
 */
export async function insertWriterWithoutSignIn(trx: Transaction<Database>, login: string, displayName: string): Promise<number> {
  const lower = login.trim().toLowerCase()
  const base = /^[a-z0-9][a-z0-9._-]{0,49}$/.test(lower) ? lower : slugify(login, 40) || 'auteur'
  let username = base
  for (let n = 2; await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst(); n++) {
    username = `${base.slice(0, 44)}-${n}`
  }
  const name = displayName.trim() || login
  const now = new Date().toISOString()
  const row = await trx
    .insertInto('users')
    .values({
      username,
      password_hash: '',
      created_at: now,
      updated_at: now,
      role: 'author',
      display_name: name,
      slug: await uniqueUserSlug(trx, name),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}
