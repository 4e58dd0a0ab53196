// RSS 2.0 and Atom 1.0 feeds: the whole blog, each category, all comments, and each post's comments; and the
// <link rel="alternate"> tags that let browsers and feed readers find them from any page.
//   /feed.rss                 /feed.atom                 newest 20 visible posts, full content
//   /category/<slug>/feed.rss /category/<slug>/feed.atom newest 20 visible posts of the category
//   /comments/feed.rss        /comments/feed.atom        newest 20 approved comments on visible posts
//   <permalink without .html>/comments.rss (.atom)       newest 20 approved comments of the post
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { CACHEABLE } from '../cache/policy.ts'
import { renderCommentBody, safeWebsite } from '../comments/text.ts'
import { messages, type Messages } from '../i18n/index.ts'
import { later, nowIso } from '../lib/time.ts'
import {
  authorFeedPath,
  authorPath,
  blogFeedPath,
  categoryFeedPath,
  categoryPath,
  commentAnchor,
  commentsFeedPath,
  postCommentsFeedPath,
  postPath,
  type FeedFormat,
} from '../lib/urls.ts'
import { findCategoryBySlug, findPostBySlug } from '../content/posts.repository.ts'
import { findAuthorBySlug } from '../content/authors.repository.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import type { FeedLink } from '../http/view.ts'
import { entryId, FEED_CONTENT_TYPES, renderFeed, type FeedDocument, type FeedEntry } from './feed-xml.ts'
import * as repo from './feeds.repository.ts'
import { fullName, MIME_TYPES, parseMediaUrl } from '../media/names.ts'
import { categoryFeedParams, postFeedParams } from './feeds.schemas.ts'

const FORMATS: readonly FeedFormat[] = ['rss', 'atom']
const FORMAT_LABEL: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom' }
const LINK_TYPE: Record<FeedFormat, FeedLink['type']> = { rss: 'application/rss+xml', atom: 'application/atom+xml' }

declare module '../http/view.ts' {
  interface PageFields {
    /** The blog's feeds, for the sidebar's links (src/reader/sidebar.ts). */
    subscribe: { rss: string; atom: string }
  }
}

export default async function feedsRoutes(app: FastifyInstance) {
  const abs = (path: string) => app.config.siteUrl + path

  function context() {
    const settings = app.settings.get()
    return { settings, t: messages(settings.language), tz: settings.timezone }
  }

  function postEntries(
    rows: repo.FeedPostRow[],
    categories: Map<number, string[]>,
    tz: string,
    siteTitle: string,
    writer?: { name: string; url: string },
  ): FeedEntry[] {
    return rows.map((r) => ({
      id: entryId(app.config.siteUrl, r.created_at, 'post', r.id),
      title: r.title,
      link: abs(postPath(r, tz)),
      published: new Date(r.published_at!),
      // A post scheduled after it was last saved was not updated before it appeared.
      updated: new Date(later(r.updated_at, r.published_at)),
      contentHtml: r.body_html,
      summary: r.excerpt,
      // A writer's own feed names them, with their page; the others keep the post's signature.
      author: writer ?? { name: r.signature || siteTitle },
      categories: categories.get(r.id) ?? [],
      enclosure: leadImage(r.body_html),
    }))
  }

  /** The first media-library image of a post's HTML, with its size on disk (RSS enclosures must say it). */
  function leadImage(html: string): FeedEntry['enclosure'] {
    const src = /<img\b[^>]*?\ssrc="(\/media\/[^"]+)"/.exec(html)?.[1]
    const ref = src ? parseMediaUrl(src) : null
    if (!ref) return null
    let length = 0
    try {
      length = statSync(join(app.config.mediaDir, fullName(ref))).size
    } catch {
      // A file gone from the folder (deleted image): announced all the same, with an unknown length.
    }
    return { url: abs(`/media/${fullName(ref)}`), type: MIME_TYPES[ref.ext], length }
  }

  function commentEntries(rows: repo.FeedCommentRow[], tz: string, t: Messages): FeedEntry[] {
    return rows.map((c) => {
      const bodyHtml = renderCommentBody(c.body)
      return {
        id: entryId(app.config.siteUrl, c.created_at, 'comment', c.id),
        title: t.feedCommentItem(c.author_name, c.title),
        link: `${abs(postPath(c, tz))}#${commentAnchor(c.id)}`,
        published: new Date(c.created_at),
        updated: new Date(c.created_at),
        contentHtml: bodyHtml,
        summary: c.body.length > 300 ? `${c.body.slice(0, 299)}…` : c.body,
        author: { name: c.author_name, url: safeWebsite(c.author_url) },
        categories: [],
      }
    })
  }

  /** The newest entry's time; for an empty feed, the last change of the blog (stable between requests). */
  async function updatedOf(entries: FeedEntry[]): Promise<Date> {
    if (entries.length > 0) return new Date(Math.max(...entries.map((e) => e.updated.getTime())))
    return new Date((await repo.contentChangedAt(app.db)) ?? 0)
  }

  async function send(
    reply: FastifyReply,
    format: FeedFormat,
    doc: Omit<FeedDocument, 'id' | 'updated' | 'language' | 'self' | 'site'>,
    selfPath: (f: FeedFormat) => string,
  ) {
    const self = { rss: abs(selfPath('rss')), atom: abs(selfPath('atom')) }
    const full: FeedDocument = {
      ...doc,
      site: app.config.siteUrl,
      id: self.atom,
      self,
      language: app.settings.get().language,
      updated: await updatedOf(doc.entries),
    }
    return reply.type(FEED_CONTENT_TYPES[format]).send(renderFeed(full, format))
  }

  async function postsFeed(
    format: FeedFormat,
    reply: FastifyReply,
    category?: { id: number; name: string; slug: string },
    writer?: { id: number; name: string; slug: string },
  ) {
    const { settings, t, tz } = context()
    const rows = await repo.latestPosts(app.db, nowIso(), repo.FEED_SIZE, category?.id, writer?.id)
    const categories = await repo.categoriesOf(
      app.db,
      rows.map((r) => r.id),
    )
    return send(
      reply,
      format,
      {
        title: category
          ? t.feedCategoryChannel(settings.title, category.name)
          : writer
            ? t.writers.feedChannel(settings.title, writer.name)
            : settings.title,
        description: settings.description || settings.title,
        link: abs(category ? categoryPath(category.slug) : writer ? authorPath(writer.slug) : '/'),
        entries: postEntries(rows, categories, tz, settings.title, writer && { name: writer.name, url: abs(authorPath(writer.slug)) }),
      },
      (f) => (category ? categoryFeedPath(category.slug, f) : writer ? authorFeedPath(writer.slug, f) : blogFeedPath(f)),
    )
  }

  for (const format of FORMATS) {
    app.get(blogFeedPath(format), { config: CACHEABLE }, async (request, reply) => postsFeed(format, reply))

    app.get(`/category/:slug/feed.${format}`, { config: CACHEABLE }, async (request, reply) => {
      const params = categoryFeedParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      const category = await findCategoryBySlug.first(app.db, { slug: params.data.slug })
      if (!category) return reply.callNotFound()
      return postsFeed(format, reply, category)
    })

    app.get(`/author/:slug/feed.${format}`, { config: CACHEABLE }, async (request, reply) => {
      const params = categoryFeedParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      const author = await findAuthorBySlug.first(app.db, { slug: params.data.slug })
      if (!author || !author.slug) return reply.callNotFound()
      return postsFeed(format, reply, undefined, { id: author.id, name: author.display_name || author.username, slug: author.slug })
    })

    app.get(commentsFeedPath(format), { config: CACHEABLE }, async (request, reply) => {
      const { settings, t, tz } = context()
      const rows = await repo.latestComments(app.db, nowIso(), repo.FEED_SIZE)
      return send(
        reply,
        format,
        {
          title: t.feedCommentsChannel(settings.title),
          description: t.feedCommentsDescription(settings.title),
          link: abs('/'),
          entries: commentEntries(rows, tz, t),
        },
        commentsFeedPath,
      )
    })

    app.get(`/archive/:year/:month/:day/:slug/comments.${format}`, { config: CACHEABLE }, async (request, reply) => {
      const params = postFeedParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      const now = nowIso()
      const post = await findPostBySlug.first(app.db, { slug: params.data.slug })
      // A static page's comments are in no feed.
      if (!post || post.kind === 'page' || !isVisibleToReaders(post, now)) return reply.callNotFound()
      const { t, tz } = context()
      const canonical = postCommentsFeedPath(post, tz, format)
      if (canonical !== request.url.split('?')[0]) return reply.redirect(canonical, 301)
      const rows = await repo.latestComments(app.db, now, repo.FEED_SIZE, post.id)
      return send(
        reply,
        format,
        {
          title: t.feedPostCommentsChannel(post.title),
          description: post.excerpt || post.title,
          link: abs(postPath(post, tz)),
          entries: commentEntries(rows, tz, t),
        },
        (f) => postCommentsFeedPath(post, tz, f),
      )
    })
  }

  // Every page advertises the blog's feeds; category pages add the category's, post pages the post's comments.
  app.pageDataHooks.push((_request, data) => {
    const { settings, t, tz } = context()
    const links: FeedLink[] = []
    const add = (title: (format: string) => string, path: (f: FeedFormat) => string) => {
      for (const f of FORMATS) links.push({ type: LINK_TYPE[f], title: title(FORMAT_LABEL[f]), href: abs(path(f)) })
    }
    add((f) => t.feedPosts(settings.title, f), blogFeedPath)
    const category = data.category
    if (category)
      add(
        (f) => t.feedCategory(category.name, f),
        (f) => categoryFeedPath(category.slug, f),
      )
    // A writer's page (src/reader/pages.routes.ts) advertises their feeds.
    const author = (data as { author?: { name: string; feeds: Record<FeedFormat, string> } }).author
    if (author && typeof author.feeds === 'object') {
      add(
        (f) => t.writers.feedLink(author.name, f),
        (f) => author.feeds[f],
      )
    }
    const post = data.post
    // A static page has no comment feed (it is in no list, its comments in no feed).
    if (post && !post.isPage) {
      add(
        (f) => t.feedPostComments(post.title, f),
        (f) => postCommentsFeedPath({ slug: post.slug, published_at: post.publishedAt }, tz, f),
      )
    }
    add((f) => t.feedComments(settings.title, f), commentsFeedPath)
    data.feeds.push(...links)
    data.subscribe = { rss: blogFeedPath('rss'), atom: blogFeedPath('atom') }
  })
}
