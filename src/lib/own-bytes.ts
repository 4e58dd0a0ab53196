// Bytes kept for long (the page cache's copies) must hold only themselves. A Buffer under half of
// Buffer.poolSize (64 KB on Node 24: under 32 KB) is a slice of a slab shared with every other small Buffer made
// meanwhile, and zlib's result is a slice of its 64 KB output chunk: a 4 KB compressed page kept that way held
// 64 KB, and the page cache's byte bound counted a sixteenth of what it held (bench/RESULTS.md, 2026-12-07).

/** `bytes` in memory of their own, exactly their size: `bytes` itself when they already are. */
export function ownBytes(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes) && bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes
  const own = Buffer.allocUnsafeSlow(bytes.length)
  own.set(bytes)
  return own
}

/**
 * zlib's output chunk for a result expected to be about `length` bytes: one chunk for nearly every page, instead
 * of a 64 KB one allocated for each call, which a small page's compression then held until the next collection.
 */
export function zlibChunk(length: number): number {
  return Math.min(64 * 1024, Math.max(1024, Math.ceil(length / 1024) * 1024))
}
