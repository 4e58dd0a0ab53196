// Admin accounts: the table's queries and the `user add` command that creates an account or resets its password.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts'

type Db = Kysely<Database>

/** Usernames are lower-case so that sign-in does not depend on how someone typed theirs. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,49}$/

export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase()
}

export function passwordProblem(password: string): string | null {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) return `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`
  if (length > PASSWORD_MAX_LENGTH) return `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`
  return null
}

export async function findUserByUsername(db: Db, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
}

export async function findUserById(db: Db, id: number) {
  return db.selectFrom('users').select(['id', 'username', 'updated_at']).where('id', '=', id).executeTakeFirst()
}

/** Creates the account, or sets a new password on an existing one. Returns which it did. */
export async function setUserPassword(db: Db, username: string, password: string): Promise<'created' | 'updated'> {
  const hash = await hashPassword(password)
  const now = nowIso()
  const existing = await findUserByUsername(db, username)
  if (existing) {
    // updated_at changes, which signs out the sessions opened with the old password (see session.ts).
    await db.updateTable('users').set({ password_hash: hash, updated_at: now }).where('id', '=', existing.id).execute()
    return 'updated'
  }
  await db.insertInto('users').values({ username, password_hash: hash, created_at: now, updated_at: now }).execute()
  return 'created'
}
