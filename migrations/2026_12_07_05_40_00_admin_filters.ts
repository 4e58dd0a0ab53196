// The admin's post filter (comments, mail: "words of its title, each anywhere in it") on PostgreSQL: `title ilike
// '%word%'` can use no b-tree, so a word in few titles or none read every post (72–84 ms at 100,000, more from
// disk); a common one stops early, walking the list's order. A trigram index (pg_trgm, in Debian's postgresql
// package, and a trusted extension: a role that may create in the database may create it) answers ILIKE '%word%'
// for words of 3 characters or more; the planner still walks the order for common words.
// And the media page's "used by" (posts whose Markdown names an image, `/media/<hash>-…`): `body_source like
// '%/media/<hash>-%'` read every post's text, once per image of the page (690 ms each at 100,000 posts, 30 a
// page). `carnet_media_hashes(text)` lists the image hashes a text names, and a GIN index of it finds a hash's
// posts (src/media/store.ts asks with `@>`, the same expression).
// SQLite: nothing here (it has no regular expressions for an index; see bench/RESULTS.md). Frozen in time: a
// migration never imports application code.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
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
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql`drop index posts_media_hashes`.execute(db)
  await sql`drop function carnet_media_hashes(text)`.execute(db)
  await sql`drop index posts_title_trgm`.execute(db)
}
