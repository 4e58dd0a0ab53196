// Figures that cost a walk over many rows, kept by the database itself so that they are right whoever writes
// (this app, another process, a SQL shell), in the same transaction as the write:
// - `post_stats.approved_comments`: a post's approved comments (lists and the post page show it). Counting them
//   walked one index entry per comment: 10,000 for a busy post, on every page that lists it. A narrow table of
//   its own, so that a comment does not rewrite its post's row (body included).
// - `site_state.posts_version`: moves with every write to posts, post_categories or categories. Figures that
//   depend only on those (pager counts, the sidebar's categories and months: a walk over every published post)
//   are kept until it moves or a timed change comes (src/web/freshness.ts), not dropped at every comment.
//
// The trigger bodies below are SQLite's dialect. On PostgreSQL (the dialect read from Kysely's adapter, see
// src/db/README.md): the same tables; one PL/pgSQL trigger function on comments (AFTER INSERT/UPDATE/DELETE FOR
// EACH ROW, the same +1/-1 rules) and a FOR EACH STATEMENT trigger on posts, post_categories and categories
// that runs `update site_state set posts_version = posts_version + 1`.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

const VERSIONED_TABLES = ['posts', 'post_categories', 'categories'] as const
const EVENTS = ['insert', 'update', 'delete'] as const

/** +1 to the post of an approved comment that appears, -1 to the post of one that goes. */
const COMMENT_TRIGGERS: Array<[name: string, when: string, body: string]> = [
  [
    'post_stats_comment_insert',
    "after insert on comments when new.status = 'approved'",
    `insert into post_stats (post_id, approved_comments) values (new.post_id, 1)
       on conflict (post_id) do update set approved_comments = approved_comments + 1;`,
  ],
  [
    'post_stats_comment_delete',
    "after delete on comments when old.status = 'approved'",
    'update post_stats set approved_comments = approved_comments - 1 where post_id = old.post_id;',
  ],
  [
    'post_stats_comment_update',
    "after update of status, post_id on comments when old.status = 'approved' or new.status = 'approved'",
    `update post_stats set approved_comments = approved_comments - 1 where post_id = old.post_id and old.status = 'approved';
     insert into post_stats (post_id, approved_comments) select new.post_id, 1 where new.status = 'approved'
       on conflict (post_id) do update set approved_comments = approved_comments + 1;`,
  ],
]

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('post_stats')
    .addColumn('post_id', 'integer', (c) => c.primaryKey().references('posts.id').onDelete('cascade'))
    .addColumn('approved_comments', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`
    insert into post_stats (post_id, approved_comments)
    select post_id, count(*) from comments where status = 'approved' group by post_id`.execute(db)
  if (db.getExecutor().adapter instanceof PostgresAdapter) return upPostgres(db)
  for (const [name, when, body] of COMMENT_TRIGGERS) {
    await sql.raw(`create trigger ${name} ${when} begin ${body} end`).execute(db)
  }

  await addPostsVersion(db)
  for (const table of VERSIONED_TABLES) {
    for (const event of EVENTS) {
      await sql.raw(`
        create trigger posts_version_${table}_${event} after ${event} on ${table}
        begin
          update site_state set posts_version = posts_version + 1 where id = 1;
        end`).execute(db)
    }
  }
}

const addPostsVersion = (db: Kysely<any>) =>
  db.schema.alterTable('site_state').addColumn('posts_version', 'integer', (c) => c.notNull().defaultTo(0)).execute()

async function upPostgres(db: Kysely<any>): Promise<void> {
  await addPostsVersion(db)
  // OLD is null in an INSERT trigger and NEW in a DELETE one: tg_op decides which is read.
  await sql`
    create function post_stats_comments() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        if old.status = 'approved' then
          update post_stats set approved_comments = approved_comments - 1 where post_id = old.post_id;
        end if;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        if new.status = 'approved' then
          insert into post_stats (post_id, approved_comments) values (new.post_id, 1)
            on conflict (post_id) do update set approved_comments = post_stats.approved_comments + 1;
        end if;
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger post_stats_comments after insert or update of status, post_id or delete on comments
    for each row execute function post_stats_comments()`.execute(db)
  await sql`
    create function posts_version_bump() returns trigger language plpgsql as $$
    begin
      update site_state set posts_version = posts_version + 1 where id = 1;
      return null;
    end $$`.execute(db)
  for (const table of VERSIONED_TABLES) {
    await sql`
      create trigger posts_version after insert or update or delete on ${sql.table(table)}
      for each statement execute function posts_version_bump()`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of VERSIONED_TABLES) await sql`drop trigger if exists posts_version on ${sql.table(table)}`.execute(db)
    await sql`drop trigger if exists post_stats_comments on comments`.execute(db)
    await sql`drop function if exists posts_version_bump()`.execute(db)
    await sql`drop function if exists post_stats_comments()`.execute(db)
    await db.schema.alterTable('site_state').dropColumn('posts_version').execute()
    await db.schema.dropTable('post_stats').execute()
    return
  }
  for (const table of VERSIONED_TABLES) {
    for (const event of EVENTS) await sql.raw(`drop trigger if exists posts_version_${table}_${event}`).execute(db)
  }
  await db.schema.alterTable('site_state').dropColumn('posts_version').execute()
  for (const [name] of COMMENT_TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  await db.schema.dropTable('post_stats').execute()
}
