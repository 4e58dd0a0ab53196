// The search index is built in the background: the server listens at once, whatever the queue holds (a blog
// copied or imported with 100,000 unindexed posts, a language change that re-stems every post). Work goes in
// batches, each one short transaction that takes its posts off the queue as it indexes them (`search_queue`, filled
// by triggers: see the search migration), so a restart resumes where the last committed batch stopped, and a
// batch is sized by what the previous ones cost the main thread (BatchSizer) so that none holds the event loop
// (SQLite is synchronous) or a transaction for long. Instances sharing a PostgreSQL database take turns (an
// advisory lock per batch). Meanwhile searches answer from what is indexed and say the results may be incomplete.
import { setTimeout as sleep } from 'node:timers/promises'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Language } from '../config.ts'
import type { Database } from '../db/schema.ts'
import { afterBacklog, indexBatch, mergeStep, prepareIndex, queuedPosts } from './engine.ts'

/**
 * What one batch may cost the main thread, in milliseconds: well under the 100 ms a request may wait behind other
 * work. Measured in the thread's CPU time (threadTime): on SQLite a batch is one turn of the event loop (the
 * driver is synchronous), on PostgreSQL what the server does meanwhile (the stemming) holds nothing here, and on a
 * busy machine the waits for a core are nobody's batch.
 */
export const BATCH_BUDGET_MS = 40
/** The next batch is sized for this much, the rest is margin. */
const BATCH_AIM_MS = 32
/**
 * And for at most this much wall-clock time: on PostgreSQL a batch's stemming is the server's work, not this
 * thread's, but its transaction holds the indexing lock and delays a writer saving one of its posts meanwhile.
 */
const TRANSACTION_AIM_MS = 250
/**
 * What one batch costs per post varies from one batch to the next: on SQLite FTS5 merges its segments at some
 * commits and not at others (2–4× the median at 100,000 posts, bench/RESULTS.md 2026-12-07). A batch is sized
 * for the worst per-post cost of the last WINDOW ones, and at least SPIKE times their median's.
 */
const WINDOW = 32
const SPIKE = 3
/** Posts a batch indexes: the first, the fewest (smaller ones would spend more on the queue than on the posts), the most. */
const BATCH_POSTS = { first: 50, min: 10, max: 2000 }
/** Pages a merge step writes (SQLite; fts.sqlite.ts mergeStep): ~0.05–0.15 ms each at 100,000 posts. */
const MERGE_PAGES = { first: 100, min: 16, max: 2000 }
/** A queue this short is indexed by the search that finds it (one batch), so that a write is found at once. */
export const CATCH_UP_LIMIT = 100
/** A queue this short at start-up is indexed before the server listens (a fraction of a second). */
const START_UP_LIMIT = 500
/** How often progress is logged while indexing. */
const PROGRESS_EVERY_MS = 5000
/** How long to wait before trying a failed batch again. */
const ERROR_RETRY_MS = 5000
/** How long to wait before trying again when another instance holds the indexing lock. */
const BUSY_RETRY_MS = 500

export interface IndexerOptions {
  db: Kysely<Database>
  language: () => Language
  log: FastifyBaseLogger
}

/** The main thread's CPU time, in ms (wall time where Node cannot tell). */
export const threadTime: () => number =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const { user, system } = process.threadCpuUsage()
        return (user + system) / 1000
      }
    : () => performance.now()

/** The size of the next batch (posts, or pages to merge), from what the last ones cost (see BATCH_BUDGET_MS). */
export class BatchSizer {
  #size: number
  readonly #bounds: { first: number; min: number; max: number }
  /** Per-item costs of the last WINDOW batches, oldest first. */
  readonly #perPost: number[] = []
  /** Per-item wall-clock time of the last batch. */
  #wallPerPost = 0

  constructor(bounds = BATCH_POSTS) {
    this.#bounds = bounds
    this.#size = bounds.first
  }

  get size(): number {
    return this.#size
  }

  /** A batch of `posts` (items) cost `ms` of the main thread, and took `wallMs` from start to commit: the next one's size. */
  record(posts: number, ms: number, wallMs = ms): number {
    if (posts <= 0) return this.#size
    this.#wallPerPost = Math.max(wallMs, 0) / posts
    this.#perPost.push(Math.max(ms, 0) / posts)
    if (this.#perPost.length > WINDOW) this.#perPost.shift()
    const sorted = [...this.#perPost].sort((a, b) => a - b)
    const expected = Math.max(sorted.at(-1)!, SPIKE * sorted[Math.floor(sorted.length / 2)]!, 0.001)
    // At most doubling, and only after a full batch: a few quick batches say little of the next ones.
    const grown = posts >= this.#size ? this.#size * 2 : this.#size
    const fits = Math.min(BATCH_AIM_MS / expected, TRANSACTION_AIM_MS / Math.max(this.#wallPerPost, 0.001))
    this.#size = Math.max(this.#bounds.min, Math.min(this.#bounds.max, grown, Math.floor(fits)))
    return this.#size
  }
}

export class SearchIndexer {
  readonly #db: Kysely<Database>
  readonly #language: () => Language
  readonly #log: FastifyBaseLogger
  #running: Promise<void> | undefined
  #stopped = false
  /** Ends the waits between batches at once when the server closes. */
  readonly #closing = new AbortController()
  /** Batches of this process run one at a time (the background's and a search's catch-up). */
  #batchTurn: Promise<unknown> = Promise.resolve()
  readonly #sizer = new BatchSizer(BATCH_POSTS)
  readonly #mergeSizer = new BatchSizer(MERGE_PAGES)

  constructor(options: IndexerOptions) {
    this.#db = options.db
    this.#language = options.language
    this.#log = options.log
  }

  /**
   * At start-up: a short queue (a new blog's demo posts, what was written while the server was down) is indexed
   * before the server listens, as a search would; a longer one in the background.
   */
  async start(): Promise<void> {
    await prepareIndex(this.#db)
    if ((await queuedPosts(this.#db, this.#language(), START_UP_LIMIT + 1)) > START_UP_LIMIT) return this.wake()
    while (!this.#stopped && (await this.#batch(START_UP_LIMIT, true)) !== 0);
    // What those batches wrote is merged in the background.
    this.wake()
  }

  /** Starts indexing in the background if it is not running already (never waits for it). */
  wake(): void {
    if (this.#running || this.#stopped) return
    this.#running = this.#run()
      .catch((err: unknown) =>
        this.#log.error({ err }, 'search index: indexing stopped by an error; it resumes at the next search or start'),
      )
      .finally(() => (this.#running = undefined))
  }

  /** Stops after the batch under way (committed, so that the next start resumes after it). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#closing.abort()
    await this.#running
    await this.#batchTurn.catch(() => {})
  }

  /**
   * Before a search: is the index complete? A short queue (what a write just queued) is indexed now; a longer one
   * is left to the background (woken if need be) and the search says its results may be incomplete.
   */
  async catchUp(): Promise<boolean> {
    const language = this.#language()
    const queued = await queuedPosts(this.#db, language, CATCH_UP_LIMIT + 1)
    if (queued === 0) return true
    if (queued <= CATCH_UP_LIMIT && !this.#stopped) {
      await this.#batch(CATCH_UP_LIMIT, true)
      // Merged in the background.
      this.wake()
      if ((await queuedPosts(this.#db, language, 1)) === 0) return true
    }
    this.wake()
    return false
  }

  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#closing.signal }).catch(() => {})
  }

  #batch(max: number, wait: boolean): Promise<number | null> {
    const turn = this.#batchTurn.then(() => indexBatch(this.#db, this.#language(), max, wait))
    this.#batchTurn = turn.catch(() => {})
    return turn
  }

  async #run(): Promise<void> {
    const queued = await queuedPosts(this.#db, this.#language())
    if (queued > 0) await this.#backlog(queued)
    await this.#merge()
  }

  /**
   * Merges the index's segments in steps sized like the batches, each its own turn of the event loop, until no
   * level holds enough segments to merge (SQLite; nothing to do on PostgreSQL).
   */
  async #merge(): Promise<void> {
    while (!this.#stopped) {
      const size = this.#mergeSizer.size
      const t0 = threadTime()
      if (!(await mergeStep(this.#db, size))) break
      const took = threadTime() - t0
      const next = this.#mergeSizer.record(size, took)
      this.#log.debug({ pages: size, ms: Math.round(took * 10) / 10, next }, 'search index: merge')
      await yieldToEventLoop()
    }
  }

  async #backlog(queued: number): Promise<void> {
    this.#log.info({ queued }, `search index: indexing ${queued} posts in the background`)
    const started = performance.now()
    let indexed = 0
    let slowest = 0
    let lastLog = started
    while (!this.#stopped) {
      const size = this.#sizer.size
      const t0 = threadTime()
      const wall0 = performance.now()
      let done: number | null
      try {
        done = await this.#batch(size, false)
      } catch (err) {
        // The database unavailable for a moment (PostgreSQL restarting, a lock held too long): the batch was rolled
        // back whole, and is tried again a little later.
        this.#log.warn({ err }, 'search index: a batch failed; trying again in a few seconds')
        await this.#pause(ERROR_RETRY_MS)
        continue
      }
      const took = threadTime() - t0
      const wall = performance.now() - wall0
      if (done === null) {
        // Another instance is indexing: it goes on, this one checks back (and takes over if that one stops).
        await this.#pause(BUSY_RETRY_MS)
        continue
      }
      if (done === 0) break
      indexed += done
      slowest = Math.max(slowest, took)
      const next = this.#sizer.record(done, took, wall)
      this.#log.debug({ posts: done, ms: Math.round(took * 10) / 10, wallMs: Math.round(wall), next }, 'search index: batch')
      await yieldToEventLoop()
      await this.#merge()
      if (performance.now() - lastLog >= PROGRESS_EVERY_MS) {
        lastLog = performance.now()
        const left = await queuedPosts(this.#db, this.#language())
        this.#log.info({ indexed, left, batch: next }, `search index: ${indexed} posts indexed, ${left} to go`)
      }
      await yieldToEventLoop()
    }
    if (!this.#stopped && indexed >= START_UP_LIMIT) await afterBacklog(this.#db)
    const seconds = Math.round((performance.now() - started) / 100) / 10
    if (this.#stopped) this.#log.info({ indexed, seconds }, `search index: paused after ${indexed} posts; the next start resumes`)
    else this.#log.info({ indexed, seconds, slowestBatchMs: Math.round(slowest) }, `search index: done, ${indexed} posts in ${seconds} s`)
  }
}
