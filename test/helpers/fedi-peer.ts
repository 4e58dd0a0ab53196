// A second party for fediverse tests: a small but real ActivityPub server (Fastify + Fedify, as Carnet), with its
// own actor (@alice by default) and its own keys, listening on a loopback address of its own (127.0.0.3), so that
// the blog and it are two hosts. It follows the blog, keeps every activity its inbox receives (signatures
// verified by Fedify, as any server would), serves the Notes it publishes, and sends signed activities: through
// Fedify (send), or by hand (post) to forge a bad signature or an old Date header.
// No queue: what it sends goes out at once, and a failure is the caller's to see.
import { Temporal } from '@js-temporal/polyfill'
import { createFederation, generateCryptoKeyPair, MemoryKvStore, signRequest, type Context, type Federation } from '@fedify/fedify'
import { Activity, Endpoints, Follow, Note, Person, Undo, type Actor, type Object as APObject } from '@fedify/vocab'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'

export interface ReceivedActivity {
  /** The activity as Fedify parsed it (its class tells its type: Create, Update, Delete, Accept…). */
  activity: Activity
  /** The JSON-LD as received (compacted). */
  json: Record<string, unknown>
  /** The inbox it reached: the actor's own or the shared one. */
  inbox: 'personal' | 'shared'
}

export interface FediPeer {
  /** http://127.0.0.3:PORT */
  origin: string
  /** The actor's id, http://127.0.0.3:PORT/users/alice */
  actorId: URL
  /** @alice@127.0.0.3:PORT */
  handle: string
  inboxUrl: URL
  sharedInboxUrl: URL
  /** Everything the inboxes accepted, in order. */
  received: ReceivedActivity[]
  /** The Fedify context, to build activities and look objects up (ctx.lookupObject with a URL works over http). */
  context(): Context<void>
  /**
   * WebFinger over http (Fedify's own lookup of an acct: always uses https): the actor `@name@host:port` names,
   * fetched and parsed, or null.
   */
  lookupHandle(handle: string): Promise<Actor | null>
  /** Fetches and parses an actor (or any object) by its id. */
  lookup(url: string | URL): Promise<APObject | null>
  /** Sends a Follow to this actor; returns it (its id is what an Undo names). */
  follow(target: Actor): Promise<Follow>
  /** Undoes a Follow sent before. */
  unfollow(target: Actor, follow: Follow): Promise<void>
  /** Signs and delivers an activity to an actor's inbox now; throws if it is refused. */
  send(target: Actor, activity: Activity): Promise<void>
  /**
   * Posts JSON to an inbox by hand, signed with the actor's key (draft-cavage HTTP Signatures, as Mastodon), or
   * with `wrongKey` a key that is not the actor's, and a Date of `date` (default now). Returns the answer.
   */
  post(inbox: string | URL, body: unknown, options?: { wrongKey?: boolean; date?: Date; unsigned?: boolean }): Promise<Response>
  /** Publishes a Note at http://127.0.0.3:PORT/notes/<id> (so that the blog can fetch it); returns it. */
  publishNote(id: string, values: ConstructorParameters<typeof Note>[0]): Note
  /** A new unique activity id on this server. */
  newId(kind?: string): URL
  /** Waits until an activity matching the test has arrived (default 10 s); returns it. */
  waitFor(test: (r: ReceivedActivity) => boolean, timeoutMs?: number): Promise<ReceivedActivity>
  close(): Promise<void>
}

/** Starts a peer server; `host` must be a loopback address of its own (127.0.0.3 by default). */
export async function startFediPeer(options: { host?: string; name?: string; displayName?: string } = {}): Promise<FediPeer> {
  const host = options.host ?? '127.0.0.3'
  const name = options.name ?? 'alice'
  const received: ReceivedActivity[] = []
  const waiters = new Set<() => void>()
  const notes = new Map<string, Note>()
  const keys = [await generateCryptoKeyPair('RSASSA-PKCS1-v1_5'), await generateCryptoKeyPair('Ed25519')]
  const stranger = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5')

  // Made once the port is known (the origin is in every id); routes must be added before listening.
  const made: { federation?: Federation<void> } = {}
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, body, done) => done(null, body))
  app.all('/*', async (request: FastifyRequest, reply) => {
    const headers = new Headers()
    for (const [k, v] of Object.entries(request.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : new Uint8Array(request.body as Buffer)
    const response = await made.federation!.fetch(new Request(`${origin}${request.url}`, { method: request.method, headers, body }), {
      contextData: undefined,
    })
    reply.code(response.status)
    response.headers.forEach((v, k) => {
      if (k !== 'content-length') reply.header(k, v)
    })
    return reply.send(Buffer.from(await response.arrayBuffer()))
  })

  await app.listen({ host, port: 0 })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('the peer has no port')
  const origin = `http://${host}:${address.port}`

  const federation = createFederation<void>({ kv: new MemoryKvStore(), origin, allowPrivateAddress: true })
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
      if (identifier !== name) return null
      const pairs = await ctx.getActorKeyPairs(identifier)
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: name,
        name: options.displayName ?? name[0]!.toUpperCase() + name.slice(1),
        url: new URL(`/@${name}`, origin),
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        publicKey: pairs[0]!.cryptographicKey,
        assertionMethods: pairs.map((p) => p.multikey),
      })
    })
    .setKeyPairsDispatcher((_ctx, identifier) => (identifier === name ? keys : []))
  made.federation = federation
  federation.setObjectDispatcher(Note, '/notes/{id}', (_ctx, values) => notes.get(values.id) ?? null)
  federation.setInboxListeners('/users/{identifier}/inbox', '/inbox').on(Activity, async (ctx, activity) => {
    const json = (await activity.toJsonLd({ contextLoader: ctx.contextLoader })) as Record<string, unknown>
    received.push({ activity, json, inbox: ctx.recipient === null ? 'shared' : 'personal' })
    for (const wake of waiters) wake()
  })

  const context = () => made.federation!.createContext(new URL(origin), undefined)
  const actorId = new URL(`/users/${name}`, origin)
  const keyId = new URL(`${actorId.href}#main-key`)

  const peer: FediPeer = {
    origin,
    actorId,
    handle: `@${name}@${host}:${address.port}`,
    inboxUrl: new URL(`/users/${name}/inbox`, origin),
    sharedInboxUrl: new URL('/inbox', origin),
    received,
    context,
    async lookupHandle(handle) {
      const m = /^@?([^@]+)@(.+)$/.exec(handle)
      if (!m) return null
      const res = await fetch(`http://${m[2]}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${m[1]}@${m[2]}`)}`)
      if (!res.ok) return null
      const jrd = (await res.json()) as { links?: Array<{ rel: string; type?: string; href?: string }> }
      const self = jrd.links?.find((l) => l.rel === 'self' && l.type === 'application/activity+json')
      if (!self?.href) return null
      const object = await context().lookupObject(self.href)
      return object && 'inboxId' in object ? (object as Actor) : null
    },
    lookup: (url) => context().lookupObject(String(url)),
    async follow(target) {
      const follow = new Follow({ id: peer.newId('follow'), actor: actorId, object: target.id })
      await peer.send(target, follow)
      return follow
    },
    async unfollow(target, follow) {
      await peer.send(target, new Undo({ id: peer.newId('undo'), actor: actorId, object: follow }))
    },
    async send(target, activity) {
      await context().sendActivity({ identifier: name }, target, activity, { immediate: true })
    },
    async post(inbox, body, opts = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      let request = new Request(String(inbox), {
        method: 'POST',
        headers: { 'content-type': 'application/activity+json', accept: 'application/activity+json' },
        body: text,
      })
      if (!opts.unsigned) {
        const date = opts.date ?? new Date()
        request = await signRequest(request, (opts.wrongKey ? stranger : keys[0]!).privateKey, keyId, {
          spec: 'draft-cavage-http-signatures-12',
          currentTime: Temporal.Instant.fromEpochMilliseconds(date.getTime()) as never,
        })
      }
      return fetch(request)
    },
    publishNote(id, values) {
      const note = new Note({ ...values, id: new URL(`/notes/${id}`, origin) })
      notes.set(id, note)
      return note
    },
    newId: (kind = 'activity') => new URL(`/activities/${kind}-${crypto.randomUUID()}`, origin),
    waitFor(test, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(test)
          if (!found) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(
              `the peer received no such activity in ${timeoutMs} ms (got: ${received.map((r) => r.json.type).join(', ') || 'nothing'})`,
            ),
          )
        }, timeoutMs)
        if (!check()) waiters.add(check)
      })
    },
    close: () => app.close(),
  }
  return peer
}
