// Where bench/seed.ts writes its rows: a SQLite file (better-sqlite3's prepared statements) or a PostgreSQL
// database (multi-row INSERTs of a few hundred rows), in large transactions either way. While the rows go in, the
// tables' triggers and secondary indexes are set aside; at the end the indexes come back, the tables the triggers
// keep (post_stats, the lists' counts, the search queue) are filled in one statement each, then the triggers come
// back: a trigger fired per row and index pages split at random cost more than the rows themselves. What comes
// back is the schema's own SQL, read from the database, so it is exactly what the migrations made.
import type { Database as SqliteHandle } from 'better-sqlite3'
import pg from 'pg'

export type Table = 'categories' | 'posts' | 'post_categories' | 'post_tags' | 'comments'

/** Columns of each filled table, in the order bench/seed.ts gives values; parents before children. */
const COLUMNS: Record<Table, string[]> = {
  categories: ['id', 'name', 'slug', 'created_at'],
  posts: [
    'id',
    'slug',
    'title',
    'body_source',
    'body_html',
    'excerpt',
    'signature',
    'status',
    'published_at',
    'comments_open',
    'created_at',
    'updated_at',
  ],
  post_categories: ['post_id', 'category_id'],
  post_tags: ['post_id', 'position', 'name'],
  comments: ['id', 'post_id', 'parent_id', 'author_name', 'author_email', 'author_url', 'body', 'status', 'created_at', 'ip'],
}
const TABLES = Object.keys(COLUMNS) as Table[]

/** The tables triggers keep, filled whole once the rows are in (the migrations' own statements). */
const KEPT = (greatest: 'max' | 'greatest') => `
  delete from post_stats;
  insert into post_stats (post_id, approved_comments, last_comment_at)
    select post_id, count(*), max(created_at) from comments where status = 'approved' group by post_id;
  delete from month_counts;
  insert into month_counts (month, posts)
    select substr(published_at, 1, 7), count(*) from posts where status = 'published' and published_at is not null
    group by substr(published_at, 1, 7);
  delete from category_counts;
  insert into category_counts (category_id, posts)
    select pc.category_id, count(*) from post_categories pc join posts p on p.id = pc.post_id
    where p.status = 'published' and p.published_at is not null group by pc.category_id;
  delete from sitemap_days;
  insert into sitemap_days (day, changed_at)
    select substr(p.published_at, 1, 10), max(${greatest}(p.published_at, p.updated_at, coalesce(ps.last_comment_at, p.published_at)))
    from posts p left join post_stats ps on ps.post_id = p.id where p.status = 'published' and p.published_at is not null
    group by substr(p.published_at, 1, 10);
  delete from search_queue;
  insert into search_queue (post_id) select id from posts;`

export interface Sink {
  add(table: Table, row: unknown[]): Promise<void>
  /** Ends the current transaction and begins the next. */
  commit(): Promise<void>
  /** Commits, puts indexes and triggers back, fills the kept tables. */
  finish(): Promise<void>
}

export function sqliteSink(sqlite: SqliteHandle): Sink {
  // A throwaway database: no need to survive a crash while it is filled.
  sqlite.pragma('synchronous = OFF')
  const setAside = sqlite
    .prepare(
      `select type, name, sql from sqlite_master
       where type in ('trigger', 'index') and sql is not null and tbl_name in (${TABLES.map(() => '?').join(', ')})`,
    )
    .all(...TABLES) as Array<{ type: 'trigger' | 'index'; name: string; sql: string }>
  for (const { type, name } of setAside) sqlite.exec(`drop ${type} "${name}"`)
  const inserts = Object.fromEntries(
    TABLES.map((t) => [t, sqlite.prepare(`insert into ${t} (${COLUMNS[t].join(', ')}) values (${COLUMNS[t].map(() => '?').join(', ')})`)]),
  ) as unknown as Record<Table, { run(...params: unknown[]): unknown }>
  sqlite.exec('begin')
  return {
    async add(table, row) {
      inserts[table].run(...row)
    },
    async commit() {
      sqlite.exec('commit; begin')
    },
    async finish() {
      sqlite.exec('commit')
      sqlite.transaction(() => {
        // Indexes first: the kept tables' statements use them.
        for (const { sql } of setAside.filter((o) => o.type === 'index')) sqlite.exec(sql)
        // SQLite's trigram index of titles (external content) is read from posts in one pass.
        sqlite.exec(`${KEPT('max')}\n  insert into posts_fts_title (posts_fts_title) values ('rebuild');`)
        for (const { sql } of setAside.filter((o) => o.type === 'trigger')) sqlite.exec(sql)
      })()
      sqlite.pragma('wal_checkpoint(TRUNCATE)')
    },
  }
}

/** Rows per INSERT statement. */
const ROWS_PER_INSERT = 500

export async function postgresSink(url: string): Promise<Sink> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('set synchronous_commit = off')
  const empty = await client.query<{ n: string }>('select count(*) as n from posts')
  if (Number(empty.rows[0]!.n) > 0) throw new Error('bench:seed fills an empty database: this one has posts')
  // Secondary indexes (not those behind a primary key or unique constraint) and the tables' own triggers
  // (foreign keys stay checked).
  const indexes = (
    await client.query<{ name: string; def: string }>(
      `select i.indexname as name, i.indexdef as def from pg_indexes i
       where i.schemaname = current_schema() and i.tablename = any($1)
         and not exists (select 1 from pg_constraint c where c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
      [TABLES],
    )
  ).rows
  for (const { name } of indexes) await client.query(`drop index "${name}"`)
  for (const t of TABLES) await client.query(`alter table ${t} disable trigger user`)
  const buffers = new Map<Table, unknown[][]>(TABLES.map((t) => [t, []]))
  async function flush(upTo: Table) {
    // Parents before children: a row's foreign key finds its parent already written.
    for (const t of TABLES) {
      const rows = buffers.get(t)!
      if (rows.length) {
        const cols = COLUMNS[t]
        const values = rows.map((_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`).join(', ')
        await client.query(`insert into ${t} (${cols.join(', ')}) values ${values}`, rows.flat())
        buffers.set(t, [])
      }
      if (t === upTo) return
    }
  }
  await client.query('begin')
  return {
    async add(table, row) {
      const rows = buffers.get(table)!
      rows.push(row)
      if (rows.length >= ROWS_PER_INSERT) await flush(table)
    },
    async commit() {
      await flush('comments')
      await client.query('commit')
      await client.query('begin')
    },
    async finish() {
      await flush('comments')
      await client.query('commit')
      for (const { def } of indexes) await client.query(def)
      await client.query(`begin; ${KEPT('greatest')} commit`)
      for (const t of TABLES) await client.query(`alter table ${t} enable trigger user`)
      // Ids were given: the sequences go on after them.
      for (const t of ['categories', 'posts', 'comments']) {
        await client.query(
          `select setval(s, m) from (select pg_get_serial_sequence($1, 'id') as s, (select max(id) from ${t}) as m) x
           where s is not null and m is not null`,
          [t],
        )
      }
      await client.query('analyze')
      await client.end()
    },
  }
}
