// Whether an e-mail ban also covers the address's sub-addresses (name+anything@domain), as the ban form now asks
// (issue 30: a ban on troll@example.org was evaded by troll+blog@example.org). The bans made before were meant
// for a person, not one spelling of their address: they cover sub-addresses too (the default, 1), which is what
// the form offers checked. Frozen in time: a migration never imports application code.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('bans')
    .addColumn('subaddresses', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
  // It means nothing for the other kinds, which store 0 as the app does.
  await db.updateTable('bans').set({ subaddresses: 0 }).where('kind', '<>', 'email').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bans').dropColumn('subaddresses').execute()
}
