// Admin passwords: scrypt (node:crypto) with a random salt, stored as a self-describing string
// `scrypt$N$r$p$salt$hash` (base64), so that the cost can be raised later without breaking old hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const N = 2 ** 15
const R = 8
const P = 1
const KEY_LENGTH = 32
const SALT_LENGTH = 16

export const PASSWORD_MIN_LENGTH = 10
export const PASSWORD_MAX_LENGTH = 1000

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; the default maxmem (32 MiB) is exactly too small for N = 2^15.
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const hash = await derive(password, salt, N, R, P)
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$')
}

/** Whether `password` matches `stored`. A malformed or unknown hash never matches (and never throws). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  // Refuse absurd parameters rather than let a bad row exhaust memory.
  if (!Number.isInteger(Math.log2(n)) || n < 2 ** 10 || n > 2 ** 20 || !(r >= 1 && r <= 32) || !(p >= 1 && p <= 16)) return false
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false
  const actual = await derive(password, salt, n, r, p)
  return timingSafeEqual(actual, expected)
}

/** A hash of a random password: verified against when the username is unknown, so both cases take as long. */
let decoy: Promise<string> | undefined
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'))
  return decoy
}
