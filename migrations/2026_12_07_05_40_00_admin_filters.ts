// The admin's post filter (comments, mail: "words of its title, each anywhere in it") on PostgreSQL: `title ilike
// '%word%'` can use no b-tree, so a word in few titles or none read every post (72–84 ms at 100,000, more from
// disk); a common one stops early, walking the list's order. A trigram index (pg_trgm, in Debian's postgresql
// package, and a trusted extension: a role that may create in the database may create it) answers ILIKE '%word%'
// for words of 3 characters or more; the planner still walks the order for common words.
// And the media page's "used by" (posts whose Markdown names an image, `/media/<hash>-…`): `body_source like
// '%/media/<hash>-%'` read every post's text, once per image of the page (690 ms each at 100,000 posts, 30 a
// page). `carnet_media_hashes(text)` lists the image hashes a text names, and a GIN index of it finds a hash's
// posts (src/media/store.ts asks with `@>`, the same expression).
// SQLite has no regular expressions for an index: `post_media (post_id, hash)` lists them instead, kept by triggers
// on posts (the hashes found with instr/substr in a recursive CTE) and filled here from the posts already written; a
// derived table, as post_stats (src/ops/copy.ts does not copy it). And for the title filter, FTS5's trigram
// tokenizer over the titles (`posts_fts_title`, external content: the titles stay in posts), which answers
// `title like '%word%'` for words of 3 characters or more (84 ms at 100,000 posts for a word in no title: every
// title read). Frozen in time: a migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

/** The hashes `/media/<32 hex>-` a text names, as rows `(post_id, hash)` of the post `id` (SQLite). */
const mediaOf = (id: string, body: string) => `
  select ${id}, substr(h, 1, 32) from (
    with recursive f(rest, h) as (
      select ${body}, null
      union all
      select substr(rest, instr(rest, '/media/') + 7), substr(rest, instr(rest, '/media/') + 7, 33) from f where instr(rest, '/media/') > 0
    )
    select h from f where length(h) = 33 and substr(h, 33, 1) = '-' and substr(h, 1, 32) not glob '*[^0-9a-f]*'
  )`

async function upSqlite(db: Kysely<any>): Promise<void> {
  await sql`create table post_media (post_id integer not null, hash text not null, primary key (post_id, hash)) without rowid`.execute(db)
  await sql`create index post_media_hash on post_media (hash, post_id)`.execute(db)
  await sql
    .raw(
      `create trigger post_media_insert after insert on posts when instr(new.body_source, '/media/') > 0 begin
         insert or ignore into post_media (post_id, hash) ${mediaOf('new.id', 'new.body_source')};
       end`,
    )
    .execute(db)
  await sql
    .raw(
      `create trigger post_media_update after update of body_source on posts begin
         delete from post_media where post_id = old.id;
         insert or ignore into post_media (post_id, hash) ${mediaOf('new.id', 'new.body_source')};
       end`,
    )
    .execute(db)
  await sql
    .raw(`create trigger post_media_delete after delete on posts begin delete from post_media where post_id = old.id; end`)
    .execute(db)
  await sql`create virtual table posts_fts_title using fts5(title, content='posts', content_rowid='id', tokenize='trigram')`.execute(db)
  await sql`insert into posts_fts_title (posts_fts_title) values ('rebuild')`.execute(db)
  await sql`create trigger posts_fts_title_insert after insert on posts begin
      insert into posts_fts_title (rowid, title) values (new.id, new.title);
    end`.execute(db)
  await sql`create trigger posts_fts_title_update after update of title on posts begin
      insert into posts_fts_title (posts_fts_title, rowid, title) values ('delete', old.id, old.title);
      insert into posts_fts_title (rowid, title) values (new.id, new.title);
    end`.execute(db)
  await sql`create trigger posts_fts_title_delete after delete on posts begin
      insert into posts_fts_title (posts_fts_title, rowid, title) values ('delete', old.id, old.title);
    end`.execute(db)
  const posts = await sql<{ id: number }>`select id from posts where instr(body_source, '/media/') > 0`.execute(db)
  for (const { id } of posts.rows)
    await sql
      .raw(
        `insert or ignore into post_media (post_id, hash) ${mediaOf(String(Number(id)), `(select body_source from posts where id = ${Number(id)})`)}`,
      )
      .execute(db)
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return upSqlite(db)
  const present = await sql`select 1 from pg_extension where extname = 'pg_trgm'`.execute(db)
  if (present.rows.length === 0) {
    try {
      // A savepoint: a refused CREATE EXTENSION must not abort the migration's transaction before we explain.
      await sql`savepoint carnet_pg_trgm`.execute(db)
      await sql`create extension pg_trgm`.execute(db)
      await sql`release savepoint carnet_pg_trgm`.execute(db)
    } catch (err) {
      await sql`rollback to savepoint carnet_pg_trgm`.execute(db)
      const name = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]?.name
      throw new Error(
        `PostgreSQL's pg_trgm extension is needed for the admin's post filter and this role may not create it ` +
          `(${err instanceof Error ? err.message : String(err)}). Run as a superuser: ` +
          `psql -d ${name} -c 'create extension pg_trgm' (Debian's postgresql package includes it), then start Carnet again.`,
        { cause: err },
      )
    }
  }
  await sql`create index posts_title_trgm on posts using gin (title gin_trgm_ops)`.execute(db)
  await sql`
    create function carnet_media_hashes(body text) returns text[] language sql immutable parallel safe as $$
      select array(select distinct m[1] from regexp_matches(body, '/media/([0-9a-f]{32})-', 'g') as m)
    $$`.execute(db)
  await sql`create index posts_media_hashes on posts using gin (carnet_media_hashes(body_source))`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (const trigger of [
      'post_media_insert',
      'post_media_update',
      'post_media_delete',
      'posts_fts_title_insert',
      'posts_fts_title_update',
      'posts_fts_title_delete',
    ])
      await sql.raw(`drop trigger ${trigger}`).execute(db)
    await sql`drop table post_media`.execute(db)
    await sql`drop table posts_fts_title`.execute(db)
    return
  }
  await sql`drop index posts_media_hashes`.execute(db)
  await sql`drop function carnet_media_hashes(text)`.execute(db)
  await sql`drop index posts_title_trgm`.execute(db)
}
