// `npm run cli -- copy <from> <to>`: a whole blog from one database to another, of either kind (SQLite file or,
// once PostgreSQL support is in, postgres://). The target is migrated first and must be empty; the blog's own
// tables are copied in foreign-key order, in batches, ids preserved, from one snapshot of the source; what
// triggers derive (per-post counts, site state, the search queue) is rebuilt by the target's own triggers.
// Everything is written in one transaction: a failed copy leaves the target as empty as it was.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Kysely, sql, type Transaction } from 'kysely'
import { z } from 'zod'
import { openDatabase } from '../db/plugin.ts'
import { resetSequences } from '../db/postgres.ts'
import type { Database } from '../db/schema.ts'

/**
 * The blog's tables in foreign-key order, each with the columns that order its rows (its primary key), and the
 * column that refers to a row of the same table, if any (see `later` in copyBlog).
 */
export const COPIED_TABLES: ReadonlyArray<{ table: keyof Database; orderBy: readonly string[]; selfReference?: string }> = [
  // Before users: a writer's portrait is an image of the library.
  { table: 'media', orderBy: ['id'] },
  { table: 'users', orderBy: ['id'] },
  { table: 'invitations', orderBy: ['id'] },
  { table: 'settings', orderBy: ['key'] },
  { table: 'categories', orderBy: ['id'] },
  { table: 'posts', orderBy: ['id'] },
  { table: 'post_categories', orderBy: ['post_id', 'category_id'] },
  { table: 'post_tags', orderBy: ['post_id', 'position'] },
  { table: 'post_redirects', orderBy: ['old_slug'] },
  // ---- pages ----
  { table: 'menu_items', orderBy: ['id'] },
  { table: 'post_revisions', orderBy: ['id'] },
  { table: 'post_autosaves', orderBy: ['user_id', 'post_key'] },
  { table: 'pending_saves', orderBy: ['token_hash'] },
  { table: 'preview_links', orderBy: ['id'] },
  { table: 'legacy_urls', orderBy: ['path'] },
  { table: 'import_origins', orderBy: ['kind', 'external_id'] },
  { table: 'bans', orderBy: ['id'] },
  // By id: a reply's parent is nearly always an older comment, there first; not after a Disqus import, which
  // links an answer listed before its parent afterwards (src/transfer/disqus-import.ts): see selfReference.
  { table: 'comments', orderBy: ['id'], selfReference: 'parent_id' },
  { table: 'comment_reports', orderBy: ['id'] },
  // ---- the open web ----
  { table: 'reactions', orderBy: ['id'] },
  { table: 'publication_channels', orderBy: ['name'] },
  { table: 'post_channels', orderBy: ['channel', 'post_id'] },
  // Webmentions received (after their posts) and sent (src/webmention/).
  { table: 'webmentions', orderBy: ['id'] },
  { table: 'webmention_sends', orderBy: ['id'] },
  // Pending work goes on from the copy (and what was done stays readable in the admin).
  { table: 'jobs', orderBy: ['id'] },
  // The blog's fediverse keys (a new key would make its followers' servers distrust it) and its followers.
  { table: 'fedi_kv', orderBy: ['key'] },
  { table: 'fedi_followers', orderBy: ['id'] },
  { table: 'mail_addresses', orderBy: ['id'] },
  { table: 'mail_subscriptions', orderBy: ['id'] },
  { table: 'mail_outbox', orderBy: ['id'] },
  { table: 'blog_subscriptions', orderBy: ['id'] },
  { table: 'audit_log', orderBy: ['id'] },
  { table: 'login_failures', orderBy: ['id'] },
  { table: 'revoked_sessions', orderBy: ['sid'] },
]

/**
 * Tables not copied: kept by triggers from the copied ones (post_stats, post_media, month_counts, category_counts, sitemap_days, sitemap_moves, site_state,
 * search_queue and the search
 * index: SQLite's posts_fts*, PostgreSQL's posts_search and posts_search_text), short-lived counters (rate_limits, mail_pace), the migrations' own
 * bookkeeping, and SQLite's internals.
 */
const DERIVED =
  /^(post_stats|post_media|month_counts|category_counts|sitemap_days|sitemap_moves|site_state|search_queue|posts_fts.*|posts_search|posts_search_text|rate_limits|mail_pace|kysely_migration.*|sqlite_.*)$/

/** Whether a table of the schema is left out of a copy on purpose (see DERIVED); every other one is copied. */
export function isDerivedTable(name: string): boolean {
  return DERIVED.test(name)
}

/** Rows read at a time. */
const READ_BATCH = 1000
/** Parameters per INSERT, well under SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const MAX_PARAMETERS = 10_000

/** The copy walks tables by name: rows are passed through as they are, whatever their columns. */
type AnyTables = Record<string, Record<string, unknown>>

export class CopyError extends Error {}

export type DatabaseUrl = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

const urlArgument = z
  .string()
  .trim()
  .min(1, { error: 'is empty' })
  .transform((value, ctx): DatabaseUrl => {
    if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value }
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)
    if (scheme) {
      ctx.addIssue({
        code: 'custom',
        message: `has an unknown scheme ${scheme[1]}:// (use a SQLite file path or postgres://user:password@host:port/database)`,
      })
      return z.NEVER
    }
    return { kind: 'sqlite', path: value.replace(/^(sqlite|file):(\/\/)?/, '') }
  })

/** A command-line database argument: a SQLite file path (`sqlite:`/`file:` accepted) or a postgres:// URL. */
export function parseDatabaseUrl(value: string, name: string): DatabaseUrl {
  const parsed = urlArgument.safeParse(value)
  if (!parsed.success) throw new CopyError(`<${name}> ${parsed.error.issues[0]!.message}: ${JSON.stringify(value)}`)
  return parsed.data
}

function describe(url: DatabaseUrl): string {
  // Never print a password.
  return url.kind === 'sqlite' ? url.path : url.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
}

interface Opened {
  db: Kysely<Database>
  close(): Promise<void>
}

/** Opens and migrates a database named by a URL; `name` (from, to) says which one in an error. */
async function open(url: DatabaseUrl, name: string): Promise<Opened> {
  try {
    // src/db/plugin.ts opens either kind by its URL, and migrates it.
    const { db } = await openDatabase(url.kind === 'postgres' ? url.url : url.path, { poolSize: 2 })
    return { db, close: () => db.destroy() }
  } catch (err) {
    // A server that refuses, a database that does not exist, a wrong password: one line, the password hidden
    // (the driver's message never holds it). The migrator's "the database could not be read: " before a
    // connection's error adds nothing to "Cannot open".
    const reason = err instanceof Error ? err.message.replace(/^the database could not be read: /, '') : String(err)
    throw new CopyError(`Cannot open <${name}> ${describe(url)}: ${reason}`)
  }
}

/**
 * After rows were inserted with their ids, a PostgreSQL target's sequences are moved past the highest id of each
 * table, or the next insert would collide. SQLite keeps sqlite_sequence up to date by itself.
 */
async function afterCopy(target: Transaction<Database>, url: DatabaseUrl): Promise<void> {
  if (url.kind === 'postgres') await resetSequences(target)
}

export interface CopyReport {
  tables: Array<{ table: string; source: number; target: number }>
}

async function count(db: Kysely<Database> | Transaction<Database>, table: string): Promise<number> {
  const row = await (db as unknown as Kysely<AnyTables>)
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Runs `read` in one read-only snapshot of the source, on one connection, WITHOUT the app's write lock (its
 * transactions are BEGIN IMMEDIATE on SQLite and take an advisory lock on PostgreSQL): the blog keeps taking
 * comments while it is copied. SQLite in WAL mode: a deferred BEGIN reads one snapshot from its first read;
 * PostgreSQL: REPEATABLE READ is one snapshot for the whole transaction (READ COMMITTED would be one per query).
 */
async function inSnapshot<T>(db: Kysely<Database>, url: DatabaseUrl, read: (src: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql.raw(url.kind === 'postgres' ? 'begin isolation level repeatable read read only' : 'begin').execute(connection)
    try {
      const result = await read(connection)
      await sql.raw('commit').execute(connection)
      return result
    } catch (err) {
      await sql.raw('rollback').execute(connection)
      throw err
    }
  })
}

export async function copyBlog(
  from: DatabaseUrl,
  to: DatabaseUrl,
  log: (line: string) => void | Promise<void> = () => {},
): Promise<CopyReport> {
  const same = from.kind === 'sqlite' && to.kind === 'sqlite' ? resolve(from.path) === resolve(to.path) : describe(from) === describe(to)
  if (same) throw new CopyError('<from> and <to> are the same database.')
  if (from.kind === 'sqlite' && !existsSync(from.path)) throw new CopyError(`No database at ${from.path}.`)
  const source = await open(from, 'from')
  try {
    const target = await open(to, 'to')
    try {
      // Every table of the source must be known here: a table this code does not know would be lost.
      const tables = (await source.db.introspection.getTables()).map((t) => t.name)
      const unknown = tables.filter((t) => !isDerivedTable(t) && !COPIED_TABLES.some((c) => c.table === t))
      if (unknown.length) throw new CopyError(`The source has tables this version cannot copy: ${unknown.join(', ')}.`)

      const filled: string[] = []
      for (const { table } of COPIED_TABLES) if ((await count(target.db, table)) > 0) filled.push(table)
      if (filled.length) {
        throw new CopyError(`${describe(to)} is not empty (${filled.join(', ')} hold rows): copy only into a new, empty database.`)
      }

      // One snapshot of the source (a read transaction), one transaction on the target.
      const report: CopyReport = { tables: [] }
      await inSnapshot(source.db, from, async (src) =>
        target.db.transaction().execute(async (dst) => {
          for (const { table, orderBy, selfReference } of COPIED_TABLES) {
            let copied = 0
            // Rows that refer to a row of their table not copied yet: inserted with the reference empty, which is
            // set once the whole table is there (the foreign key is checked at each INSERT).
            const later: Array<{ id: unknown; reference: unknown }> = []
            for (let offset = 0; ; offset += READ_BATCH) {
              let q = (src as unknown as Kysely<AnyTables>).selectFrom(table).selectAll()
              for (const column of orderBy) q = q.orderBy(column)
              let rows = (await q.limit(READ_BATCH).offset(offset).execute()) as Array<Record<string, unknown>>
              if (rows.length === 0) break
              if (selfReference) {
                rows = rows.map((row) => {
                  const reference = row[selfReference]
                  if (reference === null || Number(reference) < Number(row.id)) return row
                  later.push({ id: row.id, reference })
                  return { ...row, [selfReference]: null }
                })
              }
              const chunk = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(rows[0]!).length))
              for (let i = 0; i < rows.length; i += chunk) {
                await (dst as unknown as Kysely<AnyTables>)
                  .insertInto(table)
                  .values(rows.slice(i, i + chunk))
                  .execute()
              }
              copied += rows.length
              if (rows.length < READ_BATCH) break
            }
            for (const { id, reference } of later) {
              await (dst as unknown as Kysely<AnyTables>)
                .updateTable(table)
                .set({ [selfReference!]: reference })
                .where('id', '=', id)
                .execute()
            }
            await log(`${table}: ${copied} rows`)
          }
          await afterCopy(dst, to)
          // Checked inside the transaction: a mismatch rolls everything back.
          for (const { table } of COPIED_TABLES) {
            const counts = { table, source: await count(src, table), target: await count(dst, table) }
            report.tables.push(counts)
            if (counts.source !== counts.target) {
              throw new CopyError(
                `Row counts differ for ${table}: ${counts.source} in the source, ${counts.target} copied; nothing was kept.`,
              )
            }
          }
        }),
      )
      return report
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

export { describe as describeDatabaseUrl }
