// SQLITE-ONLY (triggers in SQLite's dialect). The time of the last change to anything a public page shows, kept
// by the database itself so that it is right whoever writes: this app, another process on the same file, the
// admin, a SQL shell. HTTP caching (src/web/http-cache.ts) sends it as Last-Modified.
// PostgreSQL path: the same one-row table, with one plpgsql trigger function
// (`update site_state set changed_at = greatest(changed_at, now())`) attached FOR EACH STATEMENT to these tables.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

/** The tables whose rows appear on public pages (the sidebar shows recent comments on every page). */
const CONTENT_TABLES = ['posts', 'categories', 'post_categories', 'post_tags', 'comments', 'settings'] as const
const EVENTS = ['insert', 'update', 'delete'] as const

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('site_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute()
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

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of CONTENT_TABLES) {
    for (const event of EVENTS) await sql`drop trigger if exists ${sql.raw(`site_state_${table}_${event}`)}`.execute(db)
  }
  await db.schema.dropTable('site_state').execute()
}
