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
  // Counts the rows each statement gives back, from SQLite's statement cache.
  'test/feeds/sitemap-reads.test.ts',
  // SQLite to SQLite, read with better-sqlite3; the PostgreSQL directions are in test/ops/copy-postgres.test.ts.
  'test/ops/copy.test.ts',
  // SQLite's outages (a lock held, a read-only file); PostgreSQL's are in test/http/postgres-outage.test.ts.
  'test/http/database-unavailable.test.ts',
  // Backup and restore copy the SQLite file and the images beside it; on PostgreSQL they print pg_dump/pg_restore
  // (test/ops/copy.test.ts). `media add` runs on both in test/media/cli.test.ts.
  'test/media/cli-backup-sqlite.test.ts',
  // Bounds of in-memory caches; one of them is SQLite's prepared-statement cache, checked on an in-memory SQLite.
  'test/cache/bounds.test.ts',
  // The browser tests: what a browser checks (markup, axe, layout at each width, scripts, the flows' pages) is the
  // same whatever the database, and every request they make is also tested on both databases through inject()
  // (the PostgreSQL outages, full disk and concurrent writes in their own files). Twice, they cost CI 190 s.
  'test/e2e/**',
]

/** Tests that open no database at all: once is enough. */
export const NO_DATABASE = [
  'test/lib/**',
  'test/fediverse/loader.test.ts',
  'test/db/errors.test.ts',
  'test/structure.test.ts',
  // Reads the test files: none that runs on PostgreSQL makes its own SQLite database.
  'test/projects.test.ts',
  'test/config.test.ts',
  'test/slow/build.test.ts',
  'test/ops/nginx-conf.test.ts',
  // Runs npm start's command line with a probe in place of the server.
  'test/ops/start-script.test.ts',
  // Reads the guide (README.md, docs/) and the command line's usage.
  'test/docs.test.ts',
  // Reading webmention sources and endpoints: pure functions on HTML.
  'test/webmention/source.test.ts',
]

/** Tests of PostgreSQL only (they need the postgres project's cluster). */
export const POSTGRES_ONLY = [
  'test/db/postgres.test.ts',
  // A cluster of its own that it stops and starts (the SQLite outages are in database-unavailable.test.ts).
  'test/http/postgres-outage.test.ts',
  // SQLite → PostgreSQL, PostgreSQL → SQLite and PostgreSQL → PostgreSQL (both kinds in one test).
  'test/ops/copy-postgres.test.ts',
  // A real full disk under PostgreSQL's comments table (a tablespace on a tmpfs); SQLite's is in -sqlite.test.ts.
  'test/reader/comments-full-disk-postgres.test.ts',
  // Two instances taking turns at indexing for search (an advisory lock); SQLite's writers queue by themselves.
  'test/search/index-lock-postgres.test.ts',
  // The search window's plans and reads on PostgreSQL's GIN index (SQLite's FTS5 reads its lists in order).
  'test/search/window-postgres.test.ts',
  // The admin lists' plans on PostgreSQL (SQLite's are in admin-lists.test.ts).
  'test/admin/admin-lists-postgres.test.ts',
]
