// When may something computed from the database be reused? `app.freshness.generation()` answers with a number
// that moves whenever what the public pages show may have changed:
// - after any write to the database, by this process or any other (see dataVersion in src/db/sqlite.ts);
// - when a moment passes at which pages change without a write: a scheduled post's publication, a comment
//   thread's automatic closing (features tell when, through app.freshness.addTimedChanges);
// - at the latest every MAX_AGE_MS, so that a time-dependent display nobody listed here goes stale for minutes,
//   not forever.
// Caches (the page cache, the sidebar) keep what they computed under the generation it was computed in, and
// drop it when the generation moves. Checking costs one prepared statement; recomputing the next timed change
// happens only after a write.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { compiled } from '../db/compiled.ts'

const MAX_AGE_MS = 5 * 60 * 1000

export type MemoArg = string | number | boolean | null

/**
 * What names a memo's result: what it is (`name`) and what else it depends on (`args`). The settings are part
 * of every key already (memoKey): callers name only what else varies (a page number, a slug).
 */
export interface MemoKey {
  name: string
  args?: readonly MemoArg[]
}

const settingsIds = new WeakMap<object, number>()
let lastSettingsId = 0

/**
 * The one place memo keys become strings. A settings object is replaced as a whole by any change (frozen, see
 * SettingsStore): its identity stands for every setting a result may depend on (language, time zone, posts per
 * page…), so that no caller has to remember which ones it reads.
 */
export function memoKey(settings: object, key: MemoKey): string {
  let id = settingsIds.get(settings)
  if (id === undefined) settingsIds.set(settings, (id = ++lastSettingsId))
  return JSON.stringify([id, key.name, ...(key.args ?? [])])
}

export interface TimedChanges {
  next(now: string): Promise<string | null>
  last(now: string): Promise<string | null>
}

export interface Freshness {
  /**
   * The current generation (after a write or a timed change, a new one). Given the request being answered, the
   * generation is checked once for it and the same is given to every part of its answer: one check per
   * request instead of one per part, and a page whose parts all come from one generation.
   */
  generation(request?: FastifyRequest): Promise<number>
  /**
   * The same without waiting, when nothing has changed since the last call; undefined when it must wait (on
   * PostgreSQL, until the request's version has been read: the settings hook, which runs first, waits for it).
   * The request is Fastify's, or Node's own for the page cache's front (any object the version is read once for).
   */
  generationNow(request?: object): number | undefined
  /**
   * `compute()`'s result, kept until the generation moves: for figures that cost a walk over an index (the
   * number of posts for the pager) and change only with the data. `key` must name everything the result
   * depends on besides the database, the clock and the settings.
   */
  memo<T>(key: MemoKey, compute: () => Promise<T>, request?: FastifyRequest): Promise<T>
  /**
   * The same, kept until posts, their categories or the categories change (`site_state.posts_version`, moved by
   * triggers) or a timed change comes, but NOT at each comment: for figures that depend only on those tables
   * and the clock (counts of posts, the sidebar's categories and months). `key` must name everything else the
   * result depends on besides the settings.
   */
  postsMemo<T>(key: MemoKey, compute: () => Promise<T>): Promise<T>
  /**
   * Like memo(), in a store of its own, for what one page of many needs (a post page's data): a busy
   * generation's many pages do not push out the shared results (the sidebar). `key` must name everything the
   * result depends on besides the database, the clock and the settings. The result is shared by every request
   * of the generation: nobody may change it.
   */
  pageMemo<T>(key: MemoKey, compute: () => Promise<T>, request?: FastifyRequest): Promise<T>
  /**
   * Declares moments at which what pages show changes without any write: `next(now)` gives the first one after
   * `now`, `last(now)` the latest one up to `now` (ISO dates), or null. `next` is asked again after every write
   * and timed change; `last` tells the HTTP cache when pages last changed.
   */
  addTimedChanges(changes: TimedChanges): void
  /** The latest timed change up to `now` among those declared (ms since the epoch), or null. */
  lastTimedChange(now: Date): Promise<number | null>
}

declare module 'fastify' {
  interface FastifyInstance {
    freshness: Freshness
  }
  interface FastifyRequest {
    /** The generation this request's answer is built from, once it was checked (see Freshness.generation). */
    freshnessGeneration: number | undefined
  }
}

const postsVersionQuery = compiled((db) => db.selectFrom('site_state').select('posts_version').where('id', '=', 1))

/** Results kept under a generation, dropped all at once when it moves; bounded. Exported for tests. */
export class Memos {
  #generation = -1
  readonly #values = new Map<string, Promise<unknown>>()
  readonly #max: number

  constructor(max = 1000) {
    this.#max = max
  }

  /** Results kept (tests check the bound). */
  get size(): number {
    return this.#values.size
  }

  get<T>(generation: number, key: string, compute: () => Promise<T>): Promise<T> {
    // A request that began before the latest write asks with the generation it began in: it gets what it asks
    // for, but does not empty the newer generation's results to keep its own.
    if (generation < this.#generation) return compute()
    if (generation !== this.#generation) {
      this.#values.clear()
      this.#generation = generation
    }
    let value = this.#values.get(key) as Promise<T> | undefined
    if (!value) {
      if (this.#values.size >= this.#max) this.#values.delete(this.#values.keys().next().value!)
      const computing = compute()
      const values = this.#values
      computing.catch(() => values.get(key) === computing && values.delete(key))
      values.set(key, (value = computing))
    }
    return value
  }
}

async function freshnessPlugin(app: FastifyInstance) {
  let generation = 0
  let version = ''
  let until = -Infinity
  let refreshing: Promise<void> | undefined
  let postsGeneration = 0
  let postsVersion: number | undefined
  const timedChanges: TimedChanges[] = []

  async function refresh(seen: string) {
    generation++
    const now = Date.now()
    // The previous window ended with a timed change (or its maximum age): what depends on posts and the clock
    // may have changed without any write.
    const timed = now >= until
    const [moments, posts] = await Promise.all([
      Promise.all(timedChanges.map((changes) => changes.next(new Date(now).toISOString()))),
      postsVersionQuery.first(app.db, {}),
    ])
    if (timed || posts?.posts_version !== postsVersion) {
      postsGeneration++
      postsVersion = posts?.posts_version
    }
    until = Math.min(now + MAX_AGE_MS, ...moments.map((next) => (next ? Date.parse(next) : Infinity)))
    // Recorded last: a write during the query above shows as a different version at the next call.
    version = seen
  }

  const memos = new Memos()
  const postsMemos = new Memos()
  // A post page's data holds a whole page of comments: a bound on memory as much as on entries.
  const pageMemos = new Memos(200)

  async function check(request?: FastifyRequest): Promise<number> {
    let seen = app.dataVersion(request)
    // SQLite answers at once; PostgreSQL's version is a query.
    if (typeof seen !== 'string') seen = await seen
    if (seen === version && Date.now() < until) return generation
    // One refresh at a time; callers that arrive meanwhile share it. A write during the refresh is seen by the
    // next call (a cache checks the generation again before it stores anything).
    if (!refreshing) refreshing = refresh(seen).finally(() => (refreshing = undefined))
    await refreshing
    return generation
  }

  app.decorateRequest('freshnessGeneration', undefined)
  const freshness: Freshness = {
    generationNow(request?: object) {
      // PostgreSQL's version is a query: known at once only once the request's read has answered (and never
      // asked for here without a request: nobody would wait for that read).
      if (!request && app.dialect !== 'sqlite') return undefined
      const seen = app.dataVersion(request)
      if (typeof seen !== 'string') return undefined
      return seen === version && Date.now() < until && !refreshing ? generation : undefined
    },
    async generation(request?: FastifyRequest) {
      if (request?.freshnessGeneration !== undefined) return request.freshnessGeneration
      const g = await check(request)
      if (request) request.freshnessGeneration = g
      return g
    },
    async memo<T>(key: MemoKey, compute: () => Promise<T>, request?: FastifyRequest): Promise<T> {
      const generation = await freshness.generation(request)
      return memos.get(generation, memoKey(app.settings.get(), key), compute)
    },
    async postsMemo<T>(key: MemoKey, compute: () => Promise<T>): Promise<T> {
      await freshness.generation()
      return postsMemos.get(postsGeneration, memoKey(app.settings.get(), key), compute)
    },
    async pageMemo<T>(key: MemoKey, compute: () => Promise<T>, request?: FastifyRequest): Promise<T> {
      const generation = await freshness.generation(request)
      return pageMemos.get(generation, memoKey(app.settings.get(), key), compute)
    },
    addTimedChanges(changes) {
      timedChanges.push(changes)
    },
    async lastTimedChange(now) {
      const moments = await Promise.all(timedChanges.map((changes) => changes.last(now.toISOString())))
      const times = moments.filter((at) => at !== null).map((at) => Date.parse(at))
      return times.length ? Math.max(...times) : null
    },
  }
  app.decorate('freshness', freshness)
}

export default fp(freshnessPlugin, { name: 'freshness', dependencies: ['database', 'settings'] })
