// Two projects: every database-touching test runs on SQLite and on PostgreSQL (test/projects.ts says which files
// run on one only). The postgres project starts a throwaway cluster (test/postgres-setup.ts) when PostgreSQL's
// binaries are installed; without them that half is skipped, loudly (and in CI it is an error).
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
