// Two instances sharing a PostgreSQL database never index at the same time: each batch takes an advisory lock
// (src/search/fts.postgres.ts), and an instance that finds it taken waits and checks back.
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, useTempDir, visibleText } from '../helpers/app.ts'

describe('search indexing on PostgreSQL, two instances', () => {
  const dir = useTempDir('search-lock')

  it('an instance does not index while another one holds the indexing lock, and indexes everything once it is free', async () => {
    const first = await buildTestApp({ dir: dir.path })
    const second = { app: undefined as Awaited<ReturnType<typeof buildTestApp>> | undefined }
    let release!: () => void
    let holding: Promise<void> | undefined
    try {
      const now = new Date().toISOString()
      const rows = Array.from({ length: 800 }, (_, i) => ({
        slug: `verrou-${i}`,
        title: `Verrou ${i}`,
        body_html: '<p>Un mot partagé.</p>',
        status: 'published' as const,
        published_at: '2011-01-01T00:00:00.000Z',
        created_at: now,
        updated_at: now,
      }))
      await first.app.db.insertInto('posts').values(rows).execute()
      // Another instance indexing holds the lock (a session's, here: every transaction of the app also takes the
      // write lock, which would hold back the second instance's start-up too).
      let locked!: () => void
      const isLocked = new Promise<void>((resolve) => (locked = resolve))
      holding = first.app.db.connection().execute(async (connection) => {
        await sql`select pg_advisory_lock(hashtext('carnet.search_index'))`.execute(connection)
        locked()
        await new Promise<void>((resolve) => (release = resolve))
        await sql`select pg_advisory_unlock(hashtext('carnet.search_index'))`.execute(connection)
      })
      await isLocked

      second.app = await buildTestApp({ dir: dir.path })
      const db = second.app.app.db
      const queued = async () =>
        Number(
          (
            await db
              .selectFrom('search_queue')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(await queued()).toBe(800)
      const during = visibleText(mainOf((await second.app.app.inject('/search?q=partage')).body))
      expect(during).toContain('ces résultats peuvent être incomplets')

      release()
      await holding
      const end = Date.now() + 30_000
      while ((await queued()) > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await queued()).toBe(0)
      const after = visibleText(mainOf((await second.app.app.inject('/search?q=partage')).body))
      expect(after).toContain('800 résultats pour « partage »')
      expect(after).not.toContain('incomplets')
    } finally {
      release?.()
      await holding
      await second.app?.close()
      await first.close()
    }
  })
})
