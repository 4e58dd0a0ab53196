// What the sitemap index needs to know of a blog's changes, kept by the database at each write instead of read
// from every post after it (1.2 to 2.1 s at 100,000 posts, at each post, comment, scheduled post or closing):
// - `post_stats.last_comment_at`: a post's latest approved comment (beside its count of them; a narrow table of
//   its own so that a comment never rewrites the post's row: posts_version, and every figure kept by it, stays);
// - `sitemap_days`: per UTC day of published_at ('2017-10-01'), the latest change among that day's published
//   posts (due or not): the latest of their publication, edit and last approved comment. A sitemap file's or a
//   month's last change is then the latest of the whole days it holds (a few thousand rows for twenty years)
//   and of the posts of the days at its ends, read one by one (src/feeds/sitemap.routes.ts).
// Raised at once when a change is newer (a new post, an edit, an approved comment); read again from the day's
// posts only when what went away (a post unpublished, moved or deleted, a comment held back or deleted) may have
// been the day's latest: a few dozen index entries.
// Posts only (kind 'post'): static pages have their own small sitemap.
// Frozen in time: a migration never imports application code. SQLite triggers below; PostgreSQL's are PL/pgSQL
// functions with the same rules, from the same statements.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

type Dialect = 'sqlite' | 'postgres'

/** The latest of some ISO times, nulls aside: PostgreSQL's greatest(); SQLite's max() is null if any one is. */
const latest = (d: Dialect, ...times: string[]) =>
  d === 'postgres' ? `greatest(${times.join(', ')})` : `max(${times.map((t) => `coalesce(${t}, '')`).join(', ')})`

const COUNTED = (row: string) => `${row}.kind = 'post' and ${row}.status = 'published' and ${row}.published_at is not null`
const DAY = (row: string) => `substr(${row}.published_at, 1, 10)`
/** A post row's own last change (its comments' from post_stats). */
const LASTMOD = (d: Dialect, row: string) =>
  latest(d, `${row}.published_at`, `${row}.updated_at`, `(select ps.last_comment_at from post_stats ps where ps.post_id = ${row}.id)`)

/** The day's latest change raised: `select` gives the day and the time (with its own FROM and WHERE). */
const RAISE = (d: Dialect, select: string) => `
  insert into sitemap_days (day, changed_at) ${select}
    on conflict (day) do update set changed_at = ${latest(d, 'sitemap_days.changed_at', 'excluded.changed_at')};`

/**
 * The day `day` (an expression) read again from its posts when `stale` (a condition on its row) holds and
 * `guard` does: the row is deleted, then written from the day's posts, a range of the (kind, status,
 * published_at) index (a day's posts sort between 'YYYY-MM-DD' and 'YYYY-MM-DDT99').
 */
const RECOUNT = (d: Dialect, day: string, stale: string, guard: string) => `
  delete from sitemap_days where ${guard} and day = ${day} and ${stale};
  insert into sitemap_days (day, changed_at)
    select r.day, r.changed_at from (
      select ${day} as day, max(${latest(d, 'p.published_at', 'p.updated_at', 'ps.last_comment_at')}) as changed_at
      from posts p left join post_stats ps on ps.post_id = p.id
      where ${guard} and not exists (select 1 from sitemap_days where day = ${day})
        and ${COUNTED('p')} and p.published_at >= ${day} and p.published_at < ${day} || 'T99'
    ) r where r.changed_at is not null;`

/** The day of the post a comment belongs to when that post is counted; null otherwise (nothing to do). */
const POST_DAY = (postId: string) => `(select ${DAY('p')} from posts p where p.id = ${postId} and ${COUNTED('p')})`

// Each statement carries its own condition (`guard`): a SQLite trigger's body has no IF; PostgreSQL's functions
// test the same conditions with IF and pass '1 = 1'.
const ALWAYS = '1 = 1'

// A post: its day raised to its own last change when it comes in (or changes) counted; its former day read again
// when it may have held that day's latest (its last change was the day's), or when it was deleted.
const POST_REMOVED = (d: Dialect, guard: string) => RECOUNT(d, DAY('old'), `changed_at <= ${LASTMOD(d, 'old')}`, guard)
const POST_DELETED = (d: Dialect) => RECOUNT(d, DAY('old'), ALWAYS, ALWAYS)
const POST_ADDED = (d: Dialect, guard: string) => RAISE(d, `select ${DAY('new')}, ${LASTMOD(d, 'new')} where ${guard}`)

// A comment: its post's latest approved comment and that post's day raised when one is approved; read again when
// the one that goes (held back, deleted, moved) may have been the latest. A post being deleted takes its comments
// with it: its day is then nobody's (POST_DAY is null), and its post_stats row goes with it.
const COMMENT_REMOVED = (d: Dialect, guard: string) => `
  update post_stats set last_comment_at = (select max(c.created_at) from comments c where c.post_id = old.post_id and c.status = 'approved')
    where ${guard} and post_id = old.post_id and last_comment_at <= old.created_at;
  ${RECOUNT(d, POST_DAY('old.post_id'), 'changed_at <= old.created_at', guard)}`
const COMMENT_ADDED = (d: Dialect, guard: string) => `
  insert into post_stats (post_id, approved_comments, last_comment_at) select new.post_id, 0, new.created_at where ${guard}
    on conflict (post_id) do update set last_comment_at = ${latest(d, 'post_stats.last_comment_at', 'excluded.last_comment_at')};
  ${RAISE(d, `select ${DAY('p')}, new.created_at from posts p where ${guard} and p.id = new.post_id and ${COUNTED('p')}`)}`

const SQLITE_TRIGGERS: Array<[name: string, when: string, body: string]> = [
  ['sitemap_days_post_insert', `after insert on posts when ${COUNTED('new')}`, POST_ADDED('sqlite', ALWAYS)],
  [
    'sitemap_days_post_update',
    `after update of kind, status, published_at, updated_at on posts when (${COUNTED('old')}) or (${COUNTED('new')})`,
    POST_REMOVED('sqlite', `(${COUNTED('old')})`) + POST_ADDED('sqlite', `(${COUNTED('new')})`),
  ],
  ['sitemap_days_post_delete', `after delete on posts when ${COUNTED('old')}`, POST_DELETED('sqlite')],
  ['sitemap_days_comment_insert', `after insert on comments when new.status = 'approved'`, COMMENT_ADDED('sqlite', ALWAYS)],
  [
    'sitemap_days_comment_update',
    `after update of status, post_id, created_at on comments when old.status = 'approved' or new.status = 'approved'`,
    COMMENT_REMOVED('sqlite', "old.status = 'approved'") + COMMENT_ADDED('sqlite', "new.status = 'approved'"),
  ],
  ['sitemap_days_comment_delete', `after delete on comments when old.status = 'approved'`, COMMENT_REMOVED('sqlite', ALWAYS)],
]

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const d: Dialect = postgres ? 'postgres' : 'sqlite'
  await db.schema.alterTable('post_stats').addColumn('last_comment_at', 'text').execute()
  await db.schema
    .createTable('sitemap_days')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute()
  // Read whole once, here.
  await sql`
    update post_stats set last_comment_at = (
      select max(c.created_at) from comments c where c.post_id = post_stats.post_id and c.status = 'approved')`.execute(db)
  await sql
    .raw(
      `insert into sitemap_days (day, changed_at)
       select ${DAY('p')}, max(${latest(d, 'p.published_at', 'p.updated_at', 'ps.last_comment_at')})
       from posts p left join post_stats ps on ps.post_id = p.id where ${COUNTED('p')} group by ${DAY('p')}`,
    )
    .execute(db)
  if (postgres) return upPostgres(db)
  for (const [name, when, body] of SQLITE_TRIGGERS) await sql.raw(`create trigger ${name} ${when} begin ${body} end`).execute(db)
}

async function upPostgres(db: Kysely<any>): Promise<void> {
  const d = 'postgres'
  // OLD is null in an INSERT trigger and NEW in a DELETE one: tg_op decides which is read.
  await sql
    .raw(
      `create function sitemap_days_posts() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        if ${COUNTED('old')} then ${POST_DELETED(d)} end if;
        return null;
      end if;
      if tg_op = 'UPDATE' then
        if ${COUNTED('old')} then ${POST_REMOVED(d, ALWAYS)} end if;
      end if;
      if ${COUNTED('new')} then ${POST_ADDED(d, ALWAYS)} end if;
      return null;
    end $$`,
    )
    .execute(db)
  await sql`
    create trigger sitemap_days_posts after insert or update of kind, status, published_at, updated_at or delete on posts
    for each row execute function sitemap_days_posts()`.execute(db)
  await sql
    .raw(
      `create function sitemap_days_comments() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        if old.status = 'approved' then ${COMMENT_REMOVED(d, ALWAYS)} end if;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        if new.status = 'approved' then ${COMMENT_ADDED(d, ALWAYS)} end if;
      end if;
      return null;
    end $$`,
    )
    .execute(db)
  await sql`
    create trigger sitemap_days_comments after insert or update of status, post_id, created_at or delete on comments
    for each row execute function sitemap_days_comments()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists sitemap_days_posts on posts`.execute(db)
    await sql`drop trigger if exists sitemap_days_comments on comments`.execute(db)
    await sql`drop function if exists sitemap_days_posts()`.execute(db)
    await sql`drop function if exists sitemap_days_comments()`.execute(db)
  } else {
    for (const [name] of SQLITE_TRIGGERS) await sql.raw(`drop trigger if exists ${name}`).execute(db)
  }
  await db.schema.dropTable('sitemap_days').execute()
  await db.schema.alterTable('post_stats').dropColumn('last_comment_at').execute()
}
