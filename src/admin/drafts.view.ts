// View models of the writer's safety nets (issue 29): the offer of an autosave, the conflict page's other side,
// line diffs, preview links and the editor's notices. Templates get exactly what they show.
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Messages } from '../i18n/index.ts'
import { lineDiff } from '../lib/line-diff.ts'
import type { AdminPost } from './admin.repository.ts'
import type { PostFormValues } from './admin.schemas.ts'
import { parsePostForm } from './admin.schemas.ts'
import type { Actor } from './audit.ts'
import { findAutosave, postKey, previewLinksOf } from './drafts.repository.ts'
import type { AdminContext } from './view-models.ts'

/** Lines kept around each change; longer unchanged stretches are folded. */
const DIFF_CONTEXT = 3

export type DiffRow = { kind: 'same' | 'added' | 'removed'; text: string } | { kind: 'skip'; count: number; label: string }

/** A line diff from `before` to `after`, long unchanged stretches folded into one row that says how many lines. */
export function diffRows(before: string, after: string, t: Messages['admin']): { rows: DiffRow[]; changed: boolean } {
  const lines = lineDiff(before, after)
  const near = new Array<boolean>(lines.length).fill(false)
  lines.forEach((line, i) => {
    if (line.kind === 'same') return
    for (let k = Math.max(0, i - DIFF_CONTEXT); k <= Math.min(lines.length - 1, i + DIFF_CONTEXT); k++) near[k] = true
  })
  const rows: DiffRow[] = []
  let skipped = 0
  const flush = () => {
    if (skipped > 0) rows.push({ kind: 'skip', count: skipped, label: t.diffUnchanged(skipped) })
    skipped = 0
  }
  lines.forEach((line, i) => {
    if (line.kind === 'same' && !near[i]) {
      skipped++
      return
    }
    flush()
    rows.push(line)
  })
  flush()
  return { rows, changed: lines.some((l) => l.kind !== 'same') }
}

/** The fields of an autosave as a posted form (what parsePostForm reads). */
export function autosaveForm(row: { form: string }): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(row.form)
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Whether two forms say the same (tags and categories compared as lists, not as typed). */
function sameContent(a: PostFormValues, b: PostFormValues): boolean {
  const norm = (v: PostFormValues) =>
    JSON.stringify([
      v.title.trim(),
      v.body.replace(/\s+$/, ''),
      v.format,
      v.slug.trim(),
      v.signature.trim(),
      v.publishedAt.trim(),
      v.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      [...v.categoryIds].sort((x, y) => x - y),
    ])
  return norm(a) === norm(b)
}

/** "Unsaved changes from <date> at 14:03: restore or discard", when the writer's kept copy differs from the form. */
export async function autosaveOffer(
  app: FastifyInstance,
  context: AdminContext,
  user: Actor,
  post: AdminPost | undefined,
  values: PostFormValues,
) {
  const row = await findAutosave(app.db, user.id!, postKey(post?.id))
  if (!row) return null
  const kept = parsePostForm(autosaveForm(row), context.t, context.settings.timezone).values
  if (sameContent(kept, values)) return null
  const edit = post ? `/admin/posts/${post.id}` : '/admin/posts/new'
  return {
    label: context.t.unsavedChanges(context.fmt.dateHeader(row.saved_at), context.fmt.time(row.saved_at)),
    savedAt: row.saved_at,
    savedAtMs: Date.parse(row.saved_at),
    // Typed over a version someone has since replaced: saving it will show both.
    stale: post !== undefined && row.base_version !== post.version,
    restoreUrl: `${edit}?restore=autosave`,
    discardAction: post ? `/admin/posts/${post.id}/autosave/discard` : '/admin/posts/autosave/discard',
  }
}

/** The saved side of a conflict: the post as it is now, who saved it last and when, and what differs from the writer's. */
export async function conflictView(app: FastifyInstance, context: AdminContext, current: AdminPost, yourBody: string) {
  const [tags, categories, last] = await Promise.all([
    app.db.selectFrom('post_tags').select('name').where('post_id', '=', current.id).orderBy('position').execute(),
    app.db
      .selectFrom('post_categories as pc')
      .innerJoin('categories as c', 'c.id', 'pc.category_id')
      .select('c.name')
      .where('pc.post_id', '=', current.id)
      .orderBy('c.name')
      .orderBy('c.id')
      .execute(),
    app.db
      .selectFrom('post_revisions')
      .select(['user_name', 'created_at'])
      .where('post_id', '=', current.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ])
  const when = last?.created_at ?? current.updated_at
  return {
    title: current.title,
    body: current.body_source,
    tags: tags.map((r) => r.name).join(', '),
    categories: categories.map((r) => r.name).join(', '),
    savedBy: context.t.savedBy(last?.user_name || '?', context.fmt.dateHeader(when), context.fmt.time(when)),
    diff: diffRows(current.body_source, yourBody, context.t),
  }
}

export async function revisionCount(db: Kysely<Database>, postId: number): Promise<number> {
  const row = await db
    .selectFrom('post_revisions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function previewLinks(app: FastifyInstance, postId: number) {
  const rows = await previewLinksOf(app.db, postId)
  return rows.map((row) => ({
    id: row.id,
    url: `${app.config.siteUrl}/preview/${row.token}`,
    createdAt: row.created_at,
    revokeAction: `/admin/posts/${postId}/preview-links/${row.id}/revoke`,
  }))
}

/** The editor's notice after `?done=<what>`. */
export function doneNotices(t: Messages['admin']): Record<string, string> {
  return {
    saved: t.saved,
    restored: t.revisionRestored,
    discarded: t.autosaveDiscarded,
    previewCreated: t.previewLinkCreated,
    previewRevoked: t.previewLinkRevoked,
  }
}
