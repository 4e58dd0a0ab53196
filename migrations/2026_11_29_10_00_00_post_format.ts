// Posts keep the format their body was written in: 'markdown' (the editor's) or 'html' (imported from WordPress,
// which stores HTML with its own paragraph convention). Existing posts are Markdown.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('posts')
    .addColumn('format', 'text', (c) => c.notNull().defaultTo('markdown').check(sql`format in ('markdown', 'html')`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('posts').dropColumn('format').execute()
}
