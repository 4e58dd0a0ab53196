// Modules a reader's request never needs, loaded at their first use instead of at start-up. Each module loaded
// stays in the process's memory for good (its source text, its compiled code, a native library's pages): on the
// demo blog sharp, pg (on SQLite), nodemailer (without SMTP) and the importers' XML parser held 12 MB of the idle
// server's 187 MB (bench/RESULTS.md, 2026-12-06 20:30). A reader's request must not load any of them.
//
//   const loadSharp = lazy(async () => (await import('sharp')).default)
//   …
//   const sharp = await loadSharp()          // in an async function: the first call loads, the others wait or reuse
//
// A synchronous function that needs a CommonJS package (microformats-parser for a webmention's source) takes it
// with `lazyRequire`: the package is required at the first call, in the same tick.
//
// Type-only imports (`import type { Sharp } from 'sharp'`) load nothing and stay static. A module whose loading
// fails (a missing native binary) fails the call that needed it, and the next call tries again.
// test/ops/start-modules.test.ts checks that a start and a reader's requests load none of them: add yours there.

import { createRequire } from 'node:module'

/** A function that loads `load`'s module once, on its first call, and then answers with it at once. */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined
      throw err
    }))
}

const require = createRequire(import.meta.url)

/** A function that requires the CommonJS package `id` at its first call, and then answers with it at once. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(id) as T)
}
