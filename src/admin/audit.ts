// The audit log: who changed what, when. Callers pass only identifiers and harmless facts (titles, counts,
// setting names): never a password, a session or a token.
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

export interface Actor {
  id: number | null
  username: string
}

export async function audit(
  db: Kysely<Database> | Transaction<Database>,
  actor: Actor,
  action: string,
  target = '',
  details?: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      user_id: actor.id,
      username: actor.username,
      action,
      target,
      details: details && Object.keys(details).length > 0 ? JSON.stringify(details) : '',
      created_at: nowIso(),
    })
    .execute()
}

/** The latest entries; of one writer only when `userId` is given (writers who do not manage the blog see their own). */
export async function recentAudit(db: Kysely<Database>, limit: number, userId: number | null = null) {
  let q = db.selectFrom('audit_log').select(['id', 'username', 'action', 'target', 'details', 'created_at'])
  if (userId !== null) q = q.where('user_id', '=', userId)
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
}
