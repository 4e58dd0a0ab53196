// Invitations: an owner or an administrator invites a new writer by e-mail with a role. The link carries the
// invitation's id, its expiry and an HMAC of both (a key of its own derived from the session key, so it can pass
// for nothing else): a forged or altered link is refused before the database is read. The row says whether it was
// used: taking it is one conditional UPDATE, so two people racing with one link cannot both get an account.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Role } from './permissions.ts'

type Db = Kysely<Database>

export const INVITATION_DAYS = 7
const DAY_MS = 24 * 60 * 60 * 1000

export interface InvitationTokens {
  sign(id: number, expiresAt: string): string
  /** The invitation's id when the link is as we made it and not expired by its own date; else why not. */
  verify(token: string, now: Date): { id: number } | 'invalid' | 'expired'
}

export function invitationTokens(sessionKey: Buffer): InvitationTokens {
  const key = createHmac('sha256', sessionKey).update('carnet invitation tokens').digest()
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url')
  return {
    sign(id, expiresAt) {
      const payload = `${id}-${Date.parse(expiresAt).toString(36)}`
      return `${payload}.${mac(payload)}`
    },
    verify(token, now) {
      const m = /^(\d{1,15})-([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token)
      if (!m) return 'invalid'
      const expected = Buffer.from(mac(`${m[1]}-${m[2]}`))
      const given = Buffer.from(m[3]!)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid'
      if (parseInt(m[2]!, 36) <= now.getTime()) return 'expired'
      return { id: Number(m[1]) }
    },
  }
}

export async function createInvitation(db: Db, email: string, role: Role, invitedBy: number, now: Date) {
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * DAY_MS).toISOString()
  const row = await db
    .insertInto('invitations')
    .values({ email, role, invited_by: invitedBy, created_at: now.toISOString(), expires_at: expiresAt, used_at: null, user_id: null })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, expiresAt }
}

export async function findInvitation(db: Db, id: number) {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Invitations neither used nor expired, newest first. */
export async function pendingInvitations(db: Db, now: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'email', 'role', 'expires_at'])
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .execute()
}

/** Marks the invitation used (in the transaction that makes the account); false when someone used it first. */
export async function takeInvitation(db: Db, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}
