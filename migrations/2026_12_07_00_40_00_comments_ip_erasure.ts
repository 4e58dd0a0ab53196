// Comments' IP addresses are erased ipRetentionDays after the comment (src/content/ip-retention.ts), at start-up
// and every hour. Without an index the statement read every comment (1,000,000 at the growth bench's size: 0.3 s
// of SQLite's event loop every hour; on PostgreSQL more than the statement timeout, so an imported blog's IPs
// were never erased and each start waited 5 s on it). This partial index holds only the comments that still have
// an IP: a run finds the old ones at once, and an hour with nothing to erase reads nothing.
// Frozen in time: a migration never imports application code.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index comments_ip_created on comments (created_at) where ip is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index comments_ip_created`.execute(db)
}
