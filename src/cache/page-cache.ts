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
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { chooseEncoding, COMPRESS_MIN_BYTES } from './compression.ts'
import { etagOf, isNotModified } from './http-cache.ts'
import { isPublicRequest, isTextAnswer, pageCachePolicy, type PageCachePolicy } from './policy.ts'
import { utf8 } from '../lib/utf8.ts'

const MAX_ENTRIES = 2000
const MAX_BYTES = 48 * 1024 * 1024
/** Bigger pages are not kept (they would crowd out hundreds of others). */
const MAX_ENTRY_BYTES = 8 * 1024 * 1024
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
   * The page uncompressed: kept until its br copy is made (what browsers get: much smaller), then only
   * for a page that clients without compression ask for.
   */
  identity?: Buffer
  br?: Buffer
  gzip?: Buffer
  bytes: number
  /** Complete header sets, built once per entry and kind of answer: a hit only looks one up. */
  answers: Partial<Record<Answer, Readonly<Record<string, string | number>>>>
}

declare module 'fastify' {
  interface FastifyInstance {
    pageStore: PageStore
  }
  interface FastifyRequest {
    /** Set when the response to this request may be stored: the key and the generation it was rendered in. */
    pageToStore?: { key: string; generation: number }
  }
}

/** Exported for tests (the bounds). */
export class PageStore {
  #entries = new Map<string, Entry>()
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
    this.#bytes += entry.bytes
    this.#trim()
  }

  grow(entry: Entry, bytes: number): void {
    entry.bytes += bytes
    this.#bytes += bytes
    this.#trim()
  }

  delete(key: string): void {
    const e = this.#entries.get(key)
    if (e) {
      this.#bytes -= e.bytes
      this.#entries.delete(key)
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  get size() {
    return this.#entries.size
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

/** The page uncompressed: the copy kept, or decoded from the br copy (then kept only when `keep`). */
function identityOf(store: PageStore, entry: Entry, keep: boolean): Buffer {
  if (entry.identity) return entry.identity
  const identity = brotliDecompressSync(entry.br!)
  if (keep) {
    entry.identity = identity
    store.grow(entry, identity.length)
  }
  return identity
}

function compressedCopy(store: PageStore, entry: Entry, encoding: 'br' | 'gzip'): Buffer {
  let body = entry[encoding]
  if (!body) {
    // Once per page and generation, on the event loop: a better compression than per answer, but not the
    // best. Brotli quality 5 was measured nearly as small as quality 9 for a small part of its time, and every
    // request waits meanwhile, after each write.
    const identity = identityOf(store, entry, false)
    body =
      encoding === 'br'
        ? brotliCompressSync(identity, {
            params: {
              [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
              [zlib.BROTLI_PARAM_QUALITY]: 5,
              [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length,
            },
          })
        : gzipSync(identity, { level: 6 })
    entry[encoding] = body
    store.grow(entry, body.length)
    if (encoding === 'br' && entry.identity) {
      // Browsers get this copy from now on; the uncompressed one comes back if a client asks for it.
      store.grow(entry, -entry.identity.length)
      entry.identity = undefined
    }
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
      if (request.method === 'GET') request.pageToStore = { key, generation }
      return false
    }
    // A stored page is a complete response (its headers were recorded with it): written as is, before any other
    // hook of the request has run (this is the first onRequest hook), which is most of what a hit saves.
    const notModified = isNotModified(request, entry.etag, entry.lastModified)
    const encoding = notModified || entry.length < COMPRESS_MIN_BYTES ? null : chooseEncoding(request.headers['accept-encoding'], 'br')
    const kind: Answer = notModified ? 'notModified' : (encoding ?? 'identity')
    const body = notModified ? null : encoding ? compressedCopy(store, entry, encoding) : identityOf(store, entry, true)
    const headers = entry.answers[kind] ?? (entry.answers[kind] = answerHeaders(entry, kind, body))
    reply.hijack()
    reply.raw.writeHead(notModified ? 304 : 200, headers)
    // Node sends no body for HEAD.
    reply.raw.end(body ?? undefined)
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

  app.decorate('pageStore', store)
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
    const identity = typeof payload === 'string' ? utf8(payload) : payload
    if (identity.length > MAX_ENTRY_BYTES) return payload
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
    store.set(toStore.key, { headers, etag, lastModified, length: identity.length, identity, bytes: identity.length, answers: {} })
    reply.header('etag', etag)
    reply.header('x-page-cache', 'miss')
    return payload
  })
}

export default fp(pageCachePlugin, { name: 'page-cache', dependencies: ['database', 'settings', 'freshness', 'request-privacy'] })
export const pageCacheStore = fp(pageCacheStorePlugin, { name: 'page-cache-store', dependencies: ['page-cache', 'http-cache', 'security'] })
