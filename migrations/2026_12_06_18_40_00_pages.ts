// Static pages (about, legal notice, colophon) are rows of `posts` with kind 'page': written, previewed,
// scheduled and stored like posts, but outside every list of posts (home, archives, categories, feeds, search,
// counts). Lists now ask for kind = 'post' first: an index that starts with it keeps them index ranges.
// The header's menu is a table of its own, in the admin's order: an item naming a page or a category goes with it.
// Frozen in time: a migration never imports application code.
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('posts')
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('post')
        .check(sql`kind in ('post', 'page')`),
    )
    .execute()
  // PostgreSQL's ends with the id, as posts_status_published_at_id does (2026_11_29_15_00_00).
  await db.schema
    .createIndex('posts_kind_status_published_at')
    .on('posts')
    .columns(postgres ? ['kind', 'status', 'published_at', 'id'] : ['kind', 'status', 'published_at'])
    .execute()

  const id = (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())
  await db.schema
    .createTable('menu_items')
    .addColumn('id', postgres ? 'serial' : 'integer', id)
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('page', 'category', 'archives', 'url')`))
    .addColumn('post_id', 'integer', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id').onDelete('cascade'))
    .addColumn('url', 'text')
    // Empty: the page's title, the category's name, "Archives".
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema.createIndex('menu_items_position').on('menu_items').columns(['position', 'id']).execute()
  // The header shows the menu on every page: its changes must move the pages' freshness like any content.
  if (postgres) {
    await sql`create trigger site_state_changed after insert or update or delete on menu_items
      for each statement execute function site_state_changed()`.execute(db)
  } else {
    for (const event of ['insert', 'update', 'delete']) {
      await sql`
        create trigger ${sql.raw(`site_state_menu_items_${event}`)} after ${sql.raw(event)} on menu_items
        begin
          update site_state set changed_at = max(changed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) where id = 1;
        end`.execute(db)
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('menu_items').execute()
  await db.schema.dropIndex('posts_kind_status_published_at').execute()
  await db.schema.alterTable('posts').dropColumn('kind').execute()
}
