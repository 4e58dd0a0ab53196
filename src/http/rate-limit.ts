// Rate-limit counters in the database, for @fastify/rate-limit: several instances sharing one database count
// the same requests, so a limit reached through one instance holds on every other (and across restarts).
// Portable Kysely (SQLite and PostgreSQL): one upsert per counted request, on the `rate_limits` table.
//
// A limiter may instead stay per instance (`PER_INSTANCE`): the 404 page's, which protects each instance's own
// CPU from a scan of guessed addresses. Counting 404s in the database would make every miss a write (and on
// SQLite, a write empties every instance's page cache): the scan would cost more, not less.
import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Kysely } from 'kysely'

/** The one table this needs (src/db/schema.ts has it too): http knows no more of the database. */
export interface RateLimitTables {
  rate_limits: { key: string; count: number; expires_at: string }
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** Spread into a limiter's options to keep its counters in this process's memory. */
export const PER_INSTANCE: Record<string, unknown> = Object.freeze({ carnetPerInstance: true })

/** How often expired rows are deleted (at most; only when a counter is written). */
const PRUNE_EVERY_MS = 60_000

/** A window of `timeWindow` ms starting at a key's first request, as @fastify/rate-limit's own store counts. */
class DatabaseStore implements FastifyRateLimitStore {
  #lastPrune = 0
  constructor(
    readonly db: Kysely<RateLimitTables>,
    readonly namespace: string,
  ) {}

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.#incr(`${this.namespace} ${key}`, timeWindow, max).then(
      (result) => callback(null, result),
      (err: Error) => callback(err),
    )
  }

  async #incr(key: string, timeWindow: number, max: number): Promise<{ current: number; ttl: number }> {
    const now = Date.now()
    const nowIso = new Date(now).toISOString()
    const expires = new Date(now + timeWindow).toISOString()
    // A new window, or one more request in the current one. Once over the limit nothing is written (the WHERE
    // of the update): refused requests, however many, cost no write and move no cache.
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, count: 1, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => ({
            count: eb
              .case()
              .when('rate_limits.expires_at', '<=', nowIso)
              .then(1)
              .else(eb('rate_limits.count', '+', 1))
              .end(),
            expires_at: eb.case().when('rate_limits.expires_at', '<=', nowIso).then(expires).else(eb.ref('rate_limits.expires_at')).end(),
          }))
          .where((eb) => eb.or([eb('rate_limits.expires_at', '<=', nowIso), eb('rate_limits.count', '<=', max)])),
      )
      .returning(['count', 'expires_at'])
      .executeTakeFirst()
    if (now - this.#lastPrune > PRUNE_EVERY_MS) {
      this.#lastPrune = now
      await this.db.deleteFrom('rate_limits').where('expires_at', '<=', nowIso).execute()
    }
    if (row) return { current: Number(row.count), ttl: Date.parse(row.expires_at) - now }
    // Over the limit (the update was skipped): how long until the window ends, for Retry-After.
    const current = await this.db.selectFrom('rate_limits').select(['count', 'expires_at']).where('key', '=', key).executeTakeFirst()
    return { current: max + 1, ttl: current ? Math.max(0, Date.parse(current.expires_at) - now) : timeWindow }
  }

  child(routeOptions: FastifyRateLimitOptions & { routeInfo?: { method?: string | string[]; url?: string } }): FastifyRateLimitStore {
    if ((routeOptions as Record<string, unknown>).carnetPerInstance) return new MemoryStore()
    const route = routeOptions.routeInfo
    const namespace = route?.url ? `${[route.method].flat().join(',')} ${route.url}` : 'default'
    return new DatabaseStore(this.db, namespace)
  }
}

/** Fixed windows in memory, bounded: for limiters that are per instance on purpose. Exported for tests. */
export class MemoryStore implements FastifyRateLimitStore {
  static readonly MAX_KEYS = 10_000
  readonly #counts = new Map<string, { count: number; expires: number }>()

  /** Clients counted (tests check the bound). */
  get size(): number {
    return this.#counts.size
  }

  incr(key: string, callback: Callback, timeWindow: number): void {
    const now = Date.now()
    let entry = this.#counts.get(key)
    if (!entry || entry.expires <= now) {
      if (this.#counts.size >= MemoryStore.MAX_KEYS) {
        for (const [k, e] of this.#counts) if (e.expires <= now) this.#counts.delete(k)
        if (this.#counts.size >= MemoryStore.MAX_KEYS) this.#counts.delete(this.#counts.keys().next().value!)
      }
      entry = { count: 0, expires: now + timeWindow }
      this.#counts.set(key, entry)
    }
    entry.count += 1
    callback(null, { current: entry.count, ttl: entry.expires - now })
  }

  child(): FastifyRateLimitStore {
    return new MemoryStore()
  }
}

/** The `store` option of @fastify/rate-limit: counters in this database. */
export function databaseRateLimitStore<DB extends RateLimitTables>(db: Kysely<DB>): FastifyRateLimitStoreCtor {
  // Only rate_limits is queried: the rest of the schema does not matter here.
  const limitsDb = db as unknown as Kysely<RateLimitTables>
  return class extends DatabaseStore {
    constructor() {
      super(limitsDb, 'default')
    }
  } as unknown as FastifyRateLimitStoreCtor
}
