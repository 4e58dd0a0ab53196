// Bans: an e-mail address, an IP address or network, or a name whose new comments go to spam (or are refused,
// setting `banAction`). A ban with an expiry stops applying when its time comes, with no job to run: matching
// only reads bans whose expires_at is still ahead. Bans are few (a blog bans a handful of trolls), so every
// comment reads the active ones and matches them here, where IP networks and folded names can be compared.
import type { Kysely, Transaction } from 'kysely'
import { fold } from '../content/comment-rules.ts'
import type { Ban, BanKind, Database } from '../db/schema.ts'
import { canonicalIp, inNetwork, ipMatches, networkOf } from './ip.ts'

type Db = Kysely<Database> | Transaction<Database>

export const BAN_KINDS: readonly BanKind[] = ['email', 'ip', 'network', 'name']

/** Who wrote a comment, as bans look at it. */
export interface Commenter {
  email: string | null
  name: string
  ip: string | null
}

/** A name as a name ban compares it: accents, case and spacing do not matter ("Zoë  TROLL" is "zoe troll"). */
export function foldName(name: string): string {
  return fold(name).replace(/\s+/gu, ' ').trim()
}

/** An e-mail address as a ban compares it: NFC, lower case (addresses are stored in letters, NFC). */
export function foldEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase()
}

/** The value a ban of this kind stores for what the admin typed; null when it cannot be one (a bad IP). */
export function banValue(kind: BanKind, typed: string): string | null {
  switch (kind) {
    case 'email':
      return foldEmail(typed) || null
    case 'name':
      return foldName(typed) || null
    case 'ip':
      return canonicalIp(typed)
    case 'network':
      return networkOf(typed)
  }
}

/** Whether a ban covers this commenter. */
export function banCovers(ban: Pick<Ban, 'kind' | 'value'>, who: Commenter): boolean {
  switch (ban.kind) {
    case 'email':
      return who.email !== null && foldEmail(who.email) === ban.value
    case 'name':
      return foldName(who.name) === ban.value
    case 'ip':
      return who.ip !== null && ipMatches(who.ip, ban.value)
    case 'network':
      return who.ip !== null && inNetwork(who.ip, ban.value)
  }
}

/** Bans in force at `now`. */
export async function activeBans(db: Db, now: string): Promise<Ban[]> {
  return db
    .selectFrom('bans')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('id')
    .execute()
}

/** The first ban in force that covers this commenter, if any. */
export async function findBan(db: Db, who: Commenter, now: string): Promise<Ban | undefined> {
  return (await activeBans(db, now)).find((ban) => banCovers(ban, who))
}

export async function listBans(db: Db): Promise<Ban[]> {
  return db.selectFrom('bans').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
}

export async function findBanById(db: Db, id: number): Promise<Ban | undefined> {
  return db.selectFrom('bans').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertBan(db: Db, ban: Omit<Ban, 'id'>): Promise<number> {
  const row = await db.insertInto('bans').values(ban).returning('id').executeTakeFirstOrThrow()
  return row.id
}

/** Lifting a ban removes it: the audit log keeps what it was. */
export async function deleteBan(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('bans').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

const BATCH = 2000

/**
 * "Hide all their comments": every comment the ban covers that is not spam yet becomes spam. Names are folded
 * and networks computed here, not in SQL, so the comments are read once, in batches by id (an admin's rare
 * action). Returns the ids changed.
 */
export async function hideCoveredComments(db: Kysely<Database>, ban: Pick<Ban, 'kind' | 'value'>): Promise<number[]> {
  const hidden: number[] = []
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('comments')
      .select(['id', 'author_name', 'author_email', 'ip'])
      .where('id', '>', after)
      .where('status', '!=', 'spam')
      // The blog's own answers (written signed in) are never "theirs".
      .where('user_id', 'is', null)
      .orderBy('id')
      .limit(BATCH)
      .execute()
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    const ids = rows.filter((r) => banCovers(ban, { email: r.author_email, name: r.author_name, ip: r.ip })).map((r) => r.id)
    if (ids.length > 0) {
      await db.updateTable('comments').set({ status: 'spam' }).where('id', 'in', ids).where('status', '!=', 'spam').execute()
      hidden.push(...ids)
    }
    if (rows.length < BATCH) break
  }
  return hidden
}
