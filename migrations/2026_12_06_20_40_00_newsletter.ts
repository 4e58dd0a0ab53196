// Readers who follow the blog by e-mail (issue 32): one subscription per address (the address and its double
// opt-in are mail_addresses'), each new post or a weekly digest; the outbox learns a key that makes a mail
// exist once (a post's mail to one address, one week's digest to one address, whatever instance queues it);
// and the sender's pace (mails a minute) is counted in the database, so that every instance shares it.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('blog_subscriptions')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('address_id', 'integer', (c) => c.notNull().unique().references('mail_addresses.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    // post: each new post; weekly: one digest a week
    .addColumn('cadence', 'text', (c) => c.notNull())
    // pending (waits for the confirmation) | active | unsubscribed
    .addColumn('status', 'text', (c) => c.notNull())
    // form | import
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('form'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    // The mail server refused a mail to it for good (5xx): no more mails until it subscribes again.
    .addColumn('bounced_at', 'text')
    .execute()
  await db.schema.createIndex('blog_subscriptions_status').on('blog_subscriptions').columns(['status', 'cadence']).execute()

  // Null for the mails that need no such guard; unique otherwise (NULLs never collide, on either database).
  await db.schema.alterTable('mail_outbox').addColumn('dedupe_key', 'text').execute()
  await db.schema.createIndex('mail_outbox_dedupe').on('mail_outbox').column('dedupe_key').unique().execute()

  // One row per minute (its start, ISO): how many mails every sender together took in it.
  await db.schema
    .createTable('mail_pace')
    .addColumn('minute', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_pace').execute()
  await db.schema.dropIndex('mail_outbox_dedupe').execute()
  await db.schema.alterTable('mail_outbox').dropColumn('dedupe_key').execute()
  await db.schema.dropTable('blog_subscriptions').execute()
}
