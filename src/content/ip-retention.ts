// Comments' IP addresses are kept `ipRetentionDays` days (they serve the duplicate check, rate limiting and
// spotting abuse), then erased: at start-up, every hour, and when the admin saves the setting. 0 keeps them.
// The comment itself stays; only its `ip` becomes null.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

const DAY_MS = 24 * 60 * 60 * 1000
export const IP_ERASURE_EVERY_MS = 60 * 60 * 1000

/** Erases the IP address of comments older than `days` days (none when days is 0); returns how many. */
export async function eraseOldIps(db: Kysely<Database>, days: number, now: Date = new Date()): Promise<number> {
  if (days <= 0) return 0
  const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString()
  const result = await db
    .updateTable('comments')
    .set({ ip: null })
    .where('ip', 'is not', null)
    .where('created_at', '<', cutoff)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * One erasure with the current setting, logged; a failure (database busy, full, read-only) is only a warning:
 * the next run tries again.
 */
export async function runIpErasure(db: Kysely<Database>, days: number, log: FastifyBaseLogger): Promise<void> {
  try {
    const erased = await eraseOldIps(db, days)
    if (erased > 0) log.info({ erased, days }, 'old comment IP addresses erased')
  } catch (err) {
    log.warn({ err }, 'old comment IP addresses could not be erased; will try again')
  }
}

async function ipRetention(app: FastifyInstance, opts: { everyMs?: number }) {
  const run = () => runIpErasure(app.db, app.settings.get().ipRetentionDays, app.log)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = () => {
    // One at a time: a slow run is not doubled by the next tick.
    running ??= run().finally(() => (running = undefined))
    return running
  }
  app.addHook('onReady', async () => {
    await tick()
    timer = setInterval(() => void tick(), opts.everyMs ?? IP_ERASURE_EVERY_MS)
    timer.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}

export default fp(ipRetention, { name: 'ip-retention', dependencies: ['database', 'settings'] })
