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

export async function recentAudit(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'username', 'action', 'target', 'details', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}
