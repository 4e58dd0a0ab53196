// Background work that must happen once, later, whatever restarts or how many instances run: federation
// deliveries, webmentions, mails by the post. A job is a row of `jobs`, written in the transaction of the change
// that causes it (so it exists exactly when its cause was committed). A process claims due jobs for a lease: it
// reads which are due (and writes nothing when none is), then claims them with one UPDATE whose WHERE is checked
// again under the row's lock (PostgreSQL) or the write lock (SQLite), so two instances never run the same job
// together; a process that dies mid-job leaves the lease to run out, and the job is run again (handlers are
// idempotent or keyed). Failures are retried with a growing delay.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { now as clockNow } from '../lib/time.ts'

type Db = Kysely<Database> | Transaction<Database>

/** How long a claimed job is its process's: a job still running after it may be run again elsewhere. */
export const LEASE_MS = 5 * 60 * 1000
/** Delays before the next attempt after the 1st, 2nd… failure; the last one repeats. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 6 * 3_600_000, 24 * 3_600_000]
const DEFAULT_MAX_ATTEMPTS = 8
/** Jobs claimed at once by one process, and run side by side (deliveries wait on other servers, not on us). */
const BATCH = 8

/** Thrown by a handler: the job failed for good (a refused address, a malformed payload), no retry. */
export class PermanentJobError extends Error {}

export interface JobInfo {
  id: number
  /** 1 on the first run. */
  attempts: number
}

export type JobHandler = (payload: unknown, job: JobInfo) => Promise<void>

export interface HandlerOptions {
  /** Attempts before the job is marked failed (default 8: about two days of retries). */
  maxAttempts?: number
  /** At most this many jobs of the kind started per minute, across instances (a mail server's pace). */
  perMinute?: () => number
}

/**
 * Queues a job (in the caller's transaction). With a key, a job is queued once: queueing it again, while it
 * waits or after it ran, does nothing and answers false.
 */
export async function enqueueJob(db: Db, job: { kind: string; payload: unknown; runAt?: Date; key?: string }): Promise<boolean> {
  const at = clockNow().toISOString()
  const row = await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? null),
      key: job.key ?? null,
      run_at: (job.runAt ?? clockNow()).toISOString(),
      created_at: at,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}

export interface Jobs {
  handle(kind: string, run: JobHandler, options?: HandlerOptions): void
  /** Starts polling (every `pollMs`; never when it is 0). */
  start(): void
  /** Runs every due job of the kinds this process handles, until none is left; answers how many ran. */
  runDue(): Promise<number>
  /** Looks for due jobs soon (after a write that queued one), without waiting for the next poll. */
  wake(): void
  /** Stops polling and waits for the jobs running (up to `graceMs`). */
  stop(graceMs?: number): Promise<void>
}

export function createJobs(db: Kysely<Database>, options: { pollMs: number; log: FastifyBaseLogger }): Jobs {
  const handlers = new Map<string, { run: JobHandler; maxAttempts: number; perMinute?: () => number }>()
  const me = randomUUID()
  let timer: NodeJS.Timeout | null = null
  let running: Promise<number> | null = null
  let stopped = false
  let started = false

  async function claim(kind: string, limit: number): Promise<Array<{ id: number; payload: string; attempts: number }>> {
    const now = clockNow()
    const at = now.toISOString()
    const until = new Date(now.getTime() + LEASE_MS).toISOString()
    const pace = handlers.get(kind)!.perMinute
    if (pace) {
      // Started in the last minute = claimed since (now − 60 s), i.e. a lease ending after now − 60 s + LEASE.
      const since = new Date(now.getTime() - 60_000 + LEASE_MS).toISOString()
      const started = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', kind)
        .where('claimed_until', '>', since)
        .executeTakeFirstOrThrow()
      limit = Math.min(limit, Math.max(0, Math.floor(pace()) - Number(started.n)))
      if (limit === 0) return []
    }
    const free = (eb: ExpressionBuilder<Database, 'jobs'>) =>
      eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', at), eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)])])
    // Read first, and write only when something is due. On PostgreSQL every write statement moves the data version
    // (a statement trigger: src/db/postgres.ts), even one that changes no row, and with it every instance drops its
    // page cache and memos: an idle poll's UPDATE did that at every poll, every few seconds.
    const due = await db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where(free)
      .orderBy('run_at')
      .orderBy('id')
      .limit(limit)
      .execute()
    if (due.length === 0) return []
    return (
      db
        .updateTable('jobs')
        .set({ claimed_by: me, claimed_until: until, attempts: sql`attempts + 1` })
        // The WHERE is checked again under the row's lock: another instance may have claimed them since the read.
        .where(
          'id',
          'in',
          due.map((job) => job.id),
        )
        .where(free)
        .returning(['id', 'payload', 'attempts'])
        .execute()
    )
  }

  async function finish(id: number, outcome: { ok: true } | { ok: false; error: unknown; attempts: number; maxAttempts: number }) {
    const at = clockNow()
    const mine = (eb: ExpressionBuilder<Database, 'jobs'>) => eb.and([eb('id', '=', id), eb('claimed_by', '=', me)])
    if (outcome.ok) {
      await db.updateTable('jobs').set({ state: 'done', finished_at: at.toISOString(), last_error: null }).where(mine).execute()
      return
    }
    const message = String((outcome.error as Error)?.message ?? outcome.error).slice(0, 2000)
    const permanent = outcome.error instanceof PermanentJobError || outcome.attempts >= outcome.maxAttempts
    if (permanent) {
      await db.updateTable('jobs').set({ state: 'failed', finished_at: at.toISOString(), last_error: message }).where(mine).execute()
    } else {
      const delay = RETRY_DELAYS_MS[Math.min(outcome.attempts - 1, RETRY_DELAYS_MS.length - 1)]!
      await db
        .updateTable('jobs')
        // The lease ends now: the job is free again at run_at.
        .set({ run_at: new Date(at.getTime() + delay).toISOString(), claimed_until: at.toISOString(), last_error: message })
        .where(mine)
        .execute()
    }
  }

  async function runOne(kind: string, job: { id: number; payload: string; attempts: number }): Promise<void> {
    const handler = handlers.get(kind)!
    try {
      await handler.run(JSON.parse(job.payload), { id: job.id, attempts: job.attempts })
      await finish(job.id, { ok: true })
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error
      options.log.warn({ err: error, job: job.id, kind, attempts: job.attempts }, 'job failed')
      await finish(job.id, { ok: false, error, attempts: job.attempts, maxAttempts: handler.maxAttempts })
    }
  }

  async function drain(): Promise<number> {
    let ran = 0
    for (;;) {
      let claimedAny = false
      for (const kind of handlers.keys()) {
        if (stopped) return ran
        const batch = await claim(kind, BATCH)
        if (batch.length === 0) continue
        claimedAny = true
        await Promise.all(batch.map((job) => runOne(kind, job)))
        ran += batch.length
      }
      if (!claimedAny) return ran
    }
  }

  function runDue(): Promise<number> {
    // One drain at a time per process: a second caller waits for the one under way, then drains again.
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(() => drain())
    const settled = next.finally(() => {
      if (running === settled) running = null
    })
    running = settled
    return settled
  }

  function schedule(delay: number) {
    if (!started || stopped || options.pollMs <= 0 || timer) return
    timer = setTimeout(() => {
      timer = null
      runDue()
        .catch((err) => {
          if (!isDatabaseUnavailable(err)) options.log.error({ err }, 'jobs: a run failed')
        })
        .finally(() => schedule(options.pollMs))
    }, delay)
    timer.unref()
  }

  return {
    handle(kind, run, handlerOptions = {}) {
      if (handlers.has(kind)) throw new Error(`jobs: a handler for ${kind} exists already`)
      handlers.set(kind, { run, maxAttempts: handlerOptions.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, perMinute: handlerOptions.perMinute })
    },
    start() {
      started = true
      schedule(0)
    },
    runDue,
    wake() {
      if (!started || options.pollMs <= 0 || stopped) return
      if (timer) clearTimeout(timer)
      timer = null
      schedule(0)
    },
    async stop(graceMs = 10_000) {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      if (running) {
        let timeout: NodeJS.Timeout | undefined
        await Promise.race([running.catch(() => 0), new Promise((resolve) => (timeout = setTimeout(resolve, graceMs)))])
        clearTimeout(timeout)
      }
    },
  }
}
