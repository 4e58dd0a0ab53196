// Telling the open web about posts: when a post becomes public (saved as published, or its scheduled minute
// came), is saved again while public, or stops being public (unpublished, deleted), each registered channel (the
// fediverse, webmentions, mails by the post) hears of it once, whichever instance notices first and whichever
// path wrote the post (the editor, drafts, the command line). A watcher compares what each channel was told
// (post_channels) with what readers can see; each announcement is recorded in the transaction in which the
// channel queues its work, so a crash loses none and two instances never both make one.
// A channel hears only of posts published after it began: an imported archive or a blog's past is not sent.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { absoluteHtml, absoluteUrl } from '../lib/absolute-urls.ts'
import { now as clockNow } from '../lib/time.ts'
import { authorPath, categoryPath, postPath } from '../lib/urls.ts'
import { listedToReaders } from './visibility.ts'

type Db = Kysely<Database> | Transaction<Database>

/** A public post as channels see it: addresses absolute, HTML ready to leave the blog. */
export interface PublishedPost {
  id: number
  slug: string
  title: string
  /** The rendered body, every address absolute. */
  bodyHtml: string
  excerpt: string
  publishedAt: string
  updatedAt: string
  version: number
  language: string
  /** The post's address. */
  url: string
  categories: Array<{ name: string; url: string }>
  tags: string[]
  author: { name: string; url: string } | null
  /** The first image of the body, absolute. */
  firstImage: string | null
}

export interface Channel {
  published(trx: Transaction<Database>, post: PublishedPost): Promise<void>
  updated(trx: Transaction<Database>, post: PublishedPost): Promise<void>
  withdrawn(trx: Transaction<Database>, postId: number): Promise<void>
  /** Public again after a withdrawal (default: nothing; a mail is never sent twice). */
  republished?(trx: Transaction<Database>, post: PublishedPost): Promise<void>
}

export interface Publications {
  channel(name: string, channel: Channel): void
  /** Looks now for posts made public, changed or withdrawn, and tells the channels; answers how many calls. */
  check(): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    publications: Publications
  }
}

/** Announcements handled per channel and kind in one check (the rest wait for the next). */
const BATCH = 50

/**
 * The writer chose not to tell a channel of this post ("publish without mailing"): it never will, even once the
 * post is public. Does nothing if the channel was told already.
 */
export async function skipPublication(db: Db, channel: string, postId: number): Promise<void> {
  await db
    .insertInto('post_channels')
    .values({ channel, post_id: postId, state: 'skipped', version: 0, changed_at: clockNow().toISOString() })
    .onConflict((oc) => oc.columns(['channel', 'post_id']).doNothing())
    .execute()
}

/** Undoes skipPublication while the channel has not been told (the box ticked again before publishing). */
export async function unskipPublication(db: Db, channel: string, postId: number): Promise<void> {
  await db.deleteFrom('post_channels').where('channel', '=', channel).where('post_id', '=', postId).where('state', '=', 'skipped').execute()
}

/** Reads public posts as channels see them. */
export async function publishedPosts(
  db: Db,
  ids: readonly number[],
  site: { siteUrl: string; timezone: string; language: string },
): Promise<PublishedPost[]> {
  if (ids.length === 0) return []
  const [rows, categories, tags] = await Promise.all([
    db
      .selectFrom('posts as p')
      .leftJoin('users as u', 'u.id', 'p.author_id')
      .select([
        'p.id',
        'p.slug',
        'p.title',
        'p.body_html',
        'p.excerpt',
        'p.published_at',
        'p.updated_at',
        'p.version',
        'p.kind',
        'u.display_name',
        'u.slug as author_slug',
      ])
      .where('p.id', 'in', ids)
      .execute(),
    db
      .selectFrom('post_categories as pc')
      .innerJoin('categories as c', 'c.id', 'pc.category_id')
      .select(['pc.post_id', 'c.name', 'c.slug'])
      .where('pc.post_id', 'in', ids)
      .orderBy('c.name')
      .execute(),
    db.selectFrom('post_tags').select(['post_id', 'name']).where('post_id', 'in', ids).orderBy('position').execute(),
  ])
  return rows.map((row) => {
    const url = site.siteUrl + postPath(row, site.timezone)
    const base = { site: site.siteUrl, page: url }
    const bodyHtml = absoluteHtml(row.body_html, base)
    const src = /<img\b[^>]*?\ssrc\s*=\s*["']?([^"'\s>]+)/i.exec(bodyHtml)?.[1]
    return {
      id: row.id,
      slug: row.slug,
      title: row.title,
      bodyHtml,
      excerpt: row.excerpt,
      publishedAt: row.published_at!,
      updatedAt: row.updated_at,
      version: row.version,
      language: site.language,
      url,
      categories: categories.filter((c) => c.post_id === row.id).map((c) => ({ name: c.name, url: site.siteUrl + categoryPath(c.slug) })),
      tags: tags.filter((t) => t.post_id === row.id).map((t) => t.name),
      author: row.display_name && row.author_slug ? { name: row.display_name, url: site.siteUrl + authorPath(row.author_slug) } : null,
      firstImage: src ? absoluteUrl(src.replaceAll('&amp;', '&'), base) : null,
    }
  })
}

async function publicationsPlugin(app: FastifyInstance) {
  const channels = new Map<string, Channel>()
  const startedAt = new Map<string, string>()
  /** What the last check saw: the posts' version (moved by every write to posts) and the time. */
  let seen: { version: number; at: string } | null = null

  const site = () => {
    const settings = app.settings.get()
    return { siteUrl: app.config.siteUrl, timezone: settings.timezone, language: settings.language }
  }

  async function startOf(name: string): Promise<string> {
    let at = startedAt.get(name)
    if (at) return at
    await app.db
      .insertInto('publication_channels')
      .values({ name, started_at: clockNow().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    at = (await app.db.selectFrom('publication_channels').select('started_at').where('name', '=', name).executeTakeFirstOrThrow())
      .started_at
    startedAt.set(name, at)
    return at
  }

  /** Whether anything may have changed since the last check: a write to posts, or a scheduled post's time come. */
  async function changedSince(now: string): Promise<{ version: number; at: string } | null> {
    const state = await app.db.selectFrom('site_state').select('posts_version').where('id', '=', 1).executeTakeFirst()
    const current = { version: Number(state?.posts_version ?? 0), at: now }
    if (!seen || seen.version !== current.version) return current
    const due = await app.db
      .selectFrom('posts')
      .select('id')
      .where('status', '=', 'published')
      .where('published_at', '>', seen.at)
      .where('published_at', '<=', now)
      .limit(1)
      .executeTakeFirst()
    return due ? current : null
  }

  /** Runs one announcement in a transaction that first claims it; answers whether it was this process's to make. */
  async function announce(claim: (trx: Transaction<Database>) => Promise<boolean>, tell: (trx: Transaction<Database>) => Promise<void>) {
    return app.db.transaction().execute(async (trx) => {
      if (!(await claim(trx))) return false
      await tell(trx)
      return true
    })
  }

  async function checkChannel(name: string, channel: Channel, now: string): Promise<number> {
    const since = await startOf(name)
    let calls = 0
    const stamp = { changed_at: now }

    // Newly public: published since the channel began, never told.
    const fresh = await app.db
      .selectFrom('posts as p')
      .select('p.id')
      .where((eb) => listedToReaders(eb, now))
      .where('p.published_at', '>=', since)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('post_channels as c').select('c.post_id').whereRef('c.post_id', '=', 'p.id').where('c.channel', '=', name),
          ),
        ),
      )
      .orderBy('p.published_at')
      .limit(BATCH)
      .execute()
    for (const post of await publishedPosts(
      app.db,
      fresh.map((r) => r.id),
      site(),
    )) {
      const made = await announce(
        async (trx) => {
          const row = await trx
            .insertInto('post_channels')
            .values({ channel: name, post_id: post.id, state: 'announced', version: post.version, ...stamp })
            .onConflict((oc) => oc.columns(['channel', 'post_id']).doNothing())
            .returning('post_id')
            .executeTakeFirst()
          return row !== undefined
        },
        (trx) => channel.published(trx, post),
      )
      if (made) calls++
    }

    // Told before, and public now: changed since (a newer version), or public again after a withdrawal. From the
    // channel's rows to their posts (CROSS JOIN keeps that order on SQLite): joined the other way, SQLite walked
    // every visible post of the blog for a few rows of post_channels (5–60 ms at 100,000 posts, at every check
    // after a write or a scheduled post's moment).
    const known = await app.db
      .selectFrom('post_channels as c')
      .crossJoin('posts as p')
      .whereRef('p.id', '=', 'c.post_id')
      .select(['p.id', 'c.state', 'c.version'])
      .where('c.channel', '=', name)
      .where((eb) =>
        eb.or([eb.and([eb('c.state', '=', 'announced'), eb('p.version', '>', eb.ref('c.version'))]), eb('c.state', '=', 'withdrawn')]),
      )
      .where((eb) => listedToReaders(eb, now))
      .limit(BATCH)
      .execute()
    const before = new Map(known.map((r) => [r.id, r]))
    for (const post of await publishedPosts(
      app.db,
      known.map((r) => r.id),
      site(),
    )) {
      const was = before.get(post.id)!
      const made = await announce(
        async (trx) => {
          const result = await trx
            .updateTable('post_channels')
            .set({ state: 'announced', version: post.version, ...stamp })
            .where('channel', '=', name)
            .where('post_id', '=', post.id)
            .where('state', '=', was.state)
            .where('version', '=', was.version)
            .executeTakeFirst()
          return Number(result.numUpdatedRows) === 1
        },
        (trx) => (was.state === 'withdrawn' ? (channel.republished?.(trx, post) ?? Promise.resolve()) : channel.updated(trx, post)),
      )
      if (made) calls++
    }

    // Told, and no longer public: unpublished, turned into a draft, or deleted.
    const gone = await app.db
      .selectFrom('post_channels as c')
      .leftJoin('posts as p', 'p.id', 'c.post_id')
      .select('c.post_id')
      .where('c.channel', '=', name)
      .where('c.state', '=', 'announced')
      .where((eb) => eb.or([eb('p.id', 'is', null), eb.not(listedToReaders(eb as never, now))]))
      .limit(BATCH)
      .execute()
    for (const { post_id } of gone) {
      const made = await announce(
        async (trx) => {
          const result = await trx
            .updateTable('post_channels')
            .set({ state: 'withdrawn', ...stamp })
            .where('channel', '=', name)
            .where('post_id', '=', post_id)
            .where('state', '=', 'announced')
            .executeTakeFirst()
          return Number(result.numUpdatedRows) === 1
        },
        (trx) => channel.withdrawn(trx, post_id),
      )
      if (made) calls++
    }
    return calls
  }

  let running: Promise<number> | null = null
  async function checkNow(): Promise<number> {
    if (channels.size === 0) return 0
    const now = clockNow().toISOString()
    const current = await changedSince(now)
    if (!current) return 0
    let calls = 0
    for (const [name, channel] of channels) calls += await checkChannel(name, channel, now)
    // A full batch may have left more: look again next time even without a write.
    seen = calls >= BATCH ? null : current
    if (calls > 0) app.jobs.wake()
    return calls
  }

  const publications: Publications = {
    channel(name, channel) {
      if (channels.has(name)) throw new Error(`publications: a channel ${name} exists already`)
      channels.set(name, channel)
    },
    check() {
      // One check at a time per process.
      running ??= checkNow().finally(() => (running = null))
      return running
    },
  }
  app.decorate('publications', publications)

  // Every few seconds (the jobs' pace): two small indexed reads when nothing changed.
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    // Each channel's beginning is written now, not at the first check: a post published in between would be
    // older than the channel, and never announced.
    try {
      for (const name of channels.keys()) await startOf(name)
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err
      app.log.warn({ err }, 'publications: the channels could not be started yet (the first check will)')
    }
    if (app.config.jobsPollMs <= 0) return
    timer = setInterval(
      () =>
        void publications.check().catch((err) => {
          if (!isDatabaseUnavailable(err)) app.log.error({ err }, 'publications: a check failed')
        }),
      Math.max(app.config.jobsPollMs, 1000),
    )
    timer.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running?.catch(() => 0)
  })
}

export default fp(publicationsPlugin, { name: 'publications', dependencies: ['database', 'settings', 'jobs'] })
