// The blog's settings live in the `settings` table (one JSON value per key). The environment only fills them
// when the database is new. Reads are served from memory; every write goes through `update`, which refreshes it,
// and a write by another connection is read again at the next request (src/settings/plugin.ts).
// A key added later (siteImage) needs no migration: initialize() writes its default into an existing blog at the
// next start, and reload() falls back to DEFAULT_SETTINGS for a key that has no row.
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'
import { DEFAULT_LOOK, lookSettings } from './look.ts'

/**
 * The site's image: an absolute http(s) URL, or a path on the site (`/static/logo.png`, read from SITE_URL);
 * '' for none. Shown where a post has no image of its own (link previews) and as the publisher's logo.
 */
export function isSiteImage(value: string): boolean {
  if (value === '') return true
  // Typed addresses have no spaces or control characters (they would be percent-encoded).
  if (/[\s\u0000-\u001f\u007f\\]/.test(value)) return false
  if (value.startsWith('/')) return !value.startsWith('//') && URL.canParse(`http://site${value}`)
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

export const SITE_IMAGE_MAX_LENGTH = 2000

/** The comment word lists (holdWords, refuseWords): one entry a line, at most this many lines and characters. */
export const WORD_LIST_MAX_LINES = 1000
export const WORD_LIST_MAX_CHARS = 20_000

/**
 * A word list as it is stored: each line trimmed, blank lines dropped, newlines unified. Whatever the admin
 * typed (CRLF from a textarea, stray spaces) is kept in this one form.
 */
export function cleanWordList(value: string): string {
  return value
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n')
}

/** Whether a cleaned word list is within the limits. */
export function isWordListWithinLimits(value: string): boolean {
  return value.length <= WORD_LIST_MAX_CHARS && (value === '' || value.split('\n').length <= WORD_LIST_MAX_LINES)
}

/** A fediverse handle: what comes before @host in @blog@example.org. */
export const FEDIVERSE_HANDLE = /^[a-z0-9_]{1,30}$/

const wordList = z.string().transform(cleanWordList).refine(isWordListWithinLimits)

export const settingsSchema = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(500),
  language: z.enum(['fr', 'en']),
  timezone: z.string().min(1),
  postsPerPage: z.coerce.number().int().min(1).max(100),
  /** none: publish at once; first-time: hold a commenter's first comment; all: hold every comment. */
  moderation: z.enum(['none', 'first-time', 'all']),
  /** Close comment threads this many days after publication; 0 = never. */
  commentsAutoCloseDays: z.coerce.number().int().min(0).max(36500),
  /** See isSiteImage(). */
  siteImage: z.string().trim().max(SITE_IMAGE_MAX_LENGTH).refine(isSiteImage),
  /** A comment with more links than this in its text is held for moderation (src/comments/rules.ts). */
  maxLinks: z.coerce.number().int().min(0).max(100),
  /** Words, addresses or IPs, one a line: a comment whose author, e-mail, site, text or IP holds one is held. */
  holdWords: wordList,
  /** Same, but such a comment is refused (not stored). */
  refuseWords: wordList,
  /**
   * Comments' IP addresses are erased this many days after the comment (src/content/ip-retention.ts); 0 = kept.
   * They serve the duplicate check, rate limiting and spotting abuse.
   */
  ipRetentionDays: z.coerce.number().int().min(0).max(3650),
  /** What becomes of a banned commenter's new comment (src/comments/bans.ts): kept as spam, or refused. */
  banAction: z.enum(['spam', 'refuse']),
  /** A commenter may edit or delete their comment, from the same browser, this many minutes; 0 = never. */
  commentEditMinutes: z.coerce.number().int().min(0).max(1440),
  /** This many readers' reports hold a comment for moderation; 0 = reports never hold. */
  reportHoldThreshold: z.coerce.number().int().min(0).max(1000),
  /** Likes, boosts, bookmarks and mentions from elsewhere shown under the post (src/comments/reactions.ts). */
  showReactions: z.boolean(),
  /** The sidebar's blocks, the blogroll, the design, custom CSS, logo and favicon (src/settings/look.ts). */
  ...lookSettings,
  /** Posts' bylines: auto shows them once two writers or more have published posts (src/reader/authors.ts). */
  bylines: z.enum(['auto', 'always', 'never']),
  /** The blog's name in the fediverse: @<fediverseHandle>@<host> (src/fediverse/). */
  fediverseHandle: z.string().regex(FEDIVERSE_HANDLE),
  /** Mails the sender sends a minute at most, every instance together (what the mail server accepts). */
  mailsPerMinute: z.coerce.number().int().min(1).max(10_000),
  /** The weekly digest's day (0 Sunday … 6 Saturday) and hour, in the blog's time zone (src/newsletter/). */
  digestDay: z.coerce.number().int().min(0).max(6),
  digestHour: z.coerce.number().int().min(0).max(23),
})

export type Settings = z.infer<typeof settingsSchema>

export const DEFAULT_SETTINGS: Omit<Settings, 'title' | 'description' | 'language' | 'timezone'> = {
  postsPerPage: 10,
  moderation: 'none',
  commentsAutoCloseDays: 0,
  siteImage: '',
  maxLinks: 2,
  holdWords: '',
  refuseWords: '',
  ipRetentionDays: 90,
  banAction: 'spam',
  commentEditMinutes: 15,
  reportHoldThreshold: 3,
  showReactions: true,
  ...DEFAULT_LOOK,
  bylines: 'auto',
  fediverseHandle: 'blog',
  mailsPerMinute: 60,
  digestDay: 1,
  digestHour: 8,
}

/**
 * The address the server last ran under (SITE_URL, or its default), kept in the settings table beside the settings
 * (not one of them: the admin does not edit it). The command line, which may run without SITE_URL, names the
 * blog's posts by it (export wxr) rather than by http://localhost:3000.
 */
const SITE_URL_KEY = 'siteUrl'

export async function recordSiteUrl(db: Kysely<Database>, siteUrl: string): Promise<void> {
  const value = JSON.stringify(siteUrl)
  await db
    .insertInto('settings')
    .values({ key: SITE_URL_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}

/** The address recorded by recordSiteUrl(), or null for a blog no server has run yet. */
export async function storedSiteUrl(db: Kysely<Database>): Promise<string | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SITE_URL_KEY).executeTakeFirst()
  const value = row ? (JSON.parse(row.value) as unknown) : null
  return typeof value === 'string' ? value : null
}

/**
 * The blog's settings, read from the database and kept frozen: a change (here, or by another process, seen by
 * the settings plugin) replaces the object, so what is derived from one (memo keys) never outlives it.
 */
export class SettingsStore {
  #current: Readonly<Settings> | undefined
  /** True when initialize() found no settings: the blog was created by this process (demo content goes in). */
  createdNow = false
  constructor(private readonly db: Kysely<Database>) {}

  /** Fills missing keys with the given values; returns true when the settings table was empty (a new blog). */
  async initialize(initial: Settings): Promise<boolean> {
    const existing = await this.db.selectFrom('settings').select('key').execute()
    const have = new Set(existing.map((r) => r.key))
    const missing = Object.entries(initial).filter(([k]) => !have.has(k))
    if (missing.length > 0) {
      await this.db
        .insertInto('settings')
        .values(missing.map(([key, value]) => ({ key, value: JSON.stringify(value) })))
        .execute()
    }
    await this.reload()
    this.createdNow = existing.length === 0
    return this.createdNow
  }

  async reload(): Promise<Readonly<Settings>> {
    const rows = await this.db.selectFrom('settings').select(['key', 'value']).execute()
    const raw = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]))
    const read = settingsSchema.parse({ ...DEFAULT_SETTINGS, ...raw })
    // Unchanged, the same object: memo keys stand for it (memoKey), and on PostgreSQL every write, this process's
    // own too, reloads the settings; a new object at each comment emptied every postsMemo (the sidebar, the
    // counts, the sitemap's files) though no setting had changed.
    if (!this.#current || JSON.stringify(read) !== JSON.stringify(this.#current)) this.#current = Object.freeze(read)
    return this.#current
  }

  get(): Readonly<Settings> {
    if (!this.#current) throw new Error('settings used before initialize()')
    return this.#current
  }

  async update(patch: Partial<Settings>): Promise<Readonly<Settings>> {
    const next = settingsSchema.parse({ ...this.get(), ...patch })
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(next)) {
        await trx
          .insertInto('settings')
          .values({ key, value: JSON.stringify(value) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
          .execute()
      }
    })
    return this.reload()
  }
}
