// An import runs in short transactions (the blog keeps serving meanwhile), so each row it creates is marked with
// its run: a run interrupted halfway (the process killed, the file refused at its end) is undone by deleting
// what it marked. The run itself is an import_origins row of kind 'import-run' while it runs (its heartbeat in
// imported_at), deleted once it is done.
// Frozen in time: a migration never imports application code.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_origins').addColumn('run_id', 'integer').execute()
  await db.schema.createIndex('import_origins_run').on('import_origins').columns(['run_id', 'kind']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('import_origins_run').execute()
  await db.schema.alterTable('import_origins').dropColumn('run_id').execute()
}
