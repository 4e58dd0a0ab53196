// br/gzip for the answers built in memory for one request: pages rendered without the page cache or on a miss
// (the cache keeps its own br copies, src/cache/page-cache.ts), admin and error pages, feeds.
// Streams (static files) are left to @fastify/compress (src/app.ts), which skips what is already encoded.
//
// Off the event loop: compression, even at gzip level 1, was measured as the biggest part of an uncached page's
// time, and the event loop is the one thing a Node server cannot share across cores. Answers from
// COMPRESS_ASYNC_MIN_BYTES on go to zlib's asynchronous API, which compresses on libuv's threads; smaller ones
// are compressed on the spot (the hand-over would cost more). A worker thread did this until 2026-12-07: its
// V8 isolate held 12–13 MB of the server's memory from the first big answer on, for no less CPU per answer
// (bench/RESULTS.md, 2026-12-06 23:26).
import { promisify } from 'node:util'
import { brotliCompress, brotliCompressSync, constants as zlib, gzip, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { utf8 } from '../lib/utf8.ts'

/** Below this size compression does not pay (same threshold as @fastify/compress). */
export const COMPRESS_MIN_BYTES = 1024
/** From this size on, compressed on libuv's threads. */
export const COMPRESS_ASYNC_MIN_BYTES = 8 * 1024
const COMPRESSIBLE = /^(?:text\/|application\/(?:[\w.+-]+\+)?(?:xml|json)\b|application\/javascript\b|image\/svg\+xml\b)/

// gzip level 1 (nginx's default for dynamic answers): measured faster than brotli's cheapest useful quality (2)
// for a barely bigger result. br only for clients that do not take gzip.
const GZIP_OPTIONS = { level: 1 }
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_QUALITY]: 2 } }

type Encoding = 'gzip' | 'br'

function compressSync(body: Uint8Array, encoding: Encoding): Buffer {
  return encoding === 'br' ? brotliCompressSync(body, BROTLI_OPTIONS) : gzipSync(body, GZIP_OPTIONS)
}

const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** On libuv's threads. */
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

function addVary(current: unknown): string {
  const value = current === undefined ? '' : String(current)
  if (/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(value)) return value
  return value ? `${value}, accept-encoding` : 'accept-encoding'
}

async function compressionPlugin(app: FastifyInstance) {
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
    const compressed = body.length < COMPRESS_ASYNC_MIN_BYTES ? compressSync(body, encoding) : await compressOffLoop(body, encoding)
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
