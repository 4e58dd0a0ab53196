// An import runs as a series of short transactions, yielding to the event loop between them, so that the blog
// keeps serving pages and storing comments while a large file goes in (one transaction of the whole file held
// SQLite's only connection, and PostgreSQL's write lock, for as long as the import took).
//
// "Nothing half imported" is kept by the run: every row the import creates is remembered in import_origins with
// the run's id, and the run is an `import-run` row there while it goes (its heartbeat in imported_at; its
// process in external_id). A file refused halfway undoes its run at once; a run whose process died (killed,
// power cut) is undone by the next import, at the blog's next start, or by `npm run cli -- import undo`.
// Undoing deletes the posts and comments the run created (their tags, categories' links, old addresses and
// comments go with them: foreign keys cascade), the categories it created, opens again the comment threads it
// closed (a Disqus import), and removes its import_origins rows.
//
// A dry run goes through the same batches, each rolled back, so it never holds the database either and writes
// nothing at all.
import { hostname } from 'node:os'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

type Trx = Transaction<Database>

/**
 * A batch is closed after this many records' worth of work (an item counts 1 + its comments): a post or two.
 * Small batches also keep memory flat: what a batch holds lives across its queries and is promoted to V8's old
 * space, which is collected late. Peak above idle importing 25 MB (bench/wxr.ts, 2026-12-06): 200 units +89 MB,
 * 50 units +69 MB, 20 units +35 MB (the same +36 MB at 50 MB), for the same time.
 */
export const BATCH_UNITS = 20
/** A run not heard of for this long is taken as dead, wherever its process ran. */
const STALE_MS = 2 * 60 * 1000
const RUN = 'import-run'

/**
 * What an import created, in the run's rows of import_origins (by kind); and Disqus's closed threads: the thread
 * (remembered so that it is closed once only) and the post the run closed (opened again by its undo).
 */
export const CREATED = {
  post: 'wxr-post',
  comment: 'wxr-comment',
  category: 'run-category',
  anyComment: 'run-comment',
  disqusComment: 'disqus-post',
  closedThread: 'disqus-closed-thread',
  closedPost: 'run-closed-post',
} as const

export interface ImportRun {
  id: number
  /** Runs `work` in one short transaction: committed, or rolled back in a dry run. */
  batch<T>(work: (trx: Trx) => Promise<T>): Promise<T>
  /** The run is whole: its rows stay. */
  finish(): Promise<void>
  /** Deletes what the run created (a refused file). */
  undo(): Promise<UndoCounts>
}

class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('dry run batch')
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Starts a run (after undoing runs left by dead processes); a dry run gets id 0 and writes nothing. */
export async function startRun(db: Kysely<Database>, dryRun: boolean): Promise<ImportRun> {
  await undoInterruptedRuns(db)
  let id = 0
  if (!dryRun) {
    id = await db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom('import_origins')
        .select((eb) => eb.fn.max('run_id').as('max'))
        .executeTakeFirst()
      const next = Number(last?.max ?? 0) + 1
      await trx
        .insertInto('import_origins')
        .values({ kind: RUN, external_id: `${next}@${hostname()}:${process.pid}`, local_id: next, imported_at: nowIso(), run_id: next })
        .execute()
      return next
    })
  }
  return {
    id,
    async batch(work) {
      await yieldToEventLoop()
      if (dryRun) {
        try {
          await db.transaction().execute(async (trx) => {
            throw new RolledBack(await work(trx))
          })
        } catch (err) {
          if (err instanceof RolledBack) return err.value as Awaited<ReturnType<typeof work>>
          throw err
        }
      }
      return db.transaction().execute(async (trx) => {
        const value = await work(trx)
        await trx.updateTable('import_origins').set({ imported_at: nowIso() }).where('kind', '=', RUN).where('local_id', '=', id).execute()
        return value
      })
    },
    async finish() {
      if (!dryRun) await db.deleteFrom('import_origins').where('kind', '=', RUN).where('local_id', '=', id).execute()
    },
    async undo() {
      return dryRun ? { posts: 0, comments: 0, threads: 0 } : undoRun(db, id)
    },
  }
}

export interface UndoCounts {
  posts: number
  comments: number
  /** Comment threads the run had closed, open again. */
  threads: number
}

/** Deletes what run `id` created, in short transactions too, then the run itself. */
export async function undoRun(db: Kysely<Database>, id: number): Promise<UndoCounts> {
  const counts = { posts: 0, comments: 0, threads: 0 }
  const take = async (kinds: string[]) =>
    db
      .selectFrom('import_origins')
      .select(['kind', 'external_id', 'local_id'])
      .where('run_id', '=', id)
      .where('kind', 'in', kinds)
      .limit(500)
      .execute()
  // Comments first (those on posts the run did not create), then posts, then categories.
  for (const [kinds, table] of [
    [[CREATED.comment, CREATED.anyComment, CREATED.disqusComment], 'comments'],
    [[CREATED.post], 'posts'],
    [[CREATED.category], 'categories'],
  ] as const) {
    for (;;) {
      await yieldToEventLoop()
      const rows = await take([...kinds])
      if (rows.length === 0) break
      await db.transaction().execute(async (trx) => {
        const ids = rows.map((r) => r.local_id)
        const deleted = await trx.deleteFrom(table).where('id', 'in', ids).executeTakeFirst()
        if (table === 'comments') counts.comments += Number(deleted.numDeletedRows)
        if (table === 'posts') counts.posts += Number(deleted.numDeletedRows)
        for (const kind of kinds) {
          const mine = rows.filter((r) => r.kind === kind).map((r) => r.external_id)
          if (mine.length > 0) await trx.deleteFrom('import_origins').where('kind', '=', kind).where('external_id', 'in', mine).execute()
        }
      })
    }
  }
  // Threads the run closed: open again, unless their post has gone meanwhile.
  for (;;) {
    await yieldToEventLoop()
    const rows = await take([CREATED.closedPost])
    if (rows.length === 0) break
    await db.transaction().execute(async (trx) => {
      const reopened = await trx
        .updateTable('posts')
        .set({ comments_open: 1 })
        .where(
          'id',
          'in',
          rows.map((r) => r.local_id),
        )
        .where('comments_open', '=', 0)
        .executeTakeFirst()
      counts.threads += Number(reopened.numUpdatedRows)
      await trx
        .deleteFrom('import_origins')
        .where('kind', '=', CREATED.closedPost)
        .where(
          'external_id',
          'in',
          rows.map((r) => r.external_id),
        )
        .execute()
    })
  }
  await db.deleteFrom('import_origins').where('run_id', '=', id).execute()
  return counts
}

/** Whether the run's process is gone: on this machine, its pid no longer lives; anywhere, no heartbeat lately. */
function isDead(externalId: string, heartbeat: string): boolean {
  if (Date.now() - new Date(heartbeat).getTime() > STALE_MS) return true
  const m = /^\d+@(.*):(\d+)$/.exec(externalId)
  if (!m || m[1] !== hostname()) return false
  const pid = Number(m[2])
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Undoes every run whose process died before it finished; returns what was removed, run by run. */
export async function undoInterruptedRuns(db: Kysely<Database>): Promise<Array<UndoCounts & { run: number }>> {
  const runs = await db.selectFrom('import_origins').select(['local_id', 'external_id', 'imported_at']).where('kind', '=', RUN).execute()
  const undone: Array<UndoCounts & { run: number }> = []
  for (const r of runs) {
    if (!isDead(r.external_id, r.imported_at)) continue
    undone.push({ run: r.local_id, ...(await undoRun(db, r.local_id)) })
  }
  return undone
}
