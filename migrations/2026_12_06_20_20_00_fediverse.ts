// The blog in the fediverse (issue 31): Fedify's key-value state and the blog's followers, in Carnet's database.
// - fedi_kv: Fedify's KvStore (src/fediverse/kv.ts): a JSON-encoded key array, a JSON value, an optional expiry.
//   The blog's key pairs live there too, generated once and shared by every instance.
// - fedi_followers: who follows the blog (one row per remote actor), where to deliver (inbox, shared inbox).
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const id = (c: any) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())
  const serial = postgres ? 'serial' : 'integer'

  await db.schema
    .createTable('fedi_kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .execute()

  await db.schema
    .createTable('fedi_followers')
    .addColumn('id', serial as 'integer', id)
    .addColumn('actor_id', 'text', (c) => c.notNull().unique())
    .addColumn('inbox', 'text', (c) => c.notNull())
    .addColumn('shared_inbox', 'text')
    // @name@host, as the admin page shows it.
    .addColumn('handle', 'text', (c) => c.notNull())
    // The instance's host name (bans by domain, the admin's list).
    .addColumn('instance', 'text', (c) => c.notNull())
    // The Follow activity's id: an Undo names it.
    .addColumn('follow_id', 'text')
    .addColumn('followed_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('fedi_followers_followed').on('fedi_followers').columns(['followed_at', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fedi_followers').execute()
  await db.schema.dropTable('fedi_kv').execute()
}
