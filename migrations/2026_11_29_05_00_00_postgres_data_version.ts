// PostgreSQL only (nothing on SQLite, whose `PRAGMA data_version` does the same): `site_state.data_version`, a
// number that every write statement on any table moves, in the writer's transaction. Each instance reads it once
// per request (src/db/postgres.ts) and drops its page cache, memos and settings when it moved: a write on one
// instance is seen by all the others at their next request. The trigger is attached to every table by the app
// after each migration (attachWriteTriggers), so that tables added later are covered too; site_state itself too
// (a write to it by hand must reach the caches as well).
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await db.schema.alterTable('site_state').addColumn('data_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await sql`
    create function carnet_data_version() returns trigger language plpgsql as $$
    begin
      -- A statement run by another trigger belongs to a write that has moved the version already; and this
      -- function's own update of site_state must not move it again, for ever.
      if pg_trigger_depth() > 1 then
        return null;
      end if;
      update site_state set data_version = data_version + 1 where id = 1;
      return null;
    end $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`drop function carnet_data_version() cascade`.execute(db)
  await db.schema.alterTable('site_state').dropColumn('data_version').execute()
}
