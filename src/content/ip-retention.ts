// Comments' IP addresses are kept `ipRetentionDays` days (they serve the duplicate check, rate limiting and
// spotting abuse), then erased: at start-up, every hour, and when the admin saves the setting. 0 keeps them.
// The comment itself stays; only its `ip` becomes null.
import { setImmediate as rest } from 'node:timers/promises'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

const DAY_MS = 24 * 60 * 60 * 1000
export const IP_ERASURE_EVERY_MS = 60 * 60 * 1000

/**
 * Comments erased per statement. An hour's comments are a few; an imported blog's old ones may be a million, and
 * one statement for them all held the database's write lock for seconds (on PostgreSQL, past the statement
 * timeout: never done). Each batch is found through the comments_ip_created index, then a rest.
 */
export const ERASE_BATCH = 1_000

export interface Erased {
  erased: number
  /** Whether old addresses are left (`batches` reached). */
  more: boolean
}

/**
 * Erases the IP address of comments older than `days` days (none when days is 0), ERASE_BATCH at a time, at most
 * `batches` batches; writes nothing when there is nothing to erase.
 */
export async function eraseOldIps(db: Kysely<Database>, days: number, now: Date = new Date(), batches = Infinity): Promise<Erased> {
  let erased = 0
  if (days <= 0) return { erased, more: false }
  const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString()
  for (let batch = 0; batch < batches; batch++) {
    if (batch > 0) await rest()
    const ids = await db
      .selectFrom('comments')
      .select('id')
      .where('ip', 'is not', null)
      .where('created_at', '<', cutoff)
      .limit(ERASE_BATCH)
      .execute()
    if (ids.length === 0) return { erased, more: false }
    const result = await db
      .updateTable('comments')
      .set({ ip: null })
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .executeTakeFirst()
    erased += Number(result.numUpdatedRows)
    if (ids.length < ERASE_BATCH) return { erased, more: false }
  }
  return { erased, more: true }
}

/**
 * One erasure with the current setting (at most `batches` batches), logged; a failure (database busy, full,
 * read-only) is only a warning: the next run tries again. Answers whether old addresses are left.
 */
export async function runIpErasure(db: Kysely<Database>, days: number, log: FastifyBaseLogger, batches = Infinity): Promise<boolean> {
  try {
    const { erased, more } = await eraseOldIps(db, days, new Date(), batches)
    if (erased > 0) log.info({ erased, days }, 'old comment IP addresses erased')
    return more
  } catch (err) {
    log.warn({ err }, 'old comment IP addresses could not be erased; will try again')
    return false
  }
}

async function ipRetention(app: FastifyInstance, opts: { everyMs?: number }) {
  const run = (batches?: number) => runIpErasure(app.db, app.settings.get().ipRetentionDays, app.log, batches)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<boolean> | undefined
  const tick = (batches?: number) => {
    // One at a time: a slow run is not doubled by the next tick.
    running ??= run(batches).finally(() => (running = undefined))
    return running
  }
  app.addHook('onReady', async () => {
    // One batch before the server answers (a usual blog's whole erasure); what an import left, in the background.
    if (await tick(1)) void tick()
    timer = setInterval(() => void tick(), opts.everyMs ?? IP_ERASURE_EVERY_MS)
    timer.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}

export default fp(ipRetention, { name: 'ip-retention', dependencies: ['database', 'settings'] })
