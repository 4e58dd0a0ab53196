// Group commit: work that arrives while a batch is running waits and goes together in the next one. A write that
// must hold a lock across round trips (the comment write, src/comments/comments.service.ts) then takes the lock
// once per batch instead of once per item: a busy moment makes larger batches, a quiet one runs each item at once.

/**
 * Gives a function that runs `run` on its items in batches: the first item runs at once, alone; the items that
 * arrive while a batch runs go together in the next (at most `max` of them, in the order they came). `run` gives
 * one result per item, in their order; when it fails, every item of its batch fails with its error, and the next
 * batch still runs.
 */
export function inBatches<T, R>(run: (items: readonly T[]) => Promise<R[]>, max: number): (item: T) => Promise<R> {
  let waiting: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = []
  let running = false

  async function drain() {
    running = true
    while (waiting.length > 0) {
      const batch = waiting.slice(0, max)
      waiting = waiting.slice(max)
      try {
        const results = await run(batch.map((w) => w.item))
        batch.forEach((w, i) => w.resolve(results[i]!))
      } catch (err) {
        for (const w of batch) w.reject(err)
      }
    }
    running = false
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject })
      if (!running) void drain()
    })
}
