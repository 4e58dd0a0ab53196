// Whether a remote actor is banned, by its id or its instance's domain (bans of kind 'actor' and 'domain').
// A stand-in until the comments room's isBannedRemote (src/comments/) is merged: the same rule, on the same table.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

export async function isBannedRemote(db: Kysely<Database>, actorId: string): Promise<boolean> {
  let host: string
  try {
    host = new URL(actorId).hostname.toLowerCase()
  } catch {
    return true
  }
  // The domain and every parent domain: a ban of example.org covers social.example.org.
  const labels = host.split('.')
  const domains = labels.map((_, i) => labels.slice(i).join('.'))
  const now = nowIso()
  const row = await db
    .selectFrom('bans')
    .select('id')
    .where((eb) =>
      eb.and([
        eb.or([
          eb.and([eb('kind', '=', 'actor' as never), eb('value', '=', actorId)]),
          eb.and([eb('kind', '=', 'domain' as never), eb('value', 'in', domains)]),
        ]),
        eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
      ]),
    )
    .executeTakeFirst()
  return row !== undefined
}
