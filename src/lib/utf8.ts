// Pages leave the template engine as strings made of many pieces; they go out as UTF-8 bytes.
// `Buffer.from(string)` walks the text twice (its length in bytes, then the bytes) and flattens the pieces on
// the way. TextEncoder's encodeInto writes in one pass into memory that is already there, and the bytes are then
// copied out once: less than half the time (bench/RESULTS.md). Out into memory of their own (ownBytes): a page is
// often kept by the page cache, and a pooled Buffer would hold its shared slab.

import { ownBytes } from './own-bytes.ts'

const encoder = new TextEncoder()
/** Big enough for any page we render (a post page with 100 comments is ~150 KB); bigger texts take the slow way. */
const SCRATCH_BYTES = 1024 * 1024
let scratch: Buffer | undefined

/** The UTF-8 bytes of a text, in a Buffer of their own (lone surrogates become U+FFFD, as with Buffer.from). */
export function utf8(text: string): Buffer {
  // At most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > SCRATCH_BYTES) return ownBytes(Buffer.from(text))
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  const { written } = encoder.encodeInto(text, scratch)
  return ownBytes(scratch.subarray(0, written))
}
