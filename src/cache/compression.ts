// br/gzip for the answers built in memory for one request: pages rendered without the page cache or on a miss
// (the cache keeps its own br copies, src/cache/page-cache.ts), admin and error pages, feeds.
// Streams (static files) are left to @fastify/compress (src/app.ts), which skips what is already encoded.
//
// Why a worker thread: compression, even at gzip level 1, was measured as the biggest part of an uncached
// page's time, and the event loop is the one thing a Node server cannot share across cores. A worker does it on
// another core while the event loop answers other requests; handing the bytes over and back costs the loop far
// less. zlib's own asynchronous API also runs on other threads, but drives each call through a stream on the
// event loop, which costs the loop about as much as compressing small answers itself.
// Small answers (under COMPRESS_ASYNC_MIN_BYTES) are compressed on the spot: the hand-over would cost more. Big
// ones (more than a worker's cell: a sitemap file) go to zlib's own asynchronous API: its stream's cost on the
// loop is small beside compressing a megabyte there (10 to 20 ms at gzip level 1).
import { Worker } from 'node:worker_threads'
import { promisify } from 'node:util'
import { brotliCompress, brotliCompressSync, constants as zlib, gzip, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ownBytes, zlibChunk } from '../lib/own-bytes.ts'
import { utf8 } from '../lib/utf8.ts'

/** Below this size compression does not pay (same threshold as @fastify/compress). */
export const COMPRESS_MIN_BYTES = 1024
const COMPRESS_ASYNC_MIN_BYTES = 8 * 1024
const COMPRESSIBLE = /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:xml|json)\b|application\/javascript\b|image\/svg\+xml\b)/

// gzip level 1 (nginx's default for dynamic answers): measured faster than brotli's cheapest useful quality (2)
// for a barely bigger result. br only for clients that do not take gzip.
const GZIP_OPTIONS = { level: 1 }
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_QUALITY]: 2 } }

type Encoding = 'gzip' | 'br'

function compressSync(body: Uint8Array, encoding: Encoding): Buffer {
  const chunkSize = zlibChunk(body.length / 2)
  return encoding === 'br' ? brotliCompressSync(body, { ...BROTLI_OPTIONS, chunkSize }) : gzipSync(body, { ...GZIP_OPTIONS, chunkSize })
}

const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** On libuv's threads, for answers too big for the worker's cells. */
function compressOffLoop(body: Uint8Array, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br' ? brotliAsync(body, BROTLI_OPTIONS) : gzipAsync(body, GZIP_OPTIONS)
}

/**
 * Which encoding to send, of those the client accepts (q=0 refuses one), in our order of preference: gzip
 * first for an answer compressed for one request (the cheapest), br first for a copy compressed once and
 * kept (the smallest).
 */
export function chooseEncoding(accept: string | undefined, prefer: Encoding = 'gzip'): Encoding | null {
  if (!accept) return null
  // Browsers send one of a handful of spellings: each is parsed once.
  let accepted = acceptedEncodings.get(accept)
  if (accepted === undefined) {
    accepted = parseAcceptEncoding(accept)
    if (acceptedEncodings.size >= 100) acceptedEncodings.clear()
    acceptedEncodings.set(accept, accepted)
  }
  const other = prefer === 'gzip' ? 'br' : 'gzip'
  return accepted[prefer] ? prefer : accepted[other] ? other : null
}
const acceptedEncodings = new Map<string, Record<Encoding, boolean>>()

function parseAcceptEncoding(accept: string): Record<Encoding, boolean> {
  const offered = new Map<string, number>()
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean)
    offered.set(name!.trim(), q === undefined ? 1 : Number(q))
  }
  const ok = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0
  return { gzip: ok('gzip'), br: ok('br') }
}

/**
 * Memory shared with the worker, in cells (one per answer being compressed): the page goes in, the compressed
 * bytes come back, and no message carries a buffer. Buffers passed in messages are copied into memory that
 * only the garbage collector frees, which let the worker hold tens of megabytes of dead copies under load.
 */
export const CELLS = 64
export const CELL_IN = 128 * 1024
/** The worker's V8 heap, in MB: old and young generations. */
export const WORKER_OLD_MB = 16
export const WORKER_YOUNG_MB = 2
/** Compressed data can be a little bigger than its input (stored blocks, headers). */
const CELL_OUT = CELL_IN + 4096
const CELL_BYTES = CELL_IN + CELL_OUT

// The worker's code, self-contained (it runs the same from TypeScript sources and from the build).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const zlib = require('node:zlib')
const { memory, cellBytes, cellIn, cellOut, gzip, brotli } = workerData
parentPort.on('message', ({ id, cell, length, encoding }) => {
  try {
    const input = new Uint8Array(memory, cell * cellBytes, length)
    // zlib's output chunk sized to the answer (src/lib/own-bytes.ts, zlibChunk), not 64 KB a call.
    const chunkSize = Math.min(65536, Math.max(1024, Math.ceil(length / 2048) * 1024))
    const out = encoding === 'br' ? zlib.brotliCompressSync(input, { ...brotli, chunkSize }) : zlib.gzipSync(input, { ...gzip, chunkSize })
    if (out.length > cellOut) throw new Error('compressed answer bigger than its cell')
    new Uint8Array(memory, cell * cellBytes + cellIn, out.length).set(out)
    parentPort.postMessage({ id, length: out.length })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) })
  }
})
`

interface Running {
  thread: Worker
  memory: SharedArrayBuffer
  free: number[]
  pending: Map<number, { cell: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }>
}

/** Compression on a worker thread, started at the first use (and again after it died). Exported for tests. */
export class Compressor {
  #worker: Running | undefined
  #next = 0

  #start(): Running {
    const memory = new SharedArrayBuffer(CELLS * CELL_BYTES)
    const thread = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { memory, cellBytes: CELL_BYTES, cellIn: CELL_IN, cellOut: CELL_OUT, gzip: GZIP_OPTIONS, brotli: BROTLI_OPTIONS },
      // Its JavaScript holds one answer at a time: a small heap, collected often, instead of V8's default that
      // let it grow by tens of megabytes under load (bench/RESULTS.md). Should it run out, it is started again.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    })
    // Never what keeps the process alive.
    thread.unref()
    const worker: Running = { thread, memory, free: Array.from({ length: CELLS }, (_, i) => i), pending: new Map() }
    thread.on('message', (m: { id: number; length?: number; error?: string }) => {
      const waiting = worker.pending.get(m.id)
      if (!waiting) return
      worker.pending.delete(m.id)
      if (m.length !== undefined) {
        // Copied out before the cell is used again, into memory of its own: the page cache may keep it.
        waiting.resolve(ownBytes(new Uint8Array(memory, waiting.cell * CELL_BYTES + CELL_IN, m.length)))
      } else waiting.reject(new Error(m.error))
      worker.free.push(waiting.cell)
    })
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined
      for (const waiting of worker.pending.values()) waiting.reject(error)
      worker.pending.clear()
    }
    thread.on('error', fail)
    thread.on('exit', (code) => fail(new Error(`compression worker exited (${code})`)))
    return worker
  }

  /**
   * The compressed bytes, or null when the worker cannot take this one (bigger than a cell, or every cell in
   * use): the caller then compresses it itself, so that under load both cores compress.
   */
  compress(body: Uint8Array, encoding: Encoding): Promise<Buffer> | null {
    if (body.length > CELL_IN) return null
    const worker = (this.#worker ??= this.#start())
    const cell = worker.free.pop()
    if (cell === undefined) return null
    new Uint8Array(worker.memory, cell * CELL_BYTES, body.length).set(body)
    const id = this.#next++
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { cell, resolve, reject })
      worker.thread.postMessage({ id, cell, length: body.length, encoding })
    })
  }

  /** The running worker's heap limits (tests check its bound). */
  get resourceLimits() {
    return this.#worker?.thread.resourceLimits
  }

  /** Stops the worker; what it was compressing is rejected at once (its callers compress it themselves). */
  async close(): Promise<void> {
    const worker = this.#worker
    if (!worker) return
    this.#worker = undefined
    for (const waiting of worker.pending.values()) waiting.reject(new Error('compression worker closed'))
    worker.pending.clear()
    await worker.thread.terminate()
  }
}

function addVary(current: unknown): string {
  const value = current === undefined ? '' : String(current)
  if (/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(value)) return value
  return value ? `${value}, accept-encoding` : 'accept-encoding'
}

async function compressionPlugin(app: FastifyInstance) {
  const compressor = new Compressor()
  app.addHook('onClose', () => compressor.close())

  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload
    const status = reply.statusCode
    if (status < 200 || status === 204 || status === 206 || status === 304) return payload
    if (reply.hasHeader('content-encoding') || !COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''))) return payload
    const body = typeof payload === 'string' ? utf8(payload) : payload
    if (body.length < COMPRESS_MIN_BYTES) return body
    // What is sent depends on Accept-Encoding, compressed or not: shared caches must know.
    reply.header('vary', addVary(reply.getHeader('vary')))
    const encoding = chooseEncoding(request.headers['accept-encoding'])
    if (!encoding) return body
    let compressed: Buffer | undefined
    const handedOver =
      body.length < COMPRESS_ASYNC_MIN_BYTES
        ? null
        : body.length > CELL_IN
          ? compressOffLoop(body, encoding)
          : compressor.compress(body, encoding)
    if (handedOver) {
      try {
        compressed = await handedOver
      } catch (error) {
        // A worker that died is started again at the next answer; this one is compressed here.
        request.log.warn({ err: error }, 'compression off the event loop failed')
      }
    }
    compressed ??= compressSync(body, encoding)
    // A page the page cache just stored keeps this copy (src/cache/page-cache.ts).
    request.keepCompressed?.(encoding, compressed)
    reply.header('content-encoding', encoding)
    reply.header('content-length', compressed.length)
    return compressed
  })
}

/**
 * Registered after http-cache and the page cache's store, whose onSend hooks need the page as rendered (its
 * ETag, the cache's identity copy): hooks of the same kind run in the order they were added.
 */
export default fp(compressionPlugin, { name: 'compression', dependencies: ['page-cache-store'] })
