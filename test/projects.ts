// Which test files run against which database (vitest.config.ts). Every other test file runs twice: on SQLite
// and on PostgreSQL. Keep a file out of the postgres project only for one of the reasons below.

/** Tests of SQLite's own machinery (the WAL, the checkpointer, the file, its backup, its query plans). */
export const SQLITE_ONLY = [
  'test/db/wal.test.ts',
  'test/db/backup.test.ts',
  'test/db/read-only.test.ts',
  'test/db/open.test.ts',
  'test/reader/comments-failures-sqlite.test.ts',
  'test/slow/query-plans.test.ts',
  // pg-ops: SQLite files and locks today; the PostgreSQL side of copy and of a stopped server is to be wired.
  'test/ops/copy.test.ts',
  'test/http/database-unavailable.test.ts',
]

/** Tests that open no database at all: once is enough. */
export const NO_DATABASE = [
  'test/lib/**',
  'test/db/errors.test.ts',
  'test/structure.test.ts',
  'test/config.test.ts',
  'test/slow/build.test.ts',
  'test/ops/nginx-conf.test.ts',
]

/** Tests of PostgreSQL only (they need the postgres project's cluster). */
export const POSTGRES_ONLY = ['test/db/postgres.test.ts', 'test/reader/comments-full-disk-postgres.test.ts']
