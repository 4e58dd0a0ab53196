// Readers' reports of comments: storing one (once per comment and reporter), holding a comment that reaches the
// threshold, and what the admin's list shows. Each query takes the database or a transaction first.
import type { Kysely, Transaction } from 'kysely'
import type { Database, ReportReason } from '../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/**
 * A comment on a post, as the report form shows it: only an approved one may be reported; the thanks page also
 * follows the report that has just held its comment.
 */
export async function findReportable(db: Db, id: number, opts: { approvedOnly: boolean }) {
  let q = db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select(['c.id', 'c.author_name', 'c.body', 'p.slug', 'p.title as post_title', 'p.status as post_status', 'p.published_at', 'p.kind'])
    .where('c.id', '=', id)
  if (opts.approvedOnly) q = q.where('c.status', '=', 'approved')
  return q.executeTakeFirst()
}

export type ReportResult = { kind: 'duplicate' } | { kind: 'stored'; held: boolean; count: number }

/**
 * Stores a report unless this reporter already reported this comment. The report that brings the comment's open
 * reports to `threshold` (0: never) holds it for moderation; later ones do not hold it again once an admin
 * has put it back without dismissing them.
 */
export async function addReport(
  db: Kysely<Database>,
  report: { commentId: number; reason: ReportReason; note: string; reporter: string; now: string; threshold: number },
): Promise<ReportResult> {
  return db.transaction().execute(async (trx): Promise<ReportResult> => {
    const inserted = await trx
      .insertInto('comment_reports')
      .values({
        comment_id: report.commentId,
        reason: report.reason,
        note: report.note,
        reporter: report.reporter,
        created_at: report.now,
        resolved_at: null,
      })
      .onConflict((oc) => oc.columns(['comment_id', 'reporter']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) return { kind: 'duplicate' }
    const { n } = await trx
      .selectFrom('comment_reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('comment_id', '=', report.commentId)
      .where('resolved_at', 'is', null)
      .executeTakeFirstOrThrow()
    const count = Number(n)
    let held = false
    if (report.threshold > 0 && count === report.threshold) {
      const result = await trx
        .updateTable('comments')
        .set({ status: 'pending' })
        .where('id', '=', report.commentId)
        .where('status', '=', 'approved')
        .executeTakeFirst()
      held = Number(result.numUpdatedRows) > 0
    }
    return { kind: 'stored', held, count }
  })
}

/** Comments with open reports, most reported first, with their reports (the admin's comment list). */
export async function reportedComments(db: Db, postId: number | null, limit = 50, authorId: number | null = null) {
  let q = db
    .selectFrom('comment_reports as r')
    .innerJoin('comments as c', 'c.id', 'r.comment_id')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select([
      'c.id',
      'c.author_name',
      'c.author_email',
      'c.body',
      'c.status',
      'c.created_at',
      'p.id as post_id',
      'p.title as post_title',
      'p.slug as post_slug',
      'p.status as post_status',
      'p.published_at as post_published_at',
      'p.kind as post_kind',
    ])
    .select((eb) => [eb.fn.countAll<number>().as('reports'), eb.fn.max('r.created_at').as('last_report')])
    .where('r.resolved_at', 'is', null)
    .groupBy([
      'c.id',
      'c.author_name',
      'c.author_email',
      'c.body',
      'c.status',
      'c.created_at',
      'p.id',
      'p.title',
      'p.slug',
      'p.status',
      'p.published_at',
      'p.kind',
    ])
  if (postId !== null) q = q.where('c.post_id', '=', postId)
  if (authorId !== null) q = q.where('p.author_id', '=', authorId)
  const comments = await q.orderBy('reports', 'desc').orderBy('last_report', 'desc').limit(limit).execute()
  if (comments.length === 0) return []
  const reports = await db
    .selectFrom('comment_reports')
    .select(['comment_id', 'reason', 'note', 'created_at'])
    .where('resolved_at', 'is', null)
    .where(
      'comment_id',
      'in',
      comments.map((c) => c.id),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return comments.map((c) => ({ ...c, reports: Number(c.reports), list: reports.filter((r) => r.comment_id === c.id) }))
}

export type ReportedComment = Awaited<ReturnType<typeof reportedComments>>[number]

/** Closes a comment's open reports (an admin decided). Returns how many. */
export async function resolveReports(db: Db, commentId: number, now: string): Promise<number> {
  const result = await db
    .updateTable('comment_reports')
    .set({ resolved_at: now })
    .where('comment_id', '=', commentId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}
