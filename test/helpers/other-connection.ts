// A second connection to a test blog's database, as another instance, the command line or a SQL shell would
// have: its writes reach the app only through the database. SQL with `?` placeholders, for either database.
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { dialectOf } from '../../src/db/dialect.ts'

export interface OtherConnection {
  run(sql: string, ...params: unknown[]): Promise<void>
  all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>
  close(): Promise<void>
}

/** `databaseUrl`: the blog's DATABASE_URL (blog.config.databasePath). */
export async function otherConnection(databaseUrl: string): Promise<OtherConnection> {
  if (dialectOf(databaseUrl) === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl })
    // A test that fails before closing it leaves it open until its database is dropped, which terminates it: the
    // failure is the test's, not an uncaught error of the whole run (a query on it still fails).
    client.on('error', () => {})
    await client.connect()
    const numbered = (sql: string) => {
      let n = 0
      return sql.replace(/\?/g, () => `$${++n}`)
    }
    return {
      async run(sql, ...params) {
        await client.query(numbered(sql), params)
      },
      async all<T>(sql: string, ...params: unknown[]) {
        return (await client.query(numbered(sql), params)).rows as T[]
      },
      close: () => client.end(),
    }
  }
  const db = new BetterSqlite3(databaseUrl)
  db.pragma('busy_timeout = 5000')
  return {
    async run(sql, ...params) {
      db.prepare(sql).run(...params)
    },
    async all<T>(sql: string, ...params: unknown[]) {
      return db.prepare(sql).all(...params) as T[]
    },
    async close() {
      db.close()
    },
  }
}
