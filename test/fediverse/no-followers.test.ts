// A post published on a blog that nobody follows yet sends nothing, so its 'fediverse-post' job is done without
// loading Fedify (62 MB, and ~0.2 s of the event loop's CPU at its first load: the growth bench's scheduled-post
// moment). A blog with a follower loads it before it listens instead, so that its next publish is not the one to
// pay for the load; its deliveries are test/fediverse/two-instances.test.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'
import { otherConnection } from '../helpers/other-connection.ts'

describe('when Fedify is loaded: a blog nobody follows, a blog with a follower', () => {
  const tmp = useTempDir('no-followers')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  it('publishes a post without loading Fedify: its fediverse job is done at once', async () => {
    const trace = join(tmp.path, 'modules.txt')
    const server = await startServer({ DATABASE_URL: database.url, ...database.env, JOBS_POLL_MS: '200', LOADED_MODULES: trace }, 20_000, [
      '--import',
      'tsx',
      '--import',
      './test/fixtures/loaded-modules.mjs',
      'src/server.ts',
    ])
    // A second connection, as another instance or the command line would write.
    const db = await otherConnection(database.url)
    try {
      const now = new Date().toISOString()
      await db.run(
        `insert into posts (slug, title, status, published_at, created_at, updated_at) values (?, ?, 'published', ?, ?, ?)`,
        'personne-ne-suit',
        'Un billet que personne ne suit',
        now,
        now,
        now,
      )
      let job: { state: string } | undefined
      for (let i = 0; i < 100 && job?.state !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        job = (await db.all<{ state: string }>(`select state from jobs where kind = 'fediverse-post'`))[0]
      }
      expect(job?.state).toBe('done')
      const loaded = readFileSync(trace, 'utf8')
      expect(loaded).toMatch(/node_modules\/fastify\//)
      expect(loaded).not.toMatch(/node_modules\/@fedify\//)
    } finally {
      await db.close()
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('a blog with a follower loads Fedify before it listens, not at its next publish', async () => {
    const serve = (trace?: string) =>
      startServer({ DATABASE_URL: database.url, ...database.env, JOBS_POLL_MS: '0', ...(trace ? { LOADED_MODULES: trace } : {}) }, 20_000, [
        '--import',
        'tsx',
        '--import',
        './test/fixtures/loaded-modules.mjs',
        'src/server.ts',
      ])
    // A first start migrates the database; a follower is then written as the inbox would.
    const first = await serve()
    const db = await otherConnection(database.url)
    try {
      await db.run(
        `insert into fedi_followers (actor_id, inbox, handle, instance, followed_at) values (?, ?, ?, ?, ?)`,
        'https://mastodon.example/users/alice',
        'https://mastodon.example/users/alice/inbox',
        '@alice@mastodon.example',
        'mastodon.example',
        new Date().toISOString(),
      )
    } finally {
      await db.close()
      first.child.kill('SIGTERM')
      await first.exited
    }
    const trace = join(tmp.path, 'followed.txt')
    const server = await serve(trace)
    try {
      // Listening (startServer waited for its first answer), nothing published, no job run: already loaded.
      expect(readFileSync(trace, 'utf8')).toMatch(/node_modules\/@fedify\//)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
