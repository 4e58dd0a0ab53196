// Admin sessions live in an encrypted, signed cookie (@fastify/secure-session): no server-side store, so any
// number of instances sharing the key can serve them. The key comes from SESSION_KEY, or from `session.key`
// beside the database file, created on first start with mode 0600.
import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError, type Config } from '../config.ts'
import { dialectOf } from '../db/dialect.ts'

export const SESSION_COOKIE = 'carnet_session'
/** Idle time after which a session ends (refreshed while the admin works). */
export const SESSION_IDLE_SECONDS = 12 * 60 * 60
/** A session ends this long after sign-in however busy the admin is. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000
/** How stale a session may get before it is refreshed (to avoid a new cookie on every response). */
export const SESSION_REFRESH_SECONDS = 5 * 60

const HEX_KEY = /^[0-9a-fA-F]{64}$/

export function sessionKeyPath(databasePath: string): string {
  return join(dirname(databasePath), 'session.key')
}

/** The 32-byte key: from the configuration, else from the key file (created when missing). */
export function loadSessionKey(config: Pick<Config, 'sessionKey' | 'databasePath'>): Buffer {
  if (config.sessionKey) return Buffer.from(config.sessionKey, 'hex')
  // An in-memory database has no folder: its sessions last as long as the process.
  if (config.databasePath === ':memory:') return randomBytes(32)
  // The key file lives beside a SQLite file; a PostgreSQL database has no such place, and every instance must sign
  // sessions with the same key anyway.
  if (dialectOf(config.databasePath) === 'postgres') {
    throw new ConfigError(
      'Invalid configuration: SESSION_KEY must be set with PostgreSQL, the same on every instance (e.g. openssl rand -hex 32)',
    )
  }
  const path = sessionKeyPath(config.databasePath)
  try {
    // `wx` fails if the file exists, so two instances starting together never overwrite each other's key.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const text = readFileSync(path, 'utf8').trim()
  if (!HEX_KEY.test(text)) {
    throw new Error(`${path} must hold 64 hexadecimal characters (delete it to have a new one made; admins will sign in again)`)
  }
  // The umask cannot widen a file made with 0600, but a copied-in key file might be readable by others.
  try {
    chmodSync(path, 0o600)
  } catch {
    // Not our file to change (read-only mount): it is still usable.
  }
  return Buffer.from(text, 'hex')
}

/** What the session cookie holds: ids and times only, never a password or a hash. */
export interface SessionData {
  /** Random id of this session, so that signing out can revoke it. */
  sid: string
  uid: number
  /** The user row's updated_at at sign-in: a password reset changes it and so ends older sessions. */
  stamp: string
  /** Sign-in time (ms), for the absolute limit. */
  since: number
}

/** The session's typings know no keys; this is the one place that writes ours. */
export function startSession(session: { regenerate(): void }, data: SessionData): void {
  session.regenerate()
  const s = session as unknown as { set(key: string, value: unknown): void }
  for (const [key, value] of Object.entries(data)) s.set(key, value)
}

/**
 * Refused answers never write the session cookie (admin.plugin.ts), except these: a sign-in page shown in answer to
 * a save posted after the session ended (its form needs the fresh CSRF secret), and a save resumed right after
 * signing in whose answer is a refusal (a conflict: the new session must still reach the browser).
 */
const sessionWriters = new WeakSet<object>()

export function letRefusalWriteSession(request: object): void {
  sessionWriters.add(request)
}

export function mayRefusalWriteSession(request: object): boolean {
  return sessionWriters.has(request)
}
