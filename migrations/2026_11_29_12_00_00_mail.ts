// E-mail: the addresses that asked for notifications (double opt-in), what each one follows, the outbox the
// sender delivers, and the admins' addresses and preferences.
// Frozen in time: a migration never imports application code. Portable: Kysely's schema builder only.
import { type Kysely, PostgresAdapter } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  // One row per address that ever asked. Nothing but the confirmation mail goes to it before confirmed_at.
  await db.schema
    .createTable('mail_addresses')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    // Lower-cased, so that one person is one row however they typed it.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('confirmed_at', 'text')
    .addColumn('confirmation_sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()

  // What an address follows: the replies to one of its comments (`replies`, comment_id set) or every new
  // comment on a post (`all`, comment_id 0: a real value, so the unique index holds on every database).
  await db.schema
    .createTable('mail_subscriptions')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('address_id', 'integer', (c) => c.notNull().references('mail_addresses.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('comment_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('mail_subscriptions_unique')
    .on('mail_subscriptions')
    .columns(['address_id', 'post_id', 'kind', 'comment_id'])
    .unique()
    .execute()
  await db.schema.createIndex('mail_subscriptions_post').on('mail_subscriptions').columns(['post_id', 'kind', 'comment_id']).execute()

  // Mails waiting, sent or given up. A row is claimed by one sender (claimed_by, until claimed_until) before it
  // is sent, so that several processes never send it twice.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('thread_id', 'text')
    .addColumn('unsubscribe_token', 'text')
    .addColumn('unsubscribe_all_token', 'text')
    .addColumn('post_id', 'integer')
    .addColumn('comment_id', 'integer')
    // queued | sent | failed | cancelled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    // The Message-ID it actually went out under (a digest carries several rows).
    .addColumn('sent_message_id', 'text')
    .execute()
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('mail_outbox_recipient').on('mail_outbox').columns(['recipient', 'status', 'sent_at']).execute()
  await db.schema.createIndex('mail_outbox_comment').on('mail_outbox').columns(['comment_id', 'recipient']).execute()

  // Admins: where to write, and about what (none | held | all).
  await db.schema.alterTable('users').addColumn('email', 'text').execute()
  await db.schema
    .alterTable('users')
    .addColumn('notify', 'text', (c) => c.notNull().defaultTo('held'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('notify').execute()
  await db.schema.alterTable('users').dropColumn('email').execute()
  for (const table of ['mail_outbox', 'mail_subscriptions', 'mail_addresses']) {
    await db.schema.dropTable(table).execute()
  }
}
