// Admin rows become view models here, so that the admin templates only render.
import { threadIsOpen } from '../content/policy.ts'
import { renderCommentBody, safeWebsite } from '../comments/text.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import type { Formatter, Messages } from '../i18n/index.ts'
import { uncountedPager } from '../lib/pager.ts'
import { wallClock } from '../lib/time.ts'
import { postPath } from '../lib/urls.ts'
import type { Settings } from '../settings/settings.ts'
import type { AdminCommentRow, AdminPostRow, PostState } from './admin.repository.ts'

export interface AdminContext {
  t: Messages['admin']
  fmt: Formatter
  settings: Readonly<Settings>
  now: string
}

/** An instant as a `datetime-local` value in the blog's zone: `2026-11-26T14:30`. */
export function toLocalInput(iso: string | null, timeZone: string): string {
  return iso ? wallClock(iso, timeZone).slice(0, 16) : ''
}

export function postState(post: { status: string; published_at: string | null }, now: string): PostState {
  if (isVisibleToReaders(post, now)) return 'published'
  return post.status === 'published' ? 'scheduled' : 'draft'
}

export function stateLabel(state: PostState, t: Messages['admin']): string {
  return state === 'draft' ? t.statusDraft : state === 'scheduled' ? t.statusScheduled : t.statusPublished
}

export type ThreadState = 'open' | 'closed' | 'auto-closed'

export function threadState(
  post: { comments_open: number; published_at: string | null },
  settings: Pick<Settings, 'commentsAutoCloseDays'>,
): ThreadState {
  if (!post.comments_open) return 'closed'
  return threadIsOpen(post, settings) ? 'open' : 'auto-closed'
}

export function threadLabel(state: ThreadState, t: Messages['admin']): string {
  return state === 'open' ? t.threadOpen : state === 'closed' ? t.threadClosed : t.threadAutoClosed
}

export interface AdminPostItem {
  id: number
  title: string
  state: PostState
  stateLabel: string
  date: string
  dateIso: string | null
  /** The public address, when readers can see the post. */
  publicUrl: string | null
  editUrl: string
  comments: string
  pendingUrl: string | null
  thread: ThreadState
  threadLabel: string
  /** Whether the admin's "close" flag is set (the button offers the other one). */
  commentsOpen: boolean
}

export function toAdminPostItem(row: AdminPostRow, context: AdminContext): AdminPostItem {
  const state = postState(row, context.now)
  const thread = threadState(row, context.settings)
  const pending = Number(row.pending_count)
  return {
    id: row.id,
    title: row.title,
    state,
    stateLabel: stateLabel(state, context.t),
    date: row.published_at ? `${context.fmt.dateHeader(row.published_at)} ${context.fmt.time(row.published_at)}` : '—',
    dateIso: row.published_at,
    publicUrl: state === 'published' ? postPath(row, context.settings.timezone) : null,
    editUrl: `/admin/posts/${row.id}`,
    comments: context.t.approvedPending(Number(row.approved_count), pending),
    pendingUrl: pending > 0 ? `/admin/comments?status=pending&post=${row.id}` : null,
    thread,
    threadLabel: threadLabel(thread, context.t),
    commentsOpen: row.comments_open === 1,
  }
}

export interface AdminCommentItem {
  id: number
  authorName: string
  authorEmail: string | null
  authorUrl: string | null
  ip: string | null
  bodyHtml: string
  date: string
  dateIso: string
  postTitle: string
  postUrl: string | null
  postAdminUrl: string
  isReply: boolean
  status: string
  /** Pinned: first in its thread on the post page. */
  pinned: boolean
  /** Written by an admin signed in (marked "auteur"). */
  byAuthor: boolean
  /** Where it came from (src/comments/), its author's handle and its original there (remote comments). */
  origin: string
  handle: string | null
  originalUrl: string | null
}

export function toAdminCommentItem(row: AdminCommentRow, context: AdminContext): AdminCommentItem {
  const post = { slug: row.post_slug, status: row.post_status, published_at: row.post_published_at, kind: row.post_kind }
  return {
    id: row.id,
    authorName: row.author_name,
    authorEmail: row.author_email,
    authorUrl: row.author_url,
    ip: row.ip,
    // The same safe rendering readers get: plain text, escaped, links inert for search engines.
    bodyHtml: renderCommentBody(row.body),
    date: `${context.fmt.commentDate(row.created_at)} ${context.fmt.time(row.created_at)}`,
    dateIso: row.created_at,
    postTitle: row.post_title,
    postUrl: postState(post, context.now) === 'published' ? postPath(post, context.settings.timezone) : null,
    postAdminUrl: `/admin/posts/${row.post_id}`,
    isReply: row.parent_id !== null,
    status: row.status,
    pinned: row.pinned === 1,
    byAuthor: row.user_id !== null,
    origin: row.origin,
    handle: row.author_handle,
    originalUrl: safeWebsite(row.origin_permalink) ?? safeWebsite(row.origin_url),
  }
}

export interface AuditItem {
  date: string
  dateIso: string
  username: string
  action: string
  target: string
  details: string
}

export function toAuditItem(
  row: { username: string; action: string; target: string; details: string; created_at: string },
  context: AdminContext,
): AuditItem {
  let details = ''
  if (row.details) {
    try {
      details = Object.entries(JSON.parse(row.details) as Record<string, unknown>)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
        .join(' · ')
    } catch {
      details = row.details
    }
  }
  return {
    date: `${context.fmt.commentDate(row.created_at)} ${context.fmt.time(row.created_at)}`,
    dateIso: row.created_at,
    username: row.username,
    action: row.action,
    target: row.target,
    details,
  }
}

/** Newer/older links of an admin list. */
export function pager(base: URLSearchParams, path: string, page: number, hasMore: boolean) {
  const at = (n: number) => {
    const params = new URLSearchParams(base)
    if (n > 1) params.set('page', String(n))
    else params.delete('page')
    const search = params.toString()
    return search ? `${path}?${search}` : path
  }
  return uncountedPager(page, hasMore, at)
}
