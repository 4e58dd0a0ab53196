// A post as the fediverse sees it: an Article whose id is the post's own address, with its title (name), excerpt
// (summary), rendered HTML with absolute links (content, tagged with the blog's language), first image,
// hashtags from its categories and tags, addressed to the public and the blog's followers.
import { LanguageString } from '@fedify/fedify'
import { Article, Create, Hashtag, Image, PUBLIC_COLLECTION } from '@fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'
import { Temporal } from '@js-temporal/polyfill'
import { publishedPosts, type PublishedPost } from '../content/publications.ts'
import { listedToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'
import { searchPath } from '../lib/urls.ts'
import { BLOG_ACTOR } from './federation-paths.ts'

/** Fedify's instants (typed as the coming global Temporal; Node 24 has only its polyfill, which Fedify uses). */
type Instant = NonNullable<ConstructorParameters<typeof Article>[0]['published']>
export const instant = (iso: string) => Temporal.Instant.from(iso) as unknown as Instant

/** A hashtag's name: letters and digits only, words joined with capitals (`Vie quotidienne` → `#VieQuotidienne`). */
export function hashtagName(label: string): string {
  const words = label.split(/[^\p{L}\p{N}_]+/u).filter((w) => w !== '')
  return `#${words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('')}`
}

/** A post readers can see (kind 'post'), by its slug, as channels see it; undefined otherwise. */
export async function loadArticlePost(app: FastifyInstance, slug: string): Promise<PublishedPost | undefined> {
  const row = await app.db
    .selectFrom('posts as p')
    .select('p.id')
    .where((eb) => listedToReaders(eb, nowIso()))
    .where('p.slug', '=', slug)
    .executeTakeFirst()
  return row ? (await recentArticlePosts(app, [row.id]))[0] : undefined
}

export async function recentArticlePosts(app: FastifyInstance, ids: number[]): Promise<PublishedPost[]> {
  const settings = app.settings.get()
  return publishedPosts(app.db, ids, { siteUrl: app.config.siteUrl, timezone: settings.timezone, language: settings.language })
}

export function toArticle(ctx: Context<FastifyInstance>, post: PublishedPost): Article {
  const site = ctx.data.config.siteUrl
  // Categories link to their page; tags (which have none) to a search for them, as the sidebar's do.
  const tags = [
    ...post.categories.map((c) => ({ name: c.name, href: c.url })),
    ...post.tags.map((name) => ({ name, href: `${site}${searchPath(name)}` })),
  ]
  const seen = new Set<string>()
  const hashtags = tags
    .map((t) => ({ ...t, name: hashtagName(t.name) }))
    .filter((t) => t.name.length > 1 && !seen.has(t.name.toLowerCase()) && seen.add(t.name.toLowerCase()))
    .map((t) => new Hashtag({ name: t.name, href: new URL(t.href) }))
  const content = post.bodyHtml
  const image = post.firstImage ? new Image({ url: new URL(post.firstImage) }) : null
  return new Article({
    id: new URL(post.url),
    attribution: ctx.getActorUri(BLOG_ACTOR),
    name: post.title,
    summary: post.excerpt || null,
    contents: [content, new LanguageString(content, post.language)],
    url: new URL(post.url),
    published: instant(post.publishedAt),
    updated: post.updatedAt > post.publishedAt ? instant(post.updatedAt) : null,
    tags: hashtags,
    attachments: image ? [image] : [],
    image,
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(BLOG_ACTOR),
  })
}

/** The Create that announces a post (the outbox lists them; deliveries send a new one, with an id of its own). */
export function createOf(ctx: Context<FastifyInstance>, article: Article, id: URL): Create {
  return new Create({
    id,
    actor: ctx.getActorUri(BLOG_ACTOR),
    object: article,
    published: article.published,
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(BLOG_ACTOR),
  })
}
