import type { Settings } from '../settings/settings.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** A thread is open unless an admin closed it or the auto-close delay after publication has passed. */
export function threadIsOpen(
  post: { comments_open: number; published_at: string | null },
  settings: Pick<Settings, 'commentsAutoCloseDays'>,
  now: Date = new Date(),
): boolean {
  if (!post.comments_open) return false
  const days = settings.commentsAutoCloseDays
  if (days > 0 && post.published_at) {
    return now.getTime() < new Date(post.published_at).getTime() + days * DAY_MS
  }
  return true
}
