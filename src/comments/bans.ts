// Bans: an e-mail address, an IP address or network, or a name whose new comments go to spam (or are refused,
// setting `banAction`); for comments from elsewhere (src/comments/remote.ts), an actor (an ActivityPub actor's id,
// an h-card's address) or a domain (an instance or site: the host and its subdomains). A ban with an expiry stops applying when its time comes, with no job to run: matching
// only reads bans whose expires_at is still ahead. Bans are few (a blog bans a handful of trolls), so every
// comment reads the active ones and matches them here, where IP networks and folded names can be compared.
// A ban is meant for a person, not for one spelling (issue 30): names are compared without what nobody sees and
// with look-alike letters folded, and an address ban covers its sub-addresses (name+tag@domain) unless the admin
// unticks it.
import type { Kysely, Transaction } from 'kysely'
import type { Ban, BanKind, Database } from '../db/schema.ts'
import { readableAddress } from '../lib/address.ts'
import { isUrlHostValid } from '../lib/idna.ts'
import { nowIso } from '../lib/time.ts'
import { canonicalIp, inNetwork, ipMatches, networkOf } from './ip.ts'

type Db = Kysely<Database> | Transaction<Database>

export const BAN_KINDS: readonly BanKind[] = ['email', 'ip', 'network', 'name', 'actor', 'domain']

/** Who wrote a comment, as bans look at it. */
export interface Commenter {
  email: string | null
  name: string
  ip: string | null
  /** A comment from elsewhere: its author's actor id (or h-card address). */
  actor?: string | null
  /** A comment from elsewhere: the hosts it came from (the actor's, the author's page's, the comment's own). */
  hosts?: readonly string[]
}

/** An actor as an actor ban compares it: an http(s) address, without its fragment; null when it is none. */
export function actorValue(typed: string): string | null {
  try {
    const url = new URL(typed.trim())
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
    url.hash = ''
    return url.href
  } catch {
    return null
  }
}

/**
 * A domain as a domain ban stores it: the host name in punycode and lower case, with no trailing dot. Typed as a
 * host (`mastodon.social`, `exämple.fr`), an address (`https://mastodon.social/@x`) or a handle (`@x@mastodon.social`).
 */
export function domainValue(typed: string): string | null {
  let text = typed.trim()
  const handle = /^@?[^@\s/]+@([^@\s/]+)$/u.exec(text)
  if (handle) text = handle[1]!
  if (!/^[a-z][a-z\d+.-]*:\/\//iu.test(text)) text = `https://${text}`
  try {
    const url = new URL(text)
    const host = url.hostname.replace(/\.$/u, '')
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !host.includes('.') || host.startsWith('[')) return null
    if (/^[\d.]+$/u.test(host) || host.split('.').includes('') || !isUrlHostValid(host)) return null
    return host
  } catch {
    return null
  }
}

/** The host of an address, as domainValue writes it; null when it is not an http(s) address. */
export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.hostname.replace(/\.$/u, '') : null
  } catch {
    return null
  }
}

/** A stored comment as bans look at it: a remote one with its actor and the hosts it came from. */
export function commenterOf(row: {
  author_name: string
  author_email: string | null
  ip: string | null
  author_actor: string | null
  author_url: string | null
  origin_url: string | null
}): Commenter {
  const hosts = [row.author_actor, row.origin_url, row.author_url].map(hostOf).filter((h) => h !== null)
  return { email: row.author_email, name: row.author_name, ip: row.ip, actor: row.author_actor, hosts: row.origin_url ? hosts : [] }
}

/** Blank to the eye: whitespace, controls, and the Braille blank (U+2800), which is no space to Unicode. */
const BLANKS = /[\s\p{Cc}\u2800]+/gu
/**
 * Drawn as nothing: format characters (zero-width space and joiners, soft hyphen, bidi controls, word joiner),
 * and every default-ignorable code point (variation selectors, the combining grapheme joiner, Hangul fillers).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu

/**
 * Letters of other scripts drawn exactly as a Latin letter, folded to it (after lower-casing, so that the
 * capitals' look-alikes count too: Cyrillic В is a B, Greek Η an H). Only Cyrillic and Greek letters that are
 * the same shape in common fonts (after Unicode's confusables.txt). Not folded, because real names differ by
 * them: digits and letters (0/O, 1/l/I), rn/m, and Latin letters among themselves.
 */
const LOOK_ALIKES = new Map(
  // Cyrillic, then Greek (final sigma as case folding does), each above the Latin letter it is drawn as.
  zip('авекмнорстухѕіјԁԛԝ' + 'αβεζηικμνορτυχς', 'abekmhopctyxsijdqw' + 'abezhikmnoptyxσ'),
)
const LOOK_ALIKE = new RegExp(`[${[...LOOK_ALIKES.keys()].join('')}]`, 'gu')

function zip(from: string, to: string): Array<[string, string]> {
  const target = [...to]
  return [...from].map((c, i) => [c, target[i]!])
}

/**
 * A name as a name ban compares it. What nobody sees is removed ("Zoë\u200b Troll"); compatibility forms are
 * unfolded (NFKC: full-width and mathematical letters); case is folded fully (lower, upper then lower case: ß and ẞ are ss);
 * accents are removed (NFKD, marks dropped); look-alike Cyrillic and Greek letters become the Latin one; every
 * run of blanks is one space. "Zoë  TROLL", "ＺＯＥ ＴＲＯＬＬ" and "Zоë Trоll" (Cyrillic о) are all "zoe troll".
 */
export function foldName(name: string): string {
  return name
    .replace(BLANKS, ' ')
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(LOOK_ALIKE, (c) => LOOK_ALIKES.get(c)!)
    .replace(BLANKS, ' ')
    .trim()
}

/**
 * An e-mail address as a ban compares it: nothing invisible, NFC, lower case, the domain as people read it (a ban
 * typed `troll@xn--exmple-cua.fr` covers the comment stored as `troll@exämple.fr`, and the reverse).
 */
export function foldEmail(email: string): string {
  return readableAddress(email.replace(INVISIBLE, '').normalize('NFC').trim()).toLowerCase()
}

/**
 * Whether `email` is the banned address, or with `subaddresses` one of its sub-addresses: `name+anything@domain`
 * for a ban on `name@domain` (the `+` tag that Gmail, Fastmail, Proton, Outlook and most servers deliver to the
 * same mailbox). Other separators (`-` at some providers) and Gmail's ignored dots are not folded: they are one
 * provider's rule, not the address's.
 */
function emailCovered(email: string, banned: string, subaddresses: boolean): boolean {
  const address = foldEmail(email)
  const value = foldEmail(banned)
  if (address === value) return true
  if (!subaddresses) return false
  const at = address.lastIndexOf('@')
  const bannedAt = value.lastIndexOf('@')
  return address.slice(at) === value.slice(bannedAt) && address.slice(0, at).startsWith(`${value.slice(0, bannedAt)}+`)
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
    case 'actor':
      return actorValue(typed)
    case 'domain':
      return domainValue(typed)
  }
}

/** The fields of a ban that say whom it covers (`subaddresses` only for an e-mail ban: 1 covers name+tag@). */
export type BanRule = Pick<Ban, 'kind' | 'value'> & { subaddresses?: number }

/**
 * Whether a ban covers this commenter. The stored value is folded again: a ban stored before the folding learned
 * something (invisible characters, ß) compares as a new one would.
 */
export function banCovers(ban: BanRule, who: Commenter): boolean {
  switch (ban.kind) {
    case 'email':
      return who.email !== null && emailCovered(who.email, ban.value, ban.subaddresses === 1)
    case 'name':
      return foldName(who.name) === foldName(ban.value)
    case 'ip':
      return who.ip !== null && ipMatches(who.ip, ban.value)
    case 'network':
      return who.ip !== null && inNetwork(who.ip, ban.value)
    case 'actor':
      return who.actor != null && actorValue(who.actor) === actorValue(ban.value)
    case 'domain': {
      const domain = domainValue(ban.value)
      return domain !== null && (who.hosts ?? []).some((host) => host === domain || host.endsWith(`.${domain}`))
    }
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

/**
 * Whether a remote actor, or anyone of a domain (an address or a host), is banned now: the fediverse and
 * webmention code ask before doing any work for them (fetching an actor, a source page).
 */
export async function isBannedRemote(db: Db, who: { actor?: string | null; domain?: string | null }): Promise<boolean> {
  const host = who.domain ? (hostOf(who.domain) ?? domainValue(who.domain)) : null
  const hosts = [hostOf(who.actor), host].filter((h) => h !== null)
  return (await findBan(db, { email: null, name: '', ip: null, actor: who.actor ?? null, hosts }, nowIso())) !== undefined
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
export async function hideCoveredComments(db: Kysely<Database>, ban: BanRule): Promise<number[]> {
  const hidden: number[] = []
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('comments')
      .select(['id', 'author_name', 'author_email', 'ip', 'author_actor', 'author_url', 'origin_url'])
      .where('id', '>', after)
      .where('status', '!=', 'spam')
      // The blog's own answers (written signed in) are never "theirs".
      .where('user_id', 'is', null)
      .orderBy('id')
      .limit(BATCH)
      .execute()
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    const ids = rows.filter((r) => banCovers(ban, commenterOf(r))).map((r) => r.id)
    if (ids.length > 0) {
      await db.updateTable('comments').set({ status: 'spam' }).where('id', 'in', ids).where('status', '!=', 'spam').execute()
      hidden.push(...ids)
    }
    if (rows.length < BATCH) break
  }
  return hidden
}
