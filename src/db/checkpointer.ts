// Checkpoints between requests. The committing connection checkpoints every 1,000 pages (the bound on the WAL's
// size, see sqlite.ts), inside whichever request's commit crosses it: a copy of ~4 MB and two syncs. Here a
// second connection copies what was written once a second, from a timer, so that those commits find almost
// nothing left to copy, and an idle blog's WAL is back in the database file within a second of its last write. A
// PASSIVE checkpoint never waits for a lock and never blocks a writer.
//
// On the main thread, not a worker thread of its own: that worker's V8 isolate held 12 MB of the demo blog's
// 175 MB at rest, for ~5 % more comments a second at saturation (2,000 a second, bench/RESULTS.md 2026-11-28) that
// no blog sees. A checkpoint of a second's comments costs the event loop 3–8 ms (p90 9 ms here, mostly the syncs),
// once a second at most; the WAL's bound is the committing connection's, as before.
import BetterSqlite3 from 'better-sqlite3'

export interface Checkpointer {
  stop(): Promise<void>
}

export function startCheckpointer(path: string, everyMs = 1000): Checkpointer {
  let db: BetterSqlite3.Database
  try {
    db = new BetterSqlite3(path, { fileMustExist: true })
  } catch {
    // A failure only loses the optimisation.
    return { stop: async () => {} }
  }
  // data_version moves when another connection commits: nothing new, nothing to copy.
  const dataVersion = db.prepare('pragma data_version').pluck()
  let seen: unknown = -1
  const timer = setInterval(() => {
    try {
      const version = dataVersion.get()
      if (version === seen) return
      seen = version
      db.pragma('wal_checkpoint(PASSIVE)')
    } catch {
      // Busy or failing: the committing connection's own checkpoints still bound the WAL.
    }
  }, everyMs)
  // Never keeps the process alive.
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      db.close()
    },
  }
}
