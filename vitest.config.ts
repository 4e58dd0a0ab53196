// Two projects: every database-touching test runs on SQLite and on PostgreSQL (test/projects.ts says which files
// run on one only). The postgres project starts a throwaway cluster (test/postgres-setup.ts) when PostgreSQL's
// binaries are installed; without them that half is skipped, loudly (and in CI it is an error).
import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import { postgresBin } from './test/helpers/postgres-cluster.ts'
import { NO_DATABASE, POSTGRES_ONLY, SQLITE_ONLY } from './test/projects.ts'

// `npm run test:quick`: no browser and no slow tests. (A command line --exclude does not reach the projects,
// whose own `exclude` replaces it.)
const QUICK = process.env.QUICK_TESTS ? ['test/e2e/**', 'test/slow/**'] : []

const postgres = postgresBin()
if (!postgres) {
  const message = 'no PostgreSQL binaries in /usr/lib/postgresql/*/bin. Install them with: apt-get install -y postgresql'
  if (process.env.CI) throw new Error(`The PostgreSQL half of the tests cannot run in CI: ${message}`)
  console.warn(`\n*** POSTGRESQL TESTS SKIPPED (only SQLite was tested): ${message} ***\n`)
}

export default defineConfig({
  test: {
    // Two files at a time at least: most of a test's time is spent waiting (PostgreSQL, Chromium, a child process,
    // a timer), and vitest's default on 2 cores is one (cores - 1). On this 2-core machine, under load 11–15,
    // test/reader on SQLite took 66 s with one and 39 s with two; 14 files on PostgreSQL 122 s and 77 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: [...POSTGRES_ONLY, ...QUICK],
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                exclude: [...SQLITE_ONLY, ...NO_DATABASE, ...QUICK],
                globalSetup: ['test/e2e/global-setup.ts', 'test/postgres-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
})
