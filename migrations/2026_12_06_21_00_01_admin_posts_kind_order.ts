// The admin's post list asks for one kind (posts, or static pages: 2026_12_06_18_40_00_pages.ts) in its order:
// posts_admin_order (that order alone) no longer served it, and SQLite sorted every post of the kind for each page
// (230 to 370 ms at 100,000 posts). This index begins with the kind.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index posts_admin_kind_order on posts (kind, (coalesce(published_at, updated_at)), id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_admin_kind_order`.execute(db)
}
