// Rows become view models here, in one place, so that templates get exactly what they show.
import { renderCommentBody, safeWebsite } from '../comments/text.ts'
import { formatter, type Formatter } from '../i18n/index.ts'
import { urlHostToUnicode } from '../lib/idna.ts'
import type { Settings } from '../settings/settings.ts'
import { categoryPath, commentAnchor, commentPath, postPath } from '../lib/urls.ts'
import type { CommentRow, PostListRow, PostRow } from '../content/posts.repository.ts'

export interface CategoryLink {
  name: string
  url: string
}

export interface PostListItem {
  id: number
  url: string
  title: string
  excerpt: string
  publishedAt: string
  dateHeader: string
  time: string
  categories: CategoryLink[]
  commentCount: number
  /** Its writer, in the byline (src/content/authors.repository.ts says when bylines show); null when hidden. */
  author?: { name: string; url: string } | null
}

export interface ViewContext {
  fmt: Formatter
  timeZone: string
}

/** How the reader's pages show dates and links, from the site's settings. */
export function viewContext(settings: Readonly<Settings>): ViewContext {
  return { fmt: formatter(settings.language, settings.timezone), timeZone: settings.timezone }
}

function categoryLinks(cats: Array<{ name: string; slug: string }> | undefined): CategoryLink[] {
  return (cats ?? []).map((c) => ({ name: c.name, url: categoryPath(c.slug) }))
}

/** What a list shows of a post, and the start of what its own page shows. */
function summaryOf(
  row: Pick<PostListRow, 'id' | 'slug' | 'published_at' | 'title' | 'excerpt' | 'comment_count'>,
  /** The date shown (a draft's last change until it is published). */
  publishedAt: string,
  categories: Array<{ name: string; slug: string }> | undefined,
  context: ViewContext,
): PostListItem {
  return {
    id: row.id,
    url: postPath(row, context.timeZone),
    title: row.title,
    excerpt: row.excerpt,
    publishedAt,
    dateHeader: context.fmt.dateHeader(publishedAt),
    time: context.fmt.time(publishedAt),
    categories: categoryLinks(categories),
    commentCount: Number(row.comment_count),
  }
}

export function toListItem(
  row: PostListRow,
  categories: Map<number, Array<{ name: string; slug: string }>>,
  context: ViewContext,
): PostListItem {
  return summaryOf(row, row.published_at!, categories.get(row.id), context)
}

export interface CommentView {
  id: number
  anchor: string
  authorName: string
  authorUrl: string | null
  bodyHtml: string
  createdAt: string
  date: string
  /** When its author last changed it (the list says "modifié"), or null. */
  editedAt: string | null
  depth: number
  /**
   * For an answer not shown under its parent (the nesting stops at the third level, or the parent is on another
   * page of the comments): whom it answers, and where that comment is.
   */
  inReplyTo: { url: string; authorName: string } | null
  /** Pinned by an admin: first among its siblings, marked. */
  pinned: boolean
  /** Written by an admin signed in: marked "auteur" (never from the name typed). */
  byAuthor: boolean
  /**
   * A comment from the fediverse or a webmention: its author's handle (`@name@host`), its original's address,
   * and the host it was written on. Null for the form's and imports'. Never an image from the author's server.
   */
  remote: { origin: 'fediverse' | 'webmention'; handle: string | null; originalUrl: string; host: string } | null
  replies: CommentView[]
}

/** What a comment from elsewhere shows of where it came from (null for the form's and imports'). */
function remoteOf(row: Pick<CommentRow, 'origin' | 'origin_url' | 'origin_permalink' | 'author_handle'>): CommentView['remote'] {
  if ((row.origin !== 'fediverse' && row.origin !== 'webmention') || !row.origin_url) return null
  const originalUrl = safeWebsite(row.origin_permalink) ?? safeWebsite(row.origin_url)
  if (!originalUrl) return null
  return { origin: row.origin, handle: row.author_handle, originalUrl, host: urlHostToUnicode(new URL(originalUrl).hostname) }
}

/** Comments nest under their parent, at most three levels deep; deeper answers join the third level. */
export const MAX_COMMENT_DEPTH = 3

export function commentTree(
  rows: readonly CommentRow[],
  context: ViewContext,
  /** The author of a visible comment on another page of the thread, by id (undefined: not visible). */
  authorOnOtherPage: (id: number) => string | undefined = () => undefined,
): CommentView[] {
  const byId = new Map<number, CommentView>()
  const roots: CommentView[] = []
  const parentOf = new Map<number, CommentView | undefined>()
  for (const row of rows) {
    const view: CommentView = {
      id: row.id,
      anchor: commentAnchor(row.id),
      authorName: row.author_name,
      authorUrl: safeWebsite(row.author_url),
      bodyHtml: renderCommentBody(row.body),
      createdAt: row.created_at,
      date: context.fmt.commentDate(row.created_at),
      editedAt: row.edited_at,
      depth: 1,
      inReplyTo: null,
      pinned: row.pinned === 1,
      byAuthor: row.user_id !== null,
      remote: remoteOf(row),
      replies: [],
    }
    byId.set(row.id, view)
    // A reply to a comment readers cannot see (held or removed) stands on its own.
    let parent = row.parent_id === null ? undefined : byId.get(row.parent_id)
    while (parent && parent.depth >= MAX_COMMENT_DEPTH) parent = parentOf.get(parent.id)
    parentOf.set(row.id, parent)
    if (parent) {
      view.depth = parent.depth + 1
      parent.replies.push(view)
      // Under an ancestor rather than its parent (which is at the deepest level): it would read as an answer to
      // the comment above it, so it says whom it answers.
      const real = byId.get(row.parent_id!)!
      if (real !== parent) view.inReplyTo = { url: `#${real.anchor}`, authorName: real.authorName }
    } else {
      // Its parent is on an earlier page, or held: link to it when readers can reach it.
      const authorName = row.parent_id !== null && !byId.has(row.parent_id) ? authorOnOtherPage(row.parent_id) : undefined
      if (authorName !== undefined) view.inReplyTo = { url: commentPath(row.parent_id!), authorName }
      roots.push(view)
    }
  }
  // A pinned answer comes first among its siblings (pinned roots come first from the query already).
  for (const view of byId.values()) {
    if (view.replies.some((r) => r.pinned)) view.replies.sort((a, b) => Number(b.pinned) - Number(a.pinned))
  }
  return roots
}

export interface PostView extends PostListItem {
  slug: string
  bodyHtml: string
  signature: string
  tags: string[]
  commentsOpen: boolean
  updatedAt: string
  /** A static page (`/<slug>.html`): no date, categories, neighbours or comment feed. */
  isPage: boolean
}

export function toPostView(
  row: PostRow,
  categories: Array<{ name: string; slug: string }> | undefined,
  tags: string[],
  context: ViewContext,
  commentsOpen: boolean,
): PostView {
  return {
    ...summaryOf(row, row.published_at ?? row.updated_at, categories, context),
    slug: row.slug,
    bodyHtml: row.body_html,
    signature: row.signature,
    tags,
    commentsOpen,
    updatedAt: row.updated_at,
    isPage: row.kind === 'page',
  }
}
