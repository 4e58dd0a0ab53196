// A post as the fediverse sees it: an Article whose id is the post's own address, with its title (name), excerpt
// (summary), rendered HTML with absolute links (content, tagged with the blog's language), first image,
// hashtags from its categories and tags, addressed to the public and the blog's followers.
import { LanguageString } from '@fedify/fedify'
import { Article, Create, Hashtag, Image, PUBLIC_COLLECTION } from '@fedify/vocab'
import type { Context } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'
import { Temporal } from '@js-temporal/polyfill'
import { absoluteHtml, absoluteUrl } from '../lib/absolute-urls.ts'
import { listedToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'
import { categoryPath, postPath, searchPath } from '../lib/urls.ts'
import { BLOG_ACTOR } from './federation-paths.ts'

/** Fedify's instants (typed as the coming global Temporal; Node 24 has only its polyfill, which Fedify uses). */
type Instant = NonNullable<ConstructorParameters<typeof Article>[0]['published']>
const instant = (iso: string) => Temporal.Instant.from(iso) as unknown as Instant

/** What an Article is made of: the shape of the publications channel's PublishedPost (src/content/publications.ts). */
export interface ArticlePost {
  id: number
  slug: string
  title: string
  body_html: string
  excerpt: string
  published_at: string
  updated_at: string
  version: number
  language: string
  /** Absolute. */
  url: string
  categories: string[]
  tags: string[]
  firstImage: string | null
}

/** A hashtag's name: letters and digits only, words joined with capitals (`Vie quotidienne` → `#VieQuotidienne`). */
export function hashtagName(label: string): string {
  const words = label.split(/[^\p{L}\p{N}_]+/u).filter((w) => w !== '')
  return `#${words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('')}`
}

/** The first image of rendered HTML, absolute. */
export function firstImageOf(html: string, base: { site: string; page: string }): string | null {
  const src = /<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(html)
  const value = src?.[1] ?? src?.[2] ?? src?.[3]
  return value ? absoluteUrl(value.replace(/&amp;/g, '&'), base) : null
}

/** A visible post (kind 'post') by its slug, as an ArticlePost; undefined if readers cannot see it. */
export async function loadArticlePost(app: FastifyInstance, where: { slug: string } | { id: number }): Promise<ArticlePost | undefined> {
  const now = nowIso()
  let query = app.db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.title', 'p.body_html', 'p.excerpt', 'p.published_at', 'p.updated_at', 'p.version', 'p.kind'])
    .where((eb) => listedToReaders(eb, now))
  query = 'slug' in where ? query.where('p.slug', '=', where.slug) : query.where('p.id', '=', where.id)
  const row = await query.executeTakeFirst()
  if (!row?.published_at) return undefined
  return articlePostOf(app, { ...row, published_at: row.published_at })
}

export async function articlePostOf(
  app: FastifyInstance,
  row: {
    id: number
    slug: string
    title: string
    body_html: string
    excerpt: string
    published_at: string
    updated_at: string
    version: number
  },
): Promise<ArticlePost> {
  const settings = app.settings.get()
  const url = `${app.config.siteUrl}${postPath(row, settings.timezone)}`
  const [categories, tags] = await Promise.all([
    app.db
      .selectFrom('post_categories as pc')
      .innerJoin('categories as c', 'c.id', 'pc.category_id')
      .select('c.name')
      .where('pc.post_id', '=', row.id)
      .orderBy('c.name')
      .execute(),
    app.db.selectFrom('post_tags').select('name').where('post_id', '=', row.id).orderBy('position').execute(),
  ])
  return {
    ...row,
    language: settings.language,
    url,
    categories: categories.map((c) => c.name),
    tags: tags.map((t) => t.name),
    firstImage: firstImageOf(row.body_html, { site: app.config.siteUrl, page: url }),
  }
}

export async function toArticle(ctx: Context<FastifyInstance>, post: ArticlePost): Promise<Article> {
  const app = ctx.data
  const site = app.config.siteUrl
  const slugs = new Map<string, string>()
  if (post.categories.length > 0) {
    const rows = await app.db.selectFrom('categories').select(['name', 'slug']).where('name', 'in', post.categories).execute()
    for (const r of rows) slugs.set(r.name, r.slug)
  }
  const tags = [
    ...post.categories.map((name) => ({
      name,
      href: slugs.has(name) ? `${site}${categoryPath(slugs.get(name)!)}` : `${site}${searchPath(name)}`,
    })),
    ...post.tags.map((name) => ({ name, href: `${site}${searchPath(name)}` })),
  ]
  const seen = new Set<string>()
  const hashtags = tags
    .map((t) => ({ ...t, name: hashtagName(t.name) }))
    .filter((t) => t.name.length > 1 && !seen.has(t.name.toLowerCase()) && seen.add(t.name.toLowerCase()))
    .map((t) => new Hashtag({ name: t.name, href: new URL(t.href) }))
  const content = absoluteHtml(post.body_html, { site, page: post.url })
  const image = post.firstImage ? new Image({ url: new URL(post.firstImage) }) : null
  return new Article({
    id: new URL(post.url),
    attribution: ctx.getActorUri(BLOG_ACTOR),
    name: post.title,
    summary: post.excerpt || null,
    contents: [content, new LanguageString(content, post.language)],
    url: new URL(post.url),
    published: instant(post.published_at),
    updated: post.updated_at > post.published_at ? instant(post.updated_at) : null,
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
