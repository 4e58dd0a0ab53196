// Writers' accounts: the table's queries, for sign-in, invitations and the `user add` / `user password` commands.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'
import { uniqueUserSlug } from '../content/authors.repository.ts'
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts'
import type { Role } from './permissions.ts'

type Db = Kysely<Database>

/** Usernames are lower-case so that sign-in does not depend on how someone typed theirs. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,49}$/

/** What sign-in does with a typed name (so `Alice ` signs in as `alice`). */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase()
}

/**
 * Why a name given to the command line cannot be an account's name, or null when it can. The commands take
 * only the canonical form (the one stored, and what `normalizeUsername` makes of it) rather than quietly
 * turning `Alice` into `alice`: the person typing should know which account they are creating or changing.
 */
export function usernameProblem(raw: string): string | null {
  const canonical = normalizeUsername(raw)
  if (!USERNAME_PATTERN.test(canonical)) {
    return 'A username is 1 to 50 characters: lower-case letters a-z, digits, ".", "_" or "-", starting with a letter or a digit.'
  }
  if (canonical !== raw) return `Usernames are lower-case, without spaces: did you mean "${canonical}"?`
  return null
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
  return db.selectFrom('users').select(['id', 'username', 'updated_at', 'role', 'display_name']).where('id', '=', id).executeTakeFirst()
}

export interface NewUser {
  role?: Role
  displayName?: string
  email?: string | null
  /** No password: a writer who cannot sign in (an imported post's author). */
  noSignIn?: boolean
}

/**
 * Creates the account (an owner unless told otherwise: the first account of a blog must be able to do
 * everything); its id, or null (and nothing written) when the name is taken. The first account also becomes the
 * author of the posts that have none (a blog's demo posts).
 */
export async function createWriter(db: Db, username: string, password: string, options: NewUser = {}): Promise<number | null> {
  const hash = options.noSignIn ? '' : await hashPassword(password)
  const now = nowIso()
  const displayName = options.displayName?.trim() || username
  const slug = await uniqueUserSlug(db, displayName)
  // The unique index decides, so two commands racing for one name cannot both succeed.
  const row = await db
    .insertInto('users')
    .values({
      username,
      password_hash: hash,
      created_at: now,
      updated_at: now,
      role: options.role ?? 'owner',
      display_name: displayName,
      slug,
      email: options.email ?? null,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!row) return null
  const others = await db.selectFrom('users').select('id').where('id', '<>', row.id).limit(1).executeTakeFirst()
  if (!others) await db.updateTable('posts').set({ author_id: row.id }).where('author_id', 'is', null).execute()
  return row.id
}

/** Creates the account; false (and nothing written) when the name is taken. */
export async function createUser(db: Db, username: string, password: string, role: Role = 'owner'): Promise<boolean> {
  return (await createWriter(db, username, password, { role })) !== null
}

/** Sets a new password on an existing account; false when there is none of that name. */
export async function changePassword(db: Db, username: string, password: string): Promise<boolean> {
  const hash = await hashPassword(password)
  // updated_at changes, which signs out the sessions opened with the old password (see admin.plugin.ts).
  const result = await db
    .updateTable('users')
    .set({ password_hash: hash, updated_at: nowIso() })
    .where('username', '=', username)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}
