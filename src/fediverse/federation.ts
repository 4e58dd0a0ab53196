// The blog as an ActivityPub actor, built on Fedify: its actor document and keys, WebFinger and NodeInfo, the
// inbox (Follow and Undo of a Follow are accepted here; other listeners are added by addInboxListeners' callers),
// the followers and outbox collections, and each post as an Article at its own address.
// Addresses: the actor is /fediverse/users/blog whatever its handle (the handle is a setting: WebFinger maps it),
// so that renaming the handle loses no follower. The home page and a post's page answer ActivityPub clients too
// (content negotiation, src/fediverse/fediverse.plugin.ts).
import {
  createFederation,
  type Federation,
  type InboxContext,
  type InboxListenerSetters,
  type MessageQueue,
  type KvStore,
  type DocumentLoader,
  getAuthenticatedDocumentLoader,
  getDocumentLoader,
  FetchError,
  preloadedContexts,
  UrlError,
  validatePublicUrl,
} from '@fedify/fedify'
import { Accept, Article, Endpoints, Follow, Image, Person, Reject, Undo, type Recipient } from '@fedify/vocab'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { createOf, loadArticlePost, recentArticlePosts, toArticle } from './articles.ts'
import { isBannedRemote } from '../comments/bans.ts'
import { ACTOR_PATH, ARTICLE_PATH, BLOG_ACTOR, SHARED_INBOX_PATH } from './federation-paths.ts'
import { listedToReaders } from '../content/visibility.ts'
import { outboundFetch } from '../lib/outbound.ts'
import { nowIso } from '../lib/time.ts'
import { loadKeyPairs } from './keys.ts'
import { addFollower, countFollowers, followersPage, removeFollower, removeFollowerByFollow } from './followers.ts'

export { BLOG_ACTOR } from './federation-paths.ts'
const FOLLOWERS_PAGE = 50
/** The outbox lists the recent posts. */
const OUTBOX_POSTS = 20

export type CarnetFederation = Federation<FastifyInstance>

export interface FederationParts {
  kv: KvStore
  queue: MessageQueue
  /** Fetch over http and from private addresses (OUTBOUND_ALLOW_PRIVATE: tests on loopback, intranets). */
  allowPrivate: boolean
  /** The site's origin: every id Fedify makes starts with it, whatever Host a request came with. */
  origin: string
  version: string
  /** Where failed deliveries are logged (Fedify retries them itself). */
  log: FastifyBaseLogger
}

/** The blog's own address on the site (the home page). */
export function homeUrl(app: FastifyInstance): URL {
  return new URL(`${app.config.siteUrl}/`)
}

/** The image shown beside the blog's name: its logo, else its favicon, else the site image. */
function iconUrl(app: FastifyInstance): URL | null {
  const s = app.settings.get()
  const image = s.logo ?? s.favicon
  const path = image ? `/media/${image.name}` : s.siteImage
  if (!path) return null
  return new URL(path.startsWith('/') ? `${app.config.siteUrl}${path}` : path)
}

/**
 * Another undoing than a Follow's (a Like's, an Announce's): handlers added by other parts of the inbox
 * (the inbox of app.fediverseSetup), since Fedify takes one listener per activity type. `object` is the activity undone.
 */
export type UndoHandler = (ctx: InboxContext<FastifyInstance>, undo: Undo, object: unknown) => Promise<void>

/** The inbox, for the parts of Carnet that listen to more activities (replies, likes: src/fediverse/…). */
export interface FediverseInbox {
  /** Fedify's setters: `.on(Create, handler)`… (Follow and Undo are taken: use onUndo). */
  listeners: InboxListenerSetters<FastifyInstance>
  onUndo(handler: UndoHandler): void
}

/** How long fetching one remote document (an actor, its key, a note) may take. */
const FETCH_TIMEOUT_MS = 10_000

/** The largest remote document read (an actor, a key, a note: a few KB; Mastodon's biggest are far below). */
const MAX_DOCUMENT_BYTES = 1024 * 1024
/** Contexts some servers still name over http (older Mastodon, Pleroma): the same documents, kept in memory. */
const CONTEXT_ALIASES: Record<string, string> = {
  'http://www.w3.org/ns/activitystreams': 'https://www.w3.org/ns/activitystreams',
  'http://w3id.org/security/v1': 'https://w3id.org/security/v1',
}
const ACCEPT_ACTIVITY = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

/**
 * Remote documents: the contexts Fedify keeps in memory from there; anything else through src/lib/outbound.ts,
 * like every request Carnet makes — https only, public addresses only (at connection time), within
 * FETCH_TIMEOUT_MS and MAX_DOCUMENT_BYTES; OUTBOUND_ALLOW_PRIVATE lifts the first two (tests on loopback,
 * intranets). An HTML page (a profile's address, which names its JSON in a link) is left to Fedify's loader,
 * under the same scheme and time rules.
 */
export function limited(load: DocumentLoader, allowPrivate: boolean, userAgent: string): DocumentLoader {
  const fedify = guarded(load, allowPrivate)
  return async (url, options) => {
    const known = CONTEXT_ALIASES[url] ?? url
    if (Object.hasOwn(preloadedContexts, known)) return { ...(await load(known, options)), documentUrl: url }
    if (!allowPrivate && !url.startsWith('https:')) throw new UrlError(`refused (not https): ${url}`)
    const response = await outboundFetch(url, {
      allowPrivate,
      httpsOnly: !allowPrivate,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxBytes: MAX_DOCUMENT_BYTES,
      userAgent,
      headers: { accept: ACCEPT_ACTIVITY },
    })
    if (response.status >= 400) throw new FetchError(new URL(url), `HTTP ${response.status}: ${url}`)
    if (/^text\/html/i.test(response.headers.get('content-type') ?? '')) return fedify(url, options)
    try {
      return { contextUrl: null, documentUrl: response.url, document: JSON.parse(response.text()) as unknown }
    } catch {
      throw new FetchError(new URL(url), `not JSON: ${url}`)
    }
  }
}

/**
 * Fedify's own loader within Carnet's rules: https only and public addresses (Fedify checks those; both lifted by
 * OUTBOUND_ALLOW_PRIVATE), FETCH_TIMEOUT_MS. Used for signed fetches (servers that require them), which
 * src/lib/outbound.ts does not sign.
 */
export function guarded(load: DocumentLoader, allowPrivate: boolean): DocumentLoader {
  return (url, options) => {
    if (!allowPrivate && !url.startsWith('https:')) return Promise.reject(new UrlError(`refused (not https): ${url}`))
    return load(url, { ...options, signal: options?.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  }
}

/** Whether an address activities may be delivered to: https at a public address (unless allowPrivate). */
export async function isDeliverable(url: URL, allowPrivate: boolean): Promise<boolean> {
  if (allowPrivate) return url.protocol === 'https:' || url.protocol === 'http:'
  if (url.protocol !== 'https:') return false
  try {
    await validatePublicUrl(url.href)
    return true
  } catch {
    return false
  }
}

/** The federation and its inbox's listeners, as built once (fediverse.plugin.ts, at its first use). */
export interface BuiltFederation {
  federation: CarnetFederation
  inbox: FediverseInbox
}

export function buildFederation(parts: FederationParts): BuiltFederation {
  const undoHandlers: UndoHandler[] = []
  const userAgent = { software: `Carnet/${parts.version}`, url: new URL(parts.origin) }
  const federation = createFederation<FastifyInstance>({
    kv: parts.kv,
    queue: parts.queue,
    onOutboxError: (error, activity) => {
      parts.log.warn({ err: error, activity: activity?.id?.href ?? null }, 'fediverse: a delivery failed (it will be tried again later)')
    },
    // The jobs' workers hand Fedify its messages (fediverse.plugin.ts): its own listener never starts.
    manuallyStartQueue: true,
    origin: parts.origin,
    // Our own loaders (Fedify then takes no allowPrivateAddress or userAgent of its own): https only, time-limited.
    // Remote documents are not cached in the database (every write there would empty the page caches); keys are,
    // by Fedify.
    documentLoaderFactory: () =>
      limited(
        getDocumentLoader({ allowPrivateAddress: parts.allowPrivate, userAgent }),
        parts.allowPrivate,
        `Carnet/${parts.version} (+${parts.origin})`,
      ),
    authenticatedDocumentLoaderFactory: (identity) =>
      guarded(getAuthenticatedDocumentLoader(identity, { allowPrivateAddress: parts.allowPrivate, userAgent }), parts.allowPrivate),
  })

  federation
    .setActorDispatcher(ACTOR_PATH, async (ctx, identifier) => {
      if (identifier !== BLOG_ACTOR) return null
      const app = ctx.data
      const s = app.settings.get()
      const keys = await ctx.getActorKeyPairs(identifier)
      const icon = iconUrl(app)
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: s.fediverseHandle,
        name: s.title,
        summary: s.description || null,
        url: homeUrl(app),
        icon: icon ? new Image({ url: icon }) : null,
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        manuallyApprovesFollowers: false,
        discoverable: true,
        indexable: true,
        publicKey: keys[0]?.cryptographicKey ?? null,
        assertionMethods: keys.map((k) => k.multikey),
      })
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => (identifier === BLOG_ACTOR ? loadKeyPairs(ctx.data.db) : []))
    .mapHandle((ctx, username) => (username.toLowerCase() === ctx.data.settings.get().fediverseHandle ? BLOG_ACTOR : null))

  federation
    .setFollowersDispatcher(`${ACTOR_PATH}/followers`, async (ctx, identifier, cursor) => {
      if (identifier !== BLOG_ACTOR) return null
      // Without a cursor: every follower (what sendActivity's 'followers' reads); with one: a page of them.
      const all = cursor === null
      const after = all ? 0 : Number(cursor) || 0
      const items: Recipient[] = []
      let last = after
      for (;;) {
        const rows = await followersPage(ctx.data.db, { after: last, limit: all ? 500 : FOLLOWERS_PAGE })
        for (const r of rows) {
          items.push({
            id: new URL(r.actor_id),
            inboxId: new URL(r.inbox),
            endpoints: r.shared_inbox ? { sharedInbox: new URL(r.shared_inbox) } : null,
          })
        }
        if (rows.length > 0) last = rows[rows.length - 1]!.id
        if (!all) return { items, nextCursor: rows.length === FOLLOWERS_PAGE ? String(last) : null }
        if (rows.length < 500) return { items }
      }
    })
    .setCounter((ctx, identifier) => (identifier === BLOG_ACTOR ? countFollowers(ctx.data.db) : null))
    .setFirstCursor(() => '0')

  federation
    .setOutboxDispatcher(`${ACTOR_PATH}/outbox`, async (ctx, identifier) => {
      if (identifier !== BLOG_ACTOR) return null
      const rows = await ctx.data.db
        .selectFrom('posts as p')
        .select('p.id')
        .where((eb) => listedToReaders(eb, nowIso()))
        .orderBy('p.published_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(OUTBOX_POSTS)
        .execute()
      const posts = await recentArticlePosts(
        ctx.data,
        rows.map((r) => r.id),
      )
      posts.sort((a, b) => (a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : b.id - a.id))
      return { items: posts.map((post) => createOf(ctx, toArticle(ctx, post), new URL(`${post.url}#create`))) }
    })
    .setCounter(async (ctx, identifier) => {
      if (identifier !== BLOG_ACTOR) return null
      const row = await ctx.data.db
        .selectFrom('posts as p')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where((eb) => listedToReaders(eb, nowIso()))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    })

  // A post's page asked for ActivityPub JSON: its Article, at its canonical address only (any other date in the
  // address falls through to the page's route, which redirects).
  federation.setObjectDispatcher(Article, ARTICLE_PATH, async (ctx, values) => {
    const post = await loadArticlePost(ctx.data, decodeURIComponent(values.slug))
    // At its canonical address only: another date falls through to the page's route, which redirects.
    const slug = encodeURIComponent(decodeURIComponent(values.slug))
    if (!post || new URL(post.url).pathname !== `/archive/${values.year}/${values.month}/${values.day}/${slug}.html`) return null
    return toArticle(ctx, post)
  })

  federation.setNodeInfoDispatcher('/nodeinfo/2.1', async (ctx) => {
    const posts = await ctx.data.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('kind', '=', 'post')
      .where('status', '=', 'published')
      .where('published_at', '<=', nowIso())
      .executeTakeFirstOrThrow()
    return {
      software: { name: 'carnet', version: parts.version },
      protocols: ['activitypub'],
      openRegistrations: false,
      usage: { users: { total: 1, activeMonth: 1, activeHalfyear: 1 }, localPosts: Number(posts.n), localComments: 0 },
      metadata: { nodeName: ctx.data.settings.get().title },
    }
  })

  const inbox = federation
    .setInboxListeners(`${ACTOR_PATH}/inbox`, SHARED_INBOX_PATH)
    .on(Follow, async (ctx, follow) => {
      const app = ctx.data
      if (!follow.id || !follow.actorId || !follow.objectId) return
      const target = ctx.parseUri(follow.objectId)
      if (target?.type !== 'actor' || target.identifier !== BLOG_ACTOR) return
      const follower = await follow.getActor(ctx)
      if (!follower?.id || !follower.inboxId) return
      // Deliveries go where the follower says: never into the blog's own network.
      const sharedInbox = follower.endpoints?.sharedInbox ?? null
      for (const inbox of [follower.inboxId, sharedInbox]) {
        if (inbox && !(await isDeliverable(inbox, parts.allowPrivate))) {
          app.log.warn(
            { follower: follower.id.href, inbox: inbox.href },
            'fediverse: a Follow refused: its inbox is not a public https address',
          )
          return
        }
      }
      if (await isBannedRemote(app.db, { actor: follower.id.href })) {
        await ctx.sendActivity(
          { identifier: BLOG_ACTOR },
          follower,
          new Reject({ id: activityId(ctx), actor: ctx.getActorUri(BLOG_ACTOR), object: follow }),
        )
        return
      }
      await addFollower(app.db, {
        actorId: follower.id.href,
        inbox: follower.inboxId.href,
        sharedInbox: sharedInbox?.href ?? null,
        handle: `@${follower.preferredUsername ?? '?'}@${follower.id.host}`,
        followId: follow.id.href,
      })
      app.log.info({ follower: follower.id.href }, 'fediverse: a new follower')
      await ctx.sendActivity(
        { identifier: BLOG_ACTOR },
        follower,
        new Accept({ id: activityId(ctx), actor: ctx.getActorUri(BLOG_ACTOR), object: follow }),
      )
    })
    .on(Undo, async (ctx, undo) => {
      // The object may be embedded, fetchable, or only named (its server gone, or answering 404 for what was
      // undone): a lookup that fails leaves its id, which is enough to find what it undid.
      const object = await undo.getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true })
      if (!(object instanceof Follow)) {
        for (const handler of undoHandlers) await handler(ctx, undo, object)
        if (object === null && undo.actorId && undo.objectId)
          await removeFollowerByFollow(ctx.data.db, undo.actorId.href, undo.objectId.href)
        return
      }
      if (!undo.actorId) return
      // Only its author undoes a Follow.
      if (object.actorId && object.actorId.href !== undo.actorId.href) return
      await removeFollower(ctx.data.db, undo.actorId.href)
    })

  inbox
    // A forged, altered or replayed activity (a bad signature, a Date outside the hour Fedify allows): 401, and
    // one log line saying who it claimed to be.
    .onUnverifiedActivity((ctx, activity, reason) => {
      ctx.data.log.warn(
        { activity: activity.id?.href ?? null, actor: activity.actorId?.href ?? null, reason: reason.type },
        'fediverse: an activity with a signature that does not verify was refused',
      )
      return new Response('Signature not verified', { status: 401, headers: { 'content-type': 'text/plain' } })
    })
    .onError((ctx, error) => {
      ctx.data.log.error({ err: error }, 'fediverse: an activity could not be processed')
    })

  return { federation, inbox: { listeners: inbox, onUndo: (handler) => void undoHandlers.push(handler) } }
}

/** A new activity's id: unique (never derived from its actor and object: a Follow can be undone and made again). */
export function activityId(ctx: { origin: string }): URL {
  return new URL(`/fediverse/activities/${crypto.randomUUID()}`, ctx.origin)
}
