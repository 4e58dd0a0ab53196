// Several writers (issue 29): each account has a role, a public name, an address on the blog (/author/<slug>),
// a short bio and an optional portrait from the media library; each post has its author; invitations are the
// way in for a new writer. The accounts made before roles existed could do everything: they become owners, and
// the posts written before authors existed go to the first of them.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('users')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('owner'))
    .execute()
  await db.schema
    .alterTable('users')
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema.alterTable('users').addColumn('slug', 'text').execute()
  await db.schema
    .alterTable('users')
    .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema
    .alterTable('users')
    .addColumn('portrait_media_id', 'integer', (c) => c.references('media.id').onDelete('set null'))
    .execute()
  await db
    .updateTable('users')
    .set({ display_name: sql`username`, slug: sql`username` })
    .execute()
  await db.schema.createIndex('users_slug').on('users').column('slug').unique().execute()

  await db.schema
    .alterTable('posts')
    .addColumn('author_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute()
  // A contributor's draft submitted for review (editors see it marked); null otherwise.
  await db.schema.alterTable('posts').addColumn('submitted_at', 'text').execute()
  await db.schema.createIndex('posts_author').on('posts').columns(['author_id', 'published_at']).execute()
  const first = await db.selectFrom('users').select('id').orderBy('id').limit(1).executeTakeFirst()
  if (first) await db.updateTable('posts').set({ author_id: first.id }).execute()

  // One row per invitation sent; the link carries its id and a signature, never stored. used_at makes it single use.
  await db.schema
    .createTable('invitations')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invitations').execute()
  await db.schema.dropIndex('posts_author').execute()
  await db.schema.alterTable('posts').dropColumn('submitted_at').execute()
  await db.schema.alterTable('posts').dropColumn('author_id').execute()
  await db.schema.dropIndex('users_slug').execute()
  for (const column of ['portrait_media_id', 'bio', 'slug', 'display_name', 'role']) {
    await db.schema.alterTable('users').dropColumn(column).execute()
  }
}
