// The database a test runs on: a SQLite file in the test's folder, or, in vitest's postgres project, a fresh
// PostgreSQL database copied from the migrated template (test/postgres-setup.ts).
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import type { Kysely } from 'kysely'
import { inject } from 'vitest'
import { createPool, createPostgresKysely } from '../../src/db/postgres.ts'
import { createKysely, openSqlite } from '../../src/db/sqlite.ts'

import { TEMPLATE } from './postgres-cluster.ts'

/** The postgres project's cluster, or undefined: the sqlite project, or a script outside vitest (Lighthouse). */
function postgresBase(): string | undefined {
  return process.env.VITEST ? inject('postgresUrl') : undefined
}

/** Which database this test run is for. */
export function testDialect(): 'sqlite' | 'postgres' {
  return postgresBase() ? 'postgres' : 'sqlite'
}

export interface TestDatabase {
  /** DATABASE_URL for the app. */
  url: string
  /** Env the app needs besides (PostgreSQL wants a SESSION_KEY). */
  env: Record<string, string>
  drop(): Promise<void>
}

async function admin<T>(base: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${base}postgres` })
  await client.connect()
  try {
    return await action(client)
  } finally {
    await client.end()
  }
}

/** A new, empty (migrated) database for one test; `dir` holds the SQLite file. */
export async function createTestDatabase(dir: string): Promise<TestDatabase> {
  const base = postgresBase()
  if (!base) return { url: join(dir, 'carnet.db'), env: {}, drop: async () => {} }
  const name = `carnet_test_${randomBytes(6).toString('hex')}`
  await admin(base, (c) => c.query(`create database ${name} template ${TEMPLATE}`))
  return {
    url: `${base}${name}`,
    env: { SESSION_KEY: randomBytes(32).toString('hex') },
    // WITH (FORCE): connections a test left open (a server process it killed) do not keep the database.
    drop: () => admin(base, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  }
}

export interface EmptyDatabase extends TestDatabase {
  /** Kysely on it, not migrated (for migration tests); destroyed by drop(). */
  db: Kysely<any>
}

/** A database with no table at all, for tests that migrate it themselves; `file` names the SQLite file. */
export async function createEmptyDatabase(dir: string, file: string): Promise<EmptyDatabase> {
  const base = postgresBase()
  if (!base) {
    const url = join(dir, file)
    const db = createKysely(openSqlite(url))
    return { url, env: {}, db, drop: () => db.destroy() }
  }
  const name = `carnet_empty_${randomBytes(6).toString('hex')}`
  await admin(base, (c) => c.query(`create database ${name} template template0`))
  const db = createPostgresKysely(createPool(`${base}${name}`, 2))
  return {
    url: `${base}${name}`,
    env: { SESSION_KEY: randomBytes(32).toString('hex') },
    db,
    async drop() {
      await db.destroy()
      await admin(base, (c) => c.query(`drop database if exists ${name} with (force)`))
    },
  }
}
