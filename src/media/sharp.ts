// sharp (libvips, ~20 MB of native library and its threads' memory) is loaded by the first image made or read,
// not at start-up: a reader's page never needs it (src/lib/lazy.ts).
import { availableParallelism } from 'node:os'
import { lazy } from '../lib/lazy.ts'

export const loadSharp = lazy(async () => {
  const { default: sharp } = await import('sharp')
  // libvips would use every core for one image; half of them (one on a 2-core machine) leaves the rest to the
  // event loop and the page compression worker, so that readers barely notice an upload (bench/media.ts).
  sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / 2)))
  return sharp
})
