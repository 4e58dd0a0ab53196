// What an import did (or, in a dry run, would do): the same object for the command line and the admin page.
import { messages, type Messages } from '../i18n/index.ts'

/** Why something was not taken in; each has its sentence in both languages (src/i18n, `transfer.skipped`). */
export type SkipReason = keyof Messages['transfer']['skipped']

export interface ImportSummary {
  dryRun: boolean
  posts: number
  /** Static pages (WordPress's `page` items), counted apart from posts. */
  pages: number
  comments: number
  /** Pingbacks and trackbacks kept as mentions (src/webmention/). */
  mentions: number
  categories: number
  tags: number
  redirects: number
  /** Things seen but not taken in, by reason and the WordPress type or status they had ("post-status:trash" → 2). */
  skipped: Record<string, number>
  /** Posts and comments already imported by an earlier run (nothing added for them). */
  alreadyImported: number
  /** Disqus threads that match no post, by their address. */
  unmatched: string[]
  /** Posts whose comments the import closed, their Disqus threads being closed (posts closed already not counted). */
  closedThreads: number
  /** Posts protected by a password in WordPress, imported as drafts; their titles (the first 50). */
  protectedDrafts: number
  protectedTitles: string[]
}

export function emptySummary(dryRun: boolean): ImportSummary {
  return {
    dryRun,
    posts: 0,
    pages: 0,
    comments: 0,
    mentions: 0,
    categories: 0,
    tags: 0,
    redirects: 0,
    skipped: {},
    alreadyImported: 0,
    unmatched: [],
    closedThreads: 0,
    protectedDrafts: 0,
    protectedTitles: [],
  }
}

export function skip(summary: ImportSummary, reason: SkipReason, detail = ''): void {
  const key = detail ? `${reason}:${detail}` : reason
  summary.skipped[key] = (summary.skipped[key] ?? 0) + 1
}

/** What was left out, as sentences in the given language's words, with how many of each. */
export function skippedLines(s: ImportSummary, t: Messages['transfer']): Array<{ n: number; text: string }> {
  return Object.entries(s.skipped).map(([key, n]) => {
    const at = key.indexOf(':')
    const reason = (at < 0 ? key : key.slice(0, at)) as SkipReason
    return { n, text: t.skipped[reason](at < 0 ? '' : key.slice(at + 1)) }
  })
}

/** The summary as lines of text (the command line's output). */
export function summaryLines(s: ImportSummary): string[] {
  const lines = [
    `${s.dryRun ? 'Would import' : 'Imported'}: ${s.posts} posts, ${s.comments} comments, ${s.categories} new categories, ${s.tags} tags, ${s.redirects} old addresses redirected.`,
  ]
  if (s.pages > 0) lines.push(messages('en').transfer.pagesLine(s.pages, s.dryRun))
  if (s.mentions > 0) lines.push(messages('en').transfer.mentionsLine(s.mentions, s.dryRun))
  if (s.alreadyImported > 0) lines.push(`Already imported before, left as they are: ${s.alreadyImported} posts and comments.`)
  if (s.posts === 0 && s.comments === 0 && s.alreadyImported > 0) lines.push('Nothing new to import: this file was imported already.')
  if (s.closedThreads > 0) lines.push(messages('en').transfer.closedThreads(s.closedThreads, s.dryRun))
  if (s.protectedDrafts > 0) {
    lines.push(messages('en').transfer.protectedDrafts(s.protectedDrafts))
    for (const title of s.protectedTitles) lines.push(`  ${title}`)
  }
  for (const { n, text } of skippedLines(s, messages('en').transfer)) lines.push(`Skipped ${n} × ${text}`)
  if (s.unmatched.length > 0) {
    lines.push(`Threads that match no post (${s.unmatched.length}):`)
    for (const link of s.unmatched) lines.push(`  ${link}`)
  }
  if (s.dryRun) lines.push('Dry run: nothing was written.')
  return lines
}
