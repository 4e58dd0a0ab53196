// Mounts Fedify (src/fediverse/federation.ts) in Fastify: there is no adapter, so each request Fedify may answer
// becomes a WHATWG Request and its Response is written back. What Fedify does not answer (onNotFound,
// onNotAcceptable) falls through to Carnet's own routes: the HTML pages stay as they are.
// - /fediverse/… (actor, inboxes, collections), /.well-known/webfinger, /.well-known/nodeinfo, /nodeinfo/2.1:
//   routes of their own.
// - The home page and a post's page asked for ActivityPub JSON (Accept): answered by Fedify in an onRequest hook;
//   the caches leave such requests alone, and the HTML answers say `Vary: Accept`.
// - Inboxes: the body is kept as received (the signature covers its digest), at most 256 KB (413), and each
//   remote instance may post so many activities a minute (429), counted in the database like every limit.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { lazy } from '../lib/lazy.ts'
import { PROJECT_ROOT } from '../lib/root.ts'
import type { BuiltFederation } from './federation.ts'
import { BLOG_ACTOR } from './federation-paths.ts'
import { DatabaseKvStore } from './kv.ts'
import { registerPublishing } from './publishing.ts'
import { FEDIFY_JOB, fediverseQueue } from './queue.ts'
import { sendResponse, WANTS_ACTIVITY_JSON } from './negotiation.ts'
import type { Message } from '@fedify/fedify'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The federation, built (and Fedify loaded: tens of MB a reader's request never needs, src/lib/lazy.ts) at
     * its first use: a request for ActivityPub, a job, an admin's action.
     */
    federation: () => Promise<BuiltFederation>
    /**
     * Where other parts of Carnet add to the federation (inbox listeners for replies and likes, object
     * dispatchers) while the app is built: `setup` runs once, when the federation is built, before its first use.
     */
    fediverseSetup(setup: (built: BuiltFederation) => void | Promise<void>): void
  }
}

declare module '../http/view.ts' {
  interface PageFields {
    /** The blog's address in the fediverse, @handle@host, shown in the footer to copy. */
    fediverse: string
  }
}

export interface FediverseOptions {
  /** Activities one remote instance may post to the inboxes per minute. */
  inboxPerMinute?: number
}

export const INBOX_MAX_BYTES = 256 * 1024
const ACTIVITY_TYPES = ['application/activity+json', 'application/ld+json', 'application/json']
/** A post's address (src/lib/urls.ts postPath). */
const POST_PATH = /^\/archive\/\d{4}\/\d{2}\/\d{2}\/[^/?]+\.html$/

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The instance a signed request comes from: the host of its signature's keyId, else the client's address. */
function remoteInstance(request: FastifyRequest): string {
  const signature = String(request.headers.signature ?? request.headers['signature-input'] ?? '')
  const keyId = /keyid="([^"]+)"/i.exec(signature)?.[1]
  if (keyId && URL.canParse(keyId)) return new URL(keyId).host.toLowerCase()
  return request.ip
}

function toRequest(request: FastifyRequest, origin: string, path: string, body: Buffer | undefined): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  return new Request(`${origin}${path}`, {
    method: request.method,
    headers,
    body: body && request.method !== 'GET' && request.method !== 'HEAD' ? new Uint8Array(body) : undefined,
  })
}

async function fediversePlugin(app: FastifyInstance, options: FediverseOptions) {
  const origin = new URL(app.config.siteUrl).origin
  const setups: Array<(built: BuiltFederation) => void | Promise<void>> = []
  const load = lazy(async () => {
    const { buildFederation } = await import('./federation.ts')
    const built = buildFederation({
      kv: new DatabaseKvStore(app.db),
      queue: fediverseQueue(app),
      allowPrivate: app.config.outboundAllowPrivate,
      origin,
      version: VERSION,
      log: app.log,
    })
    for (const setup of setups) await setup(built)
    return built
  })
  app.decorate('federation', load)
  // A blog with followers will deliver its next post: Fedify is loaded before the server listens rather than by
  // that delivery, whose first load held the event loop ~0.2 s of CPU at a publish (bench/RESULTS.md, 2026-12-07).
  // A blog nobody follows never loads it for its posts (src/fediverse/publishing.ts).
  app.addHook('onReady', async () => {
    if (await app.db.selectFrom('fedi_followers').select('id').limit(1).executeTakeFirst()) await load()
  })
  app.decorate('fediverseSetup', (setup: (built: BuiltFederation) => void | Promise<void>) => {
    setups.push(setup)
  })

  // Fedify's answers, or undefined where it has none (Carnet's own route answers instead).
  const passed = new WeakSet<Response>()
  const pass = () => {
    const response = new Response(null, { status: 404 })
    passed.add(response)
    return response
  }
  async function fedify(request: FastifyRequest, path: string, body?: Buffer): Promise<Response | undefined> {
    const { federation } = await load()
    const response = await federation.fetch(toRequest(request, origin, path, body), {
      contextData: app,
      onNotFound: pass,
      onNotAcceptable: pass,
    })
    return passed.has(response) ? undefined : response
  }

  // The footer's "Follow on the fediverse" line (views/partials/footer.eta).
  const host = new URL(app.config.siteUrl).host
  app.pageDataHooks.push((_request, data) => {
    data.fediverse = `@${app.settings.get().fediverseHandle}@${host}`
  })

  // The caches keep the HTML; a request for JSON at the same address is answered here, never from them.
  app.requestPrivacy.declareOtherRepresentation((request) => WANTS_ACTIVITY_JSON.test(request.headers.accept ?? ''))

  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    const path = request.url.split('?')[0]!
    const home = path === '/'
    if (!home && !POST_PATH.test(path)) return
    reply.header('vary', 'Accept')
    if (!WANTS_ACTIVITY_JSON.test(request.headers.accept ?? '')) return
    const response = await fedify(request, home ? `/fediverse/users/${BLOG_ACTOR}` : request.url)
    if (response) return sendResponse(reply, response)
  })

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    const response = await fedify(request, request.url, request.body as Buffer | undefined)
    if (response) return sendResponse(reply, response)
    // A person following the actor's address in a browser gets the blog itself.
    if (request.url.startsWith('/fediverse/users/')) return reply.redirect('/', 303)
    return reply.callNotFound()
  }
  for (const path of ['/.well-known/webfinger', '/.well-known/nodeinfo', '/nodeinfo/2.1', '/fediverse/*']) app.get(path, answer)

  await app.register(async (inboxes) => {
    // The signature covers the body's digest: it is kept as the bytes received.
    inboxes.removeContentTypeParser('application/json')
    inboxes.addContentTypeParser(ACTIVITY_TYPES, { parseAs: 'buffer', bodyLimit: INBOX_MAX_BYTES }, (_request, body, done) =>
      done(null, body),
    )
    const limit = options.inboxPerMinute ?? 600
    for (const path of [`/fediverse/inbox`, `/fediverse/users/:identifier/inbox`]) {
      inboxes.post(
        path,
        { bodyLimit: INBOX_MAX_BYTES, config: { rateLimit: { max: limit, timeWindow: 60_000, keyGenerator: remoteInstance } } },
        answer,
      )
    }
  })

  // Fedify's queued work (deliveries, received activities) runs as jobs, on whichever instance claims them.
  app.jobs.handle(FEDIFY_JOB, async (payload) => (await load()).federation.processQueuedTask(app, payload as Message))
  registerPublishing(app, load, origin)
}

export default fp(fediversePlugin, {
  name: 'fediverse',
  dependencies: ['database', 'settings', 'request-privacy', 'page-cache', 'jobs', 'publications', 'render'],
})
