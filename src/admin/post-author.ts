// The editor's author field (editors and above choose whose post it is; everyone else writes as themselves).
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'

const authorField = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)

/** Every writer, as the select offers them, with `selected` on the current author. */
export async function authorChoices(db: Kysely<Database>, selected: number | null) {
  const rows = await db.selectFrom('users').select(['id', 'username', 'display_name']).orderBy('display_name').orderBy('id').execute()
  return rows.map((r) => ({ id: r.id, name: r.display_name || r.username, selected: r.id === selected }))
}

/** The author a submitted form names, if that writer exists; undefined otherwise (the post keeps its own). */
export async function chosenAuthor(db: Kysely<Database>, body: unknown): Promise<number | undefined> {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).authorId : undefined
  const parsed = authorField.safeParse(raw)
  if (!parsed.success) return undefined
  const row = await db.selectFrom('users').select('id').where('id', '=', parsed.data).executeTakeFirst()
  return row?.id
}
