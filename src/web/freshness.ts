// When may something computed from the database be reused? `app.freshness.generation()` answers with a number
// that moves whenever what the public pages show may have changed:
// - after any write to the database, by this process or any other (see dataVersion in src/db/sqlite.ts);
// - when a moment passes at which pages change without a write: a scheduled post's publication, a comment
//   thread's automatic closing (posts.repository nextTimedChange);
// - at the latest every MAX_AGE_MS, so that a time-dependent display nobody listed here goes stale for minutes,
//   not forever.
// Caches (the page cache, the sidebar) keep what they computed under the generation it was computed in, and
// drop it when the generation moves. Checking costs one prepared statement; recomputing the next timed change
// happens only after a write.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { nextTimedChange } from '../posts/posts.repository.ts'

const MAX_AGE_MS = 5 * 60 * 1000

export interface Freshness {
  /** The current generation (after a write or a timed change, a new one). */
  generation(): Promise<number>
  /** The same without waiting, when nothing has changed since the last call; undefined when it must wait. */
  generationNow(): number | undefined
  /**
   * `compute()`'s result, kept until the generation moves: for figures that cost a walk over an index (the
   * number of posts for the pager) and change only with the data. `key` must name everything the result
   * depends on besides the database and the clock.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>
}

declare module 'fastify' {
  interface FastifyInstance {
    freshness: Freshness
  }
}

async function freshnessPlugin(app: FastifyInstance) {
  let generation = 0
  let version = ''
  let until = -Infinity
  let refreshing: Promise<void> | undefined

  async function refresh(seen: string) {
    generation++
    const now = Date.now()
    const next = await nextTimedChange(app.db, new Date(now).toISOString(), app.settings.get().commentsAutoCloseDays)
    until = Math.min(now + MAX_AGE_MS, next ? Date.parse(next) : Infinity)
    // Recorded last: a write during the query above shows as a different version at the next call.
    version = seen
  }

  const MEMO_MAX = 1000
  let memoGeneration = -1
  const memos = new Map<string, Promise<unknown>>()

  const freshness: Freshness = {
    generationNow() {
      return app.dataVersion() === version && Date.now() < until && !refreshing ? generation : undefined
    },
    async generation() {
      const seen = app.dataVersion()
      if (seen === version && Date.now() < until) return generation
      // One refresh at a time; callers that arrive meanwhile share it. A write during the refresh is seen by
      // the next call (a cache checks the generation again before it stores anything).
      if (!refreshing) refreshing = refresh(seen).finally(() => (refreshing = undefined))
      await refreshing
      return generation
    },
    async memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const g = await freshness.generation()
      if (g !== memoGeneration) {
        memos.clear()
        memoGeneration = g
      }
      let value = memos.get(key) as Promise<T> | undefined
      if (!value) {
        if (memos.size >= MEMO_MAX) memos.delete(memos.keys().next().value!)
        const computing = compute()
        computing.catch(() => memos.get(key) === computing && memos.delete(key))
        memos.set(key, (value = computing))
      }
      return value
    },
  }
  app.decorate('freshness', freshness)
}

export default fp(freshnessPlugin, { name: 'freshness', dependencies: ['database'] })
