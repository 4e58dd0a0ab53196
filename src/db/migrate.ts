import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Kysely } from 'kysely'
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

/** The extension of the running code: `.js` in the compiled copy (build/, `npm start`), `.ts` from the sources. */
const EXTENSION = import.meta.url.endsWith('.js') ? '.js' : '.ts'

/**
 * Reads the dated migration files. Our own import() rather than Kysely's FileMigrationProvider, so that the
 * TypeScript files load through the same loader as the app (tsx, or vitest in tests), and the compiled ones
 * beside the compiled app. A migration's name has no extension: the same in both.
 */
class MigrationFolder implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
      if (!/^\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_\w+\.[jt]s$/.test(file) || !file.endsWith(EXTENSION)) continue
      migrations[file.slice(0, -EXTENSION.length)] = (await import(pathToFileURL(`${MIGRATIONS_DIR}/${file}`).href)) as Migration
    }
    return migrations
  }
}

export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new MigrationFolder() })
}

/** Brings the schema to the newest migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    const err = result.error instanceof Error ? result.error : new Error(String(result.error))
    // No migration failed: the database could not even be asked which ones it has (unreachable, refused).
    err.message = failed ? `Migration ${failed.migrationName} failed: ${err.message}` : `the database could not be read: ${err.message}`
    throw err
  }
  return result
}
