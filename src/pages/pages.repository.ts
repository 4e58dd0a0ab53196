// Queries of static pages and of the header's menu. Pages are rows of `posts` (kind 'page'); the menu is
// menu_items, in `position` order.
import type { Kysely, Transaction } from 'kysely'
import type { Database, MenuItemType } from '../db/schema.ts'
import { slugTaken } from '../content/posts.write.ts'

type Db = Kysely<Database> | Transaction<Database>

export type PageSlugProblem = 'reserved' | 'taken'

/**
 * Why a page may not have this slug: it is the first segment of one of the app's own addresses (`/feed.rss`,
 * `/admin`, `/sitemap.xml`: `routeNames`), or another page or post has it. Null when it is free.
 */
export async function pageSlugProblem(
  db: Db,
  routeNames: ReadonlySet<string>,
  slug: string,
  exceptId?: number,
): Promise<PageSlugProblem | null> {
  if (routeNames.has(slug.toLowerCase())) return 'reserved'
  if (await slugTaken(db, slug, exceptId)) return 'taken'
  return null
}

/** Every page, whatever its state, by title: the menu's choices. */
export async function allPages(db: Db) {
  return db
    .selectFrom('posts')
    .select(['id', 'title', 'slug', 'status', 'published_at'])
    .where('kind', '=', 'page')
    .orderBy('title')
    .orderBy('id')
    .execute()
}

/** The menu as stored, with what each item names (a page's title and state, a category's name and slug). */
export async function menuRows(db: Db) {
  return db
    .selectFrom('menu_items as m')
    .leftJoin('posts as p', 'p.id', 'm.post_id')
    .leftJoin('categories as c', 'c.id', 'm.category_id')
    .select(['m.id', 'm.position', 'm.type', 'm.post_id', 'm.category_id', 'm.url', 'm.label'])
    .select(['p.title as page_title', 'p.slug as page_slug', 'p.status as page_status', 'p.published_at as page_published_at'])
    .select(['c.name as category_name', 'c.slug as category_slug'])
    .orderBy('m.position')
    .orderBy('m.id')
    .execute()
}

export type MenuRow = Awaited<ReturnType<typeof menuRows>>[number]

export interface NewMenuItem {
  type: MenuItemType
  postId?: number | null
  categoryId?: number | null
  url?: string | null
  label?: string
}

/** Adds an item at the end of the menu. */
export async function addMenuItem(db: Kysely<Database>, item: NewMenuItem): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('menu_items')
      .select((eb) => eb.fn.max('position').as('p'))
      .executeTakeFirst()
    const row = await trx
      .insertInto('menu_items')
      .values({
        position: Number(last?.p ?? 0) + 1,
        type: item.type,
        post_id: item.postId ?? null,
        category_id: item.categoryId ?? null,
        url: item.url ?? null,
        label: item.label ?? '',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
}

export async function removeMenuItem(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('menu_items').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function setMenuLabel(db: Db, id: number, label: string): Promise<boolean> {
  const result = await db.updateTable('menu_items').set({ label }).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Swaps an item with its neighbour above (`up`) or below; false when there is none (or no such item). */
export async function moveMenuItem(db: Kysely<Database>, id: number, direction: 'up' | 'down'): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('menu_items').select(['id', 'position']).orderBy('position').orderBy('id').execute()
    const at = rows.findIndex((r) => r.id === id)
    const other = direction === 'up' ? at - 1 : at + 1
    if (at < 0 || other < 0 || other >= rows.length) return false
    // Renumbered whole, so that equal positions (never written by the app, but possible) cannot stall a move.
    const order = rows.map((r) => r.id)
    ;[order[at], order[other]] = [order[other]!, order[at]!]
    for (const [i, itemId] of order.entries()) {
      await trx
        .updateTable('menu_items')
        .set({ position: i + 1 })
        .where('id', '=', itemId)
        .execute()
    }
    return true
  })
}
