// The time of the last change to anything a public page shows, kept
// by the database itself so that it is right whoever writes: this app, another process on the same file, the
// admin, a SQL shell. HTTP caching (src/web/http-cache.ts) sends it as Last-Modified.
// On PostgreSQL: the same one-row table, and one PL/pgSQL trigger function attached FOR EACH STATEMENT to these
// tables (the dialect is read from Kysely's adapter, see src/db/README.md).
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

/** The tables whose rows appear on public pages (the sidebar shows recent comments on every page). */
const CONTENT_TABLES = ['posts', 'categories', 'post_categories', 'post_tags', 'comments', 'settings'] as const
const EVENTS = ['insert', 'update', 'delete'] as const

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('site_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute()
  if (db.getExecutor().adapter instanceof PostgresAdapter) return upPostgres(db)
  await sql`insert into site_state (id, changed_at) values (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`.execute(db)
  for (const table of CONTENT_TABLES) {
    for (const event of EVENTS) {
      // max(): the time never goes backwards, even if the clock does, so a client's If-Modified-Since never
      // wrongly matches an older state.
      await sql`
        create trigger ${sql.raw(`site_state_${table}_${event}`)} after ${sql.raw(event)} on ${sql.table(table)}
        begin
          update site_state set changed_at = max(changed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) where id = 1;
        end`.execute(db)
    }
  }
}

/** The time as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes it (and as toISOString() does). */
const PG_NOW = sql.raw(`to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)

async function upPostgres(db: Kysely<any>): Promise<void> {
  await sql`insert into site_state (id, changed_at) values (1, ${PG_NOW})`.execute(db)
  await sql`
    create function site_state_changed() returns trigger language plpgsql as $$
    begin
      update site_state set changed_at = greatest(changed_at, ${PG_NOW}) where id = 1;
      return null;
    end $$`.execute(db)
  for (const table of CONTENT_TABLES) {
    await sql`
      create trigger site_state_changed after insert or update or delete on ${sql.table(table)}
      for each statement execute function site_state_changed()`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of CONTENT_TABLES) await sql`drop trigger if exists site_state_changed on ${sql.table(table)}`.execute(db)
    await sql`drop function if exists site_state_changed()`.execute(db)
    await db.schema.dropTable('site_state').execute()
    return
  }
  for (const table of CONTENT_TABLES) {
    for (const event of EVENTS) await sql`drop trigger if exists ${sql.raw(`site_state_${table}_${event}`)}`.execute(db)
  }
  await db.schema.dropTable('site_state').execute()
}
