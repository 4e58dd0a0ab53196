// Which posts moved or changed since a sitemap layout was read (src/feeds/sitemap.routes.ts keeps one per process):
// per UTC day of published_at ('2017-10-01'), the posts' version (site_state.posts_version) at the last write that
// added, removed or moved a published post (due or not) of that day (`moved`), and at the last one that edited one
// there without moving it (`edited`; 0 when none). A process that read its layout at version V reads
// `min(day) where moved > V`: the files that end before that day are still where they were, and only those from it
// on are read again (after a new post, the last one); and the days `edited > V`: the posts of those days its files
// begin in are read again (their own last change). Never pruned: a row per day that ever had a post.
// A stamp is one more than the version seen before the write, so that it is above any version a reader saw before
// the write was committed. On PostgreSQL the writer first locks the site_state row (as the version's own bump
// would, a moment later): writers stamp and commit in turn, and no stamp is read below the version it follows.
// Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

const COUNTED = (row: string) => `${row}.kind = 'post' and ${row}.status = 'published' and ${row}.published_at is not null`
const DAY = (row: string) => `substr(${row}.published_at, 1, 10)`

const VERSION = `coalesce((select posts_version from site_state where id = 1), 0) + 1`

/** The day of `row` stamped as `column` ('moved' or 'edited') when `guard` holds. */
const STAMP = (column: 'moved' | 'edited', row: string, guard: string) => `
  insert into sitemap_moves (day, moved, edited)
    select ${DAY(row)}, ${column === 'moved' ? VERSION : 0}, ${column === 'edited' ? VERSION : 0} where ${guard}
    on conflict (day) do update set ${column} = excluded.${column};`

/** Both counted, at the same time: an edit (its last change only). */
const EDITED = `(${COUNTED('old')}) and (${COUNTED('new')}) and old.published_at = new.published_at`

// SQLite's trigger bodies have no IF: each statement carries its condition.
const SQLITE_TRIGGERS: Array<[name: string, when: string, body: string]> = [
  ['sitemap_moves_post_insert', `after insert on posts when ${COUNTED('new')}`, STAMP('moved', 'new', '1 = 1')],
  [
    'sitemap_moves_post_update',
    `after update of kind, status, published_at, updated_at on posts when (${COUNTED('old')}) or (${COUNTED('new')})`,
    STAMP('edited', 'new', EDITED) +
      STAMP('moved', 'old', `(${COUNTED('old')}) and not (${EDITED})`) +
      STAMP('moved', 'new', `(${COUNTED('new')}) and not (${EDITED})`),
  ],
  ['sitemap_moves_post_delete', `after delete on posts when ${COUNTED('old')}`, STAMP('moved', 'old', '1 = 1')],
]

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sitemap_moves')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('moved', 'integer', (c) => c.notNull())
    .addColumn('edited', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sitemap_moves_moved').on('sitemap_moves').column('moved').execute()
  await db.schema.createIndex('sitemap_moves_edited').on('sitemap_moves').column('edited').execute()
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (const [name, when, body] of SQLITE_TRIGGERS) await sql.raw(`create trigger ${name} ${when} begin ${body} end`).execute(db)
    return
  }
  // OLD is null in an INSERT trigger and NEW in a DELETE one: tg_op decides which is read.
  await sql
    .raw(
      `create function sitemap_moves_posts() returns trigger language plpgsql as $$
    declare
      old_counted boolean := false;
      new_counted boolean := false;
    begin
      if tg_op <> 'INSERT' then old_counted := coalesce(${COUNTED('old')}, false); end if;
      if tg_op <> 'DELETE' then new_counted := coalesce(${COUNTED('new')}, false); end if;
      if not (old_counted or new_counted) then return null; end if;
      perform 1 from site_state where id = 1 for update;
      if old_counted and new_counted and old.published_at = new.published_at then
        ${STAMP('edited', 'new', '1 = 1')}
        return null;
      end if;
      if old_counted then ${STAMP('moved', 'old', '1 = 1')} end if;
      if new_counted then ${STAMP('moved', 'new', '1 = 1')} end if;
      return null;
    end $$`,
    )
    .execute(db)
  await sql`
    create trigger sitemap_moves_posts after insert or update of kind, status, published_at, updated_at or delete on posts
    for each row execute function sitemap_moves_posts()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists sitemap_moves_posts on posts`.execute(db)
    await sql`drop function if exists sitemap_moves_posts()`.execute(db)
  } else {
    for (const [name] of SQLITE_TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  }
  await db.schema.dropTable('sitemap_moves').execute()
}
