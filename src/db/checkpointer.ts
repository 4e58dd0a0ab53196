// Checkpoints on a thread of their own. Copying the WAL back into the database file (and syncing both) on the
// thread that commits costs comment posting ~10 % at a checkpoint every 1,000 pages: here a worker's own
// connection does that copy a few times a second, alongside the writes (a PASSIVE checkpoint never blocks
// them), so that the checkpoint the committing connection still runs every 1,000 pages (the bound on the WAL's
// size, see sqlite.ts) finds almost nothing left to copy.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Self-contained (it runs the same from the TypeScript sources and from the build); the driver's path is given.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, { fileMustExist: true })
// data_version moves when another connection commits: nothing new, nothing to copy.
const dataVersion = db.prepare('pragma data_version').pluck()
let seen = -1
const timer = setInterval(() => {
  try {
    const version = dataVersion.get()
    if (version === seen) return
    seen = version
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or failing: the committing connection's own checkpoints still bound the WAL.
  }
}, workerData.everyMs)
parentPort.once('message', () => {
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

export interface Checkpointer {
  stop(): Promise<void>
}

export function startCheckpointer(path: string, everyMs = 20): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs } })
  // Never keeps the process alive, and a failure only loses the optimisation.
  thread.unref()
  thread.on('error', () => {})
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()))
  return {
    async stop() {
      // Kept alive while it finishes a checkpoint: an unref'd worker awaited at exit ends the process mid-close.
      thread.ref()
      thread.postMessage('stop')
      // A worker that never answers (stuck opening the file) is ended rather than awaited for ever.
      const stuck = setTimeout(() => void thread.terminate(), 10_000)
      await exited
      clearTimeout(stuck)
    },
  }
}
