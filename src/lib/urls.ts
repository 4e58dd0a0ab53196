// Every public address is built here, so links, redirects, feeds and the sitemap agree.
import { zonedParts } from './time.ts'

const pad = (n: number) => String(n).padStart(2, '0')

/** `/archive/2017/10/01/<slug>.html`: the date is the publication day in the blog's time zone. */
export function postPath(post: { slug: string; published_at: string | null }, timeZone: string): string {
  if (!post.published_at) return `/archive/draft/${encodeURIComponent(post.slug)}.html`
  const { year, month, day } = zonedParts(post.published_at, timeZone)
  return `/archive/${year}/${pad(month)}/${pad(day)}/${encodeURIComponent(post.slug)}.html`
}

export function categoryPath(slug: string): string {
  return `/category/${encodeURIComponent(slug)}`
}

export function monthPath(year: number, month: number): string {
  return `/archive/${year}/${pad(month)}/`
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
