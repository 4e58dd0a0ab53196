// Paging the admin's long lists by key (issue 27): a page starts after (or ends before) a row's sort key and id,
// so that page 2,000 of a million comments costs what page 1 does (no OFFSET walking the rows before it) and no
// page counts the whole table. Its place is one URL parameter, `page`: `a:<key>~<id>` (the rows after that one,
// in the list's order) or `b:<key>~<id>` (the rows before it: the previous page); none for the first page.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import { z } from 'zod'
import type { Pager } from '../lib/pager.ts'

export interface Cursor {
  /** The row's sort key (an ISO date). */
  key: string
  id: number
}
export interface Position {
  /** After the cursor (next pages), or before it (the previous page). */
  side: 'a' | 'b'
  cursor: Cursor
}

/** The `page` parameter: a position, or '' for the first page (anything else, an old `page=3` included, too). */
export const positionParam = z
  .string()
  .regex(/^(?:[ab]:[^~\s]{1,40}~\d{1,12})?$/)
  .catch('')
  .default('')

export function parsePosition(param: string): Position | null {
  const m = /^([ab]):([^~\s]{1,40})~(\d{1,12})$/.exec(param)
  return m ? { side: m[1] as 'a' | 'b', cursor: { key: m[2]!, id: Number(m[3]) } } : null
}

const positionString = (side: 'a' | 'b', c: Cursor) => `${side}:${c.key}~${c.id}`

/**
 * The WHERE and ORDER BY of a page: rows whose (key, id) comes after (or before) the cursor in `order`. Reading
 * backwards (`b:`) the rows come in reverse order, `limit` + 1 of them; pageOf() puts them right.
 */
export function keyset(
  key: Expression<unknown>,
  id: Expression<unknown>,
  order: 'asc' | 'desc',
  at: Position | null,
): { where: RawBuilder<SqlBool> | null; direction: 'asc' | 'desc' } {
  const backwards = at?.side === 'b'
  const direction = backwards ? (order === 'asc' ? 'desc' : 'asc') : order
  if (!at) return { where: null, direction }
  const op = sql.raw(direction === 'desc' ? '<' : '>')
  const opOrEqual = sql.raw(direction === 'desc' ? '<=' : '>=')
  // The first condition alone is an index range on both databases (an OR, or SQLite's row values here, were
  // read as a filter over every row from the list's start); the second only drops the cursor's ties.
  return {
    where: sql<SqlBool>`(${key} ${opOrEqual} ${at.cursor.key} and (${key} ${op} ${at.cursor.key} or ${id} ${op} ${at.cursor.id}))`,
    direction,
  }
}

/** One page of rows read with keyset() (`limit` + 1 of them), its links before and after. */
export function pageOf<T>(
  rows: T[],
  size: number,
  at: Position | null,
  cursorOf: (row: T) => Cursor,
  urlOf: (position: string | null) => string,
): { rows: T[]; pager: Pager } {
  const more = rows.length > size
  const page = rows.slice(0, size)
  if (at?.side === 'b') page.reverse()
  const first = page[0]
  const last = page[page.length - 1]
  const hasPrevious = at?.side === 'b' ? more : at !== null
  const hasNext = at?.side === 'b' ? true : more
  return {
    rows: page,
    pager: {
      // Pages are not counted: the pager shows its links only.
      page: 1,
      pages: null,
      previousUrl: hasPrevious ? (first ? urlOf(positionString('b', cursorOf(first))) : urlOf(null)) : null,
      nextUrl: hasNext && last ? urlOf(positionString('a', cursorOf(last))) : null,
    },
  }
}
