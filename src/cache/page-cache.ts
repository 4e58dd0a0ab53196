// The page cache: rendered public pages kept in memory and served again until anything changes. Correct by
// construction: an entry is kept under the freshness generation (src/cache/freshness.ts) in which it was
// rendered, and the whole cache is dropped when the generation moves, i.e. after ANY write to the database (by
// any process) or a timed change (a scheduled post, a thread closing). A page is stored only if the generation
// did not move while it was rendered.
// Opt-in: only the answers of routes marked `config: CACHEABLE` (src/cache/policy.ts) are kept, so that a new
// page that differs per visitor is never shown to another by mistake. Not cached either: requests that are not
// public (isPublicRequest: anything but GET/HEAD, a cookie or an address a feature declared private);
// responses that are not 200, set a cookie, or are not text (isTextAnswer). Bounded in entries and bytes,
// least recently used dropped first. PAGE_CACHE=off turns it off.
// A hit is answered by the front (PageCacheFront, below) before Fastify sees the request, or else by the first
// onRequest hook; both write the same stored answer (sendEntry).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { closeSync, openSync, readSync } from 'node:fs'
import { promisify } from 'node:util'
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  brotliDecompressSync,
  constants as zlib,
  gunzip,
  gunzipSync,
  gzip,
  gzipSync,
} from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { chooseEncoding, COMPRESS_MIN_BYTES } from './compression.ts'
import { etagOf, isNotModified } from './http-cache.ts'
import { isPublicRequest, isTextAnswer, pageCachePolicy, type PageCachePolicy } from './policy.ts'
import { ownBytes, zlibChunk } from '../lib/own-bytes.ts'
import { utf8 } from '../lib/utf8.ts'

const MAX_ENTRIES = 2000
const MAX_BYTES = 48 * 1024 * 1024
/** Bigger pages are not kept (they would crowd out hundreds of others). */
const MAX_ENTRY_BYTES = 8 * 1024 * 1024
/**
 * Pages from this size on get their copies made off the event loop, by zlib on libuv's threads: a sitemap file of
 * 1.5 MB took 40 to 110 ms of brotli on the loop, during which no other request was answered. Smaller ones
 * (nearly every page) are compressed on the spot: a hand-over to another thread would cost more.
 */
export const ASYNC_COPY_BYTES = 64 * 1024
/** Headers that describe one transfer, not the page: never replayed. */
const TRANSFER_HEADERS = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'date',
  'connection',
  'keep-alive',
  'set-cookie',
  'x-page-cache',
])

type Answer = 'identity' | 'br' | 'gzip' | 'notModified'

export interface Entry {
  /** The headers recorded with the page (security, caching, type), without the ETag. */
  headers: Record<string, string>
  etag: string
  lastModified: Date | null
  /** The page's size uncompressed. */
  length: number
  /**
   * The page uncompressed: kept until a compressed copy is made (the miss's own answer's, or the br copy that
   * browsers get: 4 to 8 times smaller), then only for a page that clients without compression ask for.
   */
  identity?: Buffer
  br?: Buffer
  gzip?: Buffer
  bytes: number
  /** Stored under its address alone (the route's default key): the front may answer it (PageCacheFront). */
  byAddress: boolean
  /** The level of the logger of the request that stored it (its route's): the front's access line follows it. */
  logLevel: string
  /** Complete header sets, built once per entry and kind of answer: a hit only looks one up. */
  answers: Partial<Record<Answer, Readonly<Record<string, string | number>>>>
  /** Copies of a big page being made off the event loop: requests that arrive meanwhile wait for the same one. */
  making?: Partial<Record<'identity' | 'br' | 'gzip', Promise<Buffer>>>
}

declare module 'fastify' {
  interface FastifyInstance {
    pageStore: PageStore
  }
  interface FastifyRequest {
    /** Set when the response to this request may be stored: the key and the generation it was rendered in. */
    pageToStore?: { key: string; generation: number; byAddress: boolean }
    /**
     * Set when this request's page was stored: the compression hook (src/cache/compression.ts) gives it the
     * compressed answer it made, which the stored page keeps instead of its uncompressed bytes.
     */
    keepCompressed?: (encoding: 'br' | 'gzip', body: Buffer) => void
  }
}

/** Exported for tests (the bounds). */
export class PageStore {
  #entries = new Map<string, Entry>()
  /** The entries kept now: a copy finished off the loop after its entry was dropped counts for nothing. */
  #held = new WeakSet<Entry>()
  #bytes = 0
  readonly #maxEntries: number
  readonly #maxBytes: number
  generation = -1

  constructor(maxEntries = MAX_ENTRIES, maxBytes = MAX_BYTES) {
    this.#maxEntries = maxEntries
    this.#maxBytes = maxBytes
  }

  get(key: string): Entry | undefined {
    const e = this.#entries.get(key)
    if (e) {
      this.#entries.delete(key)
      this.#entries.set(key, e)
    }
    return e
  }

  set(key: string, entry: Entry): void {
    this.delete(key)
    this.#entries.set(key, entry)
    this.#held.add(entry)
    this.#bytes += entry.bytes
    this.#trim()
  }

  /** Whether `entry` is kept now (not dropped since it was read). */
  holds(entry: Entry): boolean {
    return this.#held.has(entry)
  }

  grow(entry: Entry, bytes: number): void {
    entry.bytes += bytes
    if (!this.#held.has(entry)) return
    this.#bytes += bytes
    this.#trim()
  }

  delete(key: string): void {
    const e = this.#entries.get(key)
    if (e) {
      this.#bytes -= e.bytes
      this.#entries.delete(key)
      this.#held.delete(e)
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#held = new WeakSet()
    this.#bytes = 0
  }

  get size() {
    return this.#entries.size
  }

  /** The entries kept, least recently used first, their order untouched. */
  entries(): IterableIterator<[string, Entry]> {
    return this.#entries.entries()
  }

  /** Bytes of pages kept (every copy of each). */
  get bytes() {
    return this.#bytes
  }

  #trim() {
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      this.delete(this.#entries.keys().next().value!)
    }
  }
}

/** The page uncompressed: the copy kept, or decoded from a compressed one (then kept only when `keep`). */
function identityOf(store: PageStore, entry: Entry, keep: boolean): Buffer | Promise<Buffer> {
  if (entry.identity) return entry.identity
  const br = entry.br
  if (entry.length < ASYNC_COPY_BYTES) {
    // Its size is known: one chunk of it.
    const options = { chunkSize: Math.max(1024, entry.length) }
    return keepIdentity(store, entry, keep, br ? brotliDecompressSync(br, options) : gunzipSync(entry.gzip!, options))
  }
  const making = (entry.making ??= {})
  const decoding = (making.identity ??= (br ? brotliDecompressAsync(br) : gunzipAsync(entry.gzip!)).finally(() => delete making.identity))
  return decoding.then((identity) => keepIdentity(store, entry, keep, identity))
}

function keepIdentity(store: PageStore, entry: Entry, keep: boolean, identity: Buffer): Buffer {
  if (keep && !entry.identity) {
    identity = ownBytes(identity)
    entry.identity = identity
    store.grow(entry, identity.length)
  }
  return identity
}

const brotliCompressAsync = promisify(brotliCompress)
const brotliDecompressAsync = promisify(brotliDecompress)
const gunzipAsync = promisify(gunzip)
const gzipAsync = promisify(gzip)

// Once per page and generation: a better compression than per answer, but not the best. Brotli quality 5 was
// measured nearly as small as quality 9 for a small part of its time, and every request for the page waits
// meanwhile, after each write.
const brotliOptions = (length: number) => ({
  // A compressed page is a quarter of its text or less.
  chunkSize: zlibChunk(length / 2),
  params: {
    [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
    [zlib.BROTLI_PARAM_QUALITY]: 5,
    [zlib.BROTLI_PARAM_SIZE_HINT]: length,
  },
})
const GZIP_COPY = { level: 6 }

/**
 * The page's br or gzip copy: the one kept, or made now, on the event loop for a small page, off it for a big one
 * (the caller then waits for it; requests that come meanwhile share it).
 */
function compressedCopy(store: PageStore, entry: Entry, encoding: 'br' | 'gzip'): Buffer | Promise<Buffer> {
  const kept = entry[encoding]
  if (kept) return kept
  if (entry.length < ASYNC_COPY_BYTES) {
    const identity = identityOf(store, entry, false) as Buffer
    return keepCopy(
      store,
      entry,
      encoding,
      encoding === 'br'
        ? brotliCompressSync(identity, brotliOptions(identity.length))
        : gzipSync(identity, { ...GZIP_COPY, chunkSize: zlibChunk(identity.length / 2) }),
    )
  }
  const making = (entry.making ??= {})
  const compressing = (making[encoding] ??= (async () => {
    const identity = await identityOf(store, entry, false)
    const body =
      encoding === 'br' ? await brotliCompressAsync(identity, brotliOptions(identity.length)) : await gzipAsync(identity, GZIP_COPY)
    return keepCopy(store, entry, encoding, body)
  })().finally(() => delete making[encoding]))
  return compressing
}

/**
 * A miss's own compressed answer (src/cache/compression.ts made it for the request that stored the page), kept as
 * the page's gzip copy: the uncompressed bytes go. Under reads of many pages and frequent writes most
 * pages are asked for once per generation (the long tail): each held 20–130 KB uncompressed until the next full
 * collection instead of its 4–16 KB answer (bench/RESULTS.md, 2026-12-07, branch `mem3`). A hit that needs
 * them decodes this copy.
 */
function keepMissCopy(store: PageStore, entry: Entry, encoding: 'br' | 'gzip', body: Buffer): void {
  // br made for one answer is of a lower quality than the page's own br copy: that one is made at the first hit.
  if (encoding !== 'gzip' || !store.holds(entry) || entry.gzip || !entry.identity) return
  entry[encoding] = ownBytes(body)
  store.grow(entry, body.length - entry.identity.length)
  entry.identity = undefined
}

function keepCopy(store: PageStore, entry: Entry, encoding: 'br' | 'gzip', body: Buffer): Buffer {
  if (entry[encoding]) return entry[encoding]
  // zlib's result is a slice of its 64 KB output chunk: kept alone, it would hold the whole chunk.
  body = ownBytes(body)
  entry[encoding] = body
  store.grow(entry, body.length)
  if (encoding === 'br' && entry.identity) {
    // Browsers get this copy from now on; the uncompressed one comes back if a client asks for it.
    store.grow(entry, -entry.identity.length)
    entry.identity = undefined
  }
  return body
}

function answerHeaders(entry: Entry, kind: Answer, body: Buffer | null): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    ...entry.headers,
    etag: entry.etag,
    // What the page's route said it varies with (Accept, for a page that is also ActivityPub JSON), and encoding.
    vary: entry.headers.vary ? `${entry.headers.vary}, accept-encoding` : 'accept-encoding',
    'x-page-cache': 'hit',
  }
  if (kind === 'br' || kind === 'gzip') headers['content-encoding'] = kind
  if (body) headers['content-length'] = body.length
  return headers
}

/** What a hit reads of the request: Fastify's, or Node's own at the front. */
interface HitRequest {
  method?: string
  headers: IncomingHttpHeaders
}

/**
 * Writes a stored page as the answer: 200 in the encoding the client takes, or 304 when its copy is current. The
 * same bytes and headers whether Fastify's hook or the front answers (`onError`: a big page's copy that failed).
 */
function sendEntry(store: PageStore, entry: Entry, request: HitRequest, res: ServerResponse, onError: (err: Error) => void): void {
  const notModified = isNotModified(request, entry.etag, entry.lastModified)
  const encoding = notModified || entry.length < COMPRESS_MIN_BYTES ? null : chooseEncoding(request.headers['accept-encoding'], 'br')
  const kind: Answer = notModified ? 'notModified' : (encoding ?? 'identity')
  const body = notModified ? null : encoding ? compressedCopy(store, entry, encoding) : identityOf(store, entry, true)
  const write = (body: Buffer | null) => {
    const headers = entry.answers[kind] ?? (entry.answers[kind] = answerHeaders(entry, kind, body))
    res.writeHead(notModified ? 304 : 200, headers)
    // Node sends no body for HEAD.
    res.end(body ?? undefined)
  }
  if (body instanceof Promise) {
    body.then(write, (err: Error) => {
      onError(err)
      res.destroy(err)
    })
  } else write(body)
}

/**
 * The page cache's front: answers a request from the store before Fastify sees it (no routing, no request and
 * reply objects, no hooks), as a micro-cache in front of an application would. `serve(req, res)` answers and
 * returns the log level of the route that stored the page (a route at warn logs no successes), or returns false
 * and leaves the request untouched for Fastify. It answers only what Fastify's
 * own lookup (the first onRequest hook, below) would answer with the same stored page, and hands over whatever
 * it cannot decide exactly:
 * - a GET or HEAD that the privacy rules call public (cookies, private prefixes, ActivityPub's Accept), checked
 *   by the same RequestPrivacy;
 * - only pages stored under their address (the default key: Fastify's `request.url` is Node's `req.url`, so a
 *   trailing slash or a query names the page it names there); a route's own key needs the route: Fastify;
 * - only when the freshness generation is known at once and is the store's (on PostgreSQL, once the shared
 *   version read answers); a new generation (and with it a settings reload: the settings hook) is Fastify's;
 * - never while the app closes (src/ops/health.ts answers 503 then).
 * The stored answer is the one Fastify's hook writes: the same sendEntry and header sets. A request id and the
 * access line are the caller's (src/app.ts, src/ops/logging.ts).
 */
export interface PageCacheFront {
  /** How many times the front read anew what other processes wrote (tests: the wal-index header spares it). */
  readings: number
  serve(req: IncomingMessage, res: ServerResponse): string | false | Promise<string | false>
}

/**
 * A reader of the wal-index header of a SQLite database in WAL mode (its `-shm` file's first 48 bytes), or null
 * when there is none to read (another journal mode, an in-memory database): then every turn reads the pragma.
 */
function walIndexHeader(path: string): { read(): Buffer | null; close(): void } | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  return {
    read() {
      const header = Buffer.allocUnsafe(48)
      try {
        return readSync(fd, header, 0, 48, 0) === 48 ? header : null
      } catch {
        return null
      }
    },
    close: () => closeSync(fd),
  }
}

/** Writes the access line of a request answered at the front (src/ops/logging.ts, AccessLog). */
export interface FrontLog {
  answeredBeforeFastify(req: IncomingMessage, res: ServerResponse, level: string, start: number, sentBefore: number | undefined): void
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The server's request listener: the front first (once the page cache has made it), Fastify's listener for
 * whatever the front leaves. A front that fails before answering leaves the request to Fastify too.
 */
export function frontListener(fastify: Listener, front: () => PageCacheFront | undefined, log: FrontLog): Listener {
  const handOver = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    if (!res.headersSent) return fastify(req, res)
    res.destroy(err instanceof Error ? err : undefined)
  }
  return (req, res) => {
    const cache = front()
    if (!cache) return fastify(req, res)
    const start = performance.now()
    const sentBefore = req.socket?.bytesWritten
    let served
    try {
      served = cache.serve(req, res)
    } catch (err) {
      return handOver(req, res, err)
    }
    if (served === false) return fastify(req, res)
    if (typeof served === 'string') return log.answeredBeforeFastify(req, res, served, start, sentBefore)
    served.then(
      (level) => (level === false ? fastify(req, res) : log.answeredBeforeFastify(req, res, level, start, sentBefore)),
      (err: unknown) => handOver(req, res, err),
    )
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when the page cache is on (src/cache/page-cache.ts). */
    pageCacheFront?: PageCacheFront
  }
}

async function pageCachePlugin(app: FastifyInstance) {
  if (!app.config.pageCache) return
  const store = new PageStore()

  // A route's own key is scoped to the route, so that it can never name another route's page.
  const keyOf = (request: FastifyRequest, policy: PageCachePolicy) =>
    `${app.settings.get().language} ${policy.key ? `${request.routeOptions.url} ${policy.key(request)}` : request.url}`

  /** Answers from the cache if it can; otherwise marks the request so that its response is stored. */
  function lookup(request: FastifyRequest, reply: FastifyReply, generation: number, policy: PageCachePolicy): boolean {
    if (generation !== store.generation) {
      store.clear()
      store.generation = generation
    }
    const key = keyOf(request, policy)
    const entry = store.get(key)
    if (!entry) {
      // HEAD renders no body to keep: only GET fills the cache.
      if (request.method === 'GET') request.pageToStore = { key, generation, byAddress: !policy.key }
      return false
    }
    // A stored page is a complete response (its headers were recorded with it): written as is, before any other
    // hook of the request has run (this is the first onRequest hook), which is most of what a hit saves.
    reply.hijack()
    sendEntry(store, entry, request, reply.raw, (err) => request.log.error({ err }, 'page cache: a copy could not be made'))
    return true
  }

  app.addHook('onRequest', (request, reply, done) => {
    // Routing comes before onRequest hooks: the route's options are known here.
    const policy = pageCachePolicy(request)
    if (!policy || !isPublicRequest(request)) return done()
    const generation = app.freshness.generationNow(request)
    if (generation !== undefined) {
      // The rest of the request builds its page from the generation checked here (Freshness.generation).
      request.freshnessGeneration = generation
      if (!lookup(request, reply, generation, policy)) done()
      return
    }
    app.freshness.generation(request).then(
      (g) => lookup(request, reply, g, policy) || done(),
      (err: Error) => done(err),
    )
  })

  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  /** The front's hit for this generation, or undefined (Fastify decides). */
  const frontEntry = (req: IncomingMessage, generation: number | undefined): Entry | undefined => {
    if (generation === undefined || generation !== store.generation) return undefined
    // A route's own key holds a space after the route's pattern: never a request's address (Node refuses spaces).
    const entry = store.get(`${app.settings.get().language} ${req.url}`)
    return entry?.byAddress ? entry : undefined
  }
  const answer = (req: IncomingMessage, res: ServerResponse, entry: Entry): string => {
    sendEntry(store, entry, req, res, (err) => app.log.error({ err, url: req.url }, 'page cache: a copy could not be made'))
    return entry.logLevel
  }
  // The requests of one event-loop turn share one read of what other processes wrote (SQLite's PRAGMA
  // data_version, a statement with its own WAL read lock: 2.5–5.5 µs, the largest part of a hit's own CPU; on
  // PostgreSQL the shared version read). The requests of a turn were waiting on their sockets when it began
  // (libuv's poll returned them), and the version is read after that: it includes every commit that ended before
  // they were sent, and one that ends while the turn runs (well under a millisecond) is concurrent with them.
  // This process's own writes are seen at once all the same (total_changes() is read at every call:
  // src/db/sqlite.ts). The token stands for the reading where the database keeps a version read per request.
  // On SQLite, a turn keeps the last turn's token, and so its reading, while the wal-index header (the first 48
  // bytes of the `-shm` file, SQLite's documented WAL format: every commit by any connection rewrites it, the
  // copy read here last) is unchanged since that reading: a 48-byte pread costs a third of the pragma. Read
  // before the token's version, so that a commit in between only costs a new reading at the next turn.
  const shm = app.dialect === 'sqlite' ? walIndexHeader(`${app.sqlite.name}-shm`) : null
  if (shm) app.addHook('onClose', (_app, done) => (shm.close(), done()))
  let turn: object | null = null
  let kept: { token: object; header: Buffer } | null = null
  const endTurn = () => (turn = null)
  const thisTurn = () => {
    if (turn) return turn
    setImmediate(endTurn)
    const header = shm?.read() ?? null
    if (header && kept?.header.equals(header)) return (turn = kept.token)
    turn = {}
    front.readings++
    kept = header ? { token: turn, header } : null
    return turn
  }
  const front: PageCacheFront = {
    readings: 0,
    serve(req, res) {
      if (closing || (req.method !== 'GET' && req.method !== 'HEAD') || !app.requestPrivacy.isPublic(req)) return false
      const token = thisTurn()
      const generation = app.freshness.generationNow(token)
      if (generation !== undefined || app.dialect === 'sqlite') {
        const entry = frontEntry(req, generation)
        return entry ? answer(req, res, entry) : false
      }
      // PostgreSQL: the version read that the requests of this moment share (asked for by generationNow); the
      // request would wait for it anyway.
      return Promise.resolve(app.dataVersion(token)).then(
        () => {
          const entry = closing ? undefined : frontEntry(req, app.freshness.generationNow(token))
          return entry ? answer(req, res, entry) : false
        },
        () => false,
      )
    },
  }
  app.decorate('pageStore', store)
  app.decorate('pageCacheFront', front)
}

/**
 * Keeps rendered pages. Registered after http-cache, so that what is stored is the complete answer, validators
 * and caching headers included; a global onSend hook, so it runs before @fastify/compress (route-level) and the
 * payload is still the rendered text.
 */
async function pageCacheStorePlugin(app: FastifyInstance) {
  if (!app.config.pageCache) return
  const store = app.pageStore
  app.addHook('onSend', async (request, reply, payload) => {
    const toStore = request.pageToStore
    if (!toStore || reply.statusCode !== 200 || reply.hasHeader('set-cookie')) return payload
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload
    if (!isTextAnswer(reply)) return payload
    const rendered = typeof payload === 'string' ? utf8(payload) : payload
    if (rendered.length > MAX_ENTRY_BYTES) return payload
    const identity = ownBytes(rendered)
    // Stored only if nothing changed while the page was rendered.
    if ((await app.freshness.generation()) !== toStore.generation || store.generation !== toStore.generation) return payload
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && !TRANSFER_HEADERS.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
    }
    // Accept-Encoding is added to each answer's Vary; what else the page varies with is kept.
    const vary = headers.vary
      ?.split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '' && v.toLowerCase() !== 'accept-encoding')
    if (vary?.length) headers.vary = vary.join(', ')
    else delete headers.vary
    // The same ETag as http-cache would give the body, so a client's copy stays valid across a refill.
    const etag = (headers.etag as string | undefined) ?? etagOf(identity)
    delete headers.etag
    const lastModified = headers['last-modified'] ? new Date(headers['last-modified']) : null
    const entry: Entry = {
      headers,
      etag,
      lastModified,
      length: identity.length,
      identity,
      bytes: identity.length,
      byAddress: toStore.byAddress,
      // An app built without a logger (tests: `logger: false`) has no level: it logs nothing.
      logLevel: request.log.level ?? 'silent',
      answers: {},
    }
    store.set(toStore.key, entry)
    request.keepCompressed = (encoding, body) => keepMissCopy(store, entry, encoding, body)
    reply.header('etag', etag)
    reply.header('x-page-cache', 'miss')
    // The bytes just made: the compression hook would otherwise encode the text a second time.
    return identity
  })
}

export default fp(pageCachePlugin, { name: 'page-cache', dependencies: ['database', 'settings', 'freshness', 'request-privacy'] })
export const pageCacheStore = fp(pageCacheStorePlugin, { name: 'page-cache-store', dependencies: ['page-cache', 'http-cache', 'security'] })
