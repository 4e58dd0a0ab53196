// The search index is built in the background: the server listens at once, whatever the queue holds (a blog
// copied or imported with 100,000 unindexed posts, a language change that re-stems every post). Work goes in
// batches, each one short transaction that takes its posts off the queue as it indexes them (`search_queue`, filled
// by triggers: see the search migration), so a restart resumes where the last committed batch stopped, and a
// batch is sized by the time the previous one took so that none holds the event loop (SQLite is synchronous)
// or a transaction for long. Instances sharing a PostgreSQL database take turns (an advisory lock per batch).
// Meanwhile searches answer from what is indexed and say the results may be incomplete.
import { setTimeout as sleep } from 'node:timers/promises'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Language } from '../config.ts'
import type { Database } from '../db/schema.ts'
import { afterBacklog, indexBatch, queuedPosts } from './engine.ts'

/** What one batch may take, in milliseconds: well under the 100 ms a request may wait behind other work. */
const BATCH_TARGET_MS = 40
const FIRST_BATCH = 50
/** A batch this small is always quick; a busy machine (a slow batch) must not shrink them below it. */
const MIN_BATCH = 10
const MAX_BATCH = 2000
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
  #batchSize = FIRST_BATCH

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
    if ((await queuedPosts(this.#db, this.#language(), START_UP_LIMIT + 1)) > START_UP_LIMIT) return this.wake()
    while (!this.#stopped && (await this.#batch(START_UP_LIMIT, true)) !== 0);
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
    if (queued === 0) return
    this.#log.info({ queued }, `search index: indexing ${queued} posts in the background`)
    const started = performance.now()
    let indexed = 0
    let slowest = 0
    let lastLog = started
    while (!this.#stopped) {
      const t0 = performance.now()
      let done: number | null
      try {
        done = await this.#batch(this.#batchSize, false)
      } catch (err) {
        // The database unavailable for a moment (PostgreSQL restarting, a lock held too long): the batch was rolled
        // back whole, and is tried again a little later.
        this.#log.warn({ err }, 'search index: a batch failed; trying again in a few seconds')
        await this.#pause(ERROR_RETRY_MS)
        continue
      }
      const took = performance.now() - t0
      if (done === null) {
        // Another instance is indexing: it goes on, this one checks back (and takes over if that one stops).
        await this.#pause(BUSY_RETRY_MS)
        continue
      }
      if (done === 0) break
      indexed += done
      slowest = Math.max(slowest, took)
      // Next batch sized for BATCH_TARGET_MS from this one's pace (at most doubling, so that one fast batch of
      // tiny posts does not make the next one of long posts too long).
      if (done === this.#batchSize) {
        const perPost = took / done
        this.#batchSize = Math.max(
          MIN_BATCH,
          Math.min(MAX_BATCH, this.#batchSize * 2, Math.floor(BATCH_TARGET_MS / Math.max(perPost, 0.001))),
        )
      }
      if (performance.now() - lastLog >= PROGRESS_EVERY_MS) {
        lastLog = performance.now()
        const left = await queuedPosts(this.#db, this.#language())
        this.#log.info({ indexed, left, batch: this.#batchSize }, `search index: ${indexed} posts indexed, ${left} to go`)
      }
      await yieldToEventLoop()
    }
    if (!this.#stopped && indexed >= START_UP_LIMIT) await afterBacklog(this.#db)
    const seconds = Math.round((performance.now() - started) / 100) / 10
    if (this.#stopped) this.#log.info({ indexed, seconds }, `search index: paused after ${indexed} posts; the next start resumes`)
    else this.#log.info({ indexed, seconds, slowestBatchMs: Math.round(slowest) }, `search index: done, ${indexed} posts in ${seconds} s`)
  }
}
