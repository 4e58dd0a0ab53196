// Every public address is built here, so links, redirects, feeds and the sitemap agree.
import { zonedParts } from './time.ts'

const pad = (n: number) => String(n).padStart(2, '0')

/**
 * `/archive/2017/10/01/<slug>.html`: the date is the publication day in the blog's time zone. A static page
 * (kind 'page') is at `/<slug>.html`, dated or not.
 */
export function postPath(post: { slug: string; published_at: string | null; kind?: string }, timeZone: string): string {
  if (post.kind === 'page') return pagePath(post.slug)
  if (!post.published_at) return `/archive/draft/${encodeURIComponent(post.slug)}.html`
  return archivePath(post.slug, zonedParts(post.published_at, timeZone))
}

/** A post's address from its publication day in the blog's time zone (for a caller that knows that day already). */
export function archivePath(slug: string, { year, month, day }: { year: number; month: number; day: number }): string {
  return `/archive/${year}/${pad(month)}/${pad(day)}/${encodeURIComponent(slug)}.html`
}

/** A static page: `/about.html`, as Hautetfort has it. */
export function pagePath(slug: string): string {
  return `/${encodeURIComponent(slug)}.html`
}

export function categoryPath(slug: string): string {
  return `/category/${encodeURIComponent(slug)}`
}

/** A writer's page: `/author/<slug>`. */
export function authorPath(slug: string): string {
  return `/author/${encodeURIComponent(slug)}`
}

export function monthPath(year: number, month: number): string {
  return `/archive/${year}/${pad(month)}/`
}

export function yearPath(year: number): string {
  return `/archive/${year}/`
}

export function commentAnchor(id: number): string {
  return `comment-${id}`
}

/** A stable address for any comment: it redirects to the page of its post's comments that holds it. */
export function commentPath(id: number): string {
  return `/comment/${id}`
}

/** Comments are paged; `?cpage=N` picks a page (the first page has no parameter). */
export function withCommentPage(postUrl: string, page: number): string {
  return page <= 1 ? postUrl : `${postUrl}?cpage=${page}`
}

export const COMMENTS_PER_PAGE = 100

/** The same path with `?page=N`, or without it for the first page. */
export function withPage(path: string, page: number): string {
  return page <= 1 ? path : `${path}?page=${page}`
}

// ---- feeds & search ----

export type FeedFormat = 'rss' | 'atom'

/** The whole blog's posts: `/feed.rss`, `/feed.atom`. */
export function blogFeedPath(format: FeedFormat): string {
  return `/feed.${format}`
}

/** A category's posts: `/category/<slug>/feed.rss`. */
export function categoryFeedPath(slug: string, format: FeedFormat): string {
  return `${categoryPath(slug)}/feed.${format}`
}

/** A writer's posts: `/author/<slug>/feed.rss`. */
export function authorFeedPath(slug: string, format: FeedFormat): string {
  return `${authorPath(slug)}/feed.${format}`
}

/** Approved comments on every visible post: `/comments/feed.rss`. */
export function commentsFeedPath(format: FeedFormat): string {
  return `/comments/feed.${format}`
}

/** One post's comments, beside its permalink: `/archive/2017/10/01/<slug>/comments.rss`. */
export function postCommentsFeedPath(post: { slug: string; published_at: string | null }, timeZone: string, format: FeedFormat): string {
  return `${postPath(post, timeZone).slice(0, -'.html'.length)}/comments.${format}`
}

export function searchPath(query: string, page = 1): string {
  const q = `/search?q=${encodeURIComponent(query)}`
  return page <= 1 ? q : `${q}&page=${page}`
}
