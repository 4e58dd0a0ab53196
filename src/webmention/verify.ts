// Verifying a received webmention (W3C Webmention §3.2.2), as a job: fetch the source (outboundFetch: 10 s, 1 MB,
// no private address unless OUTBOUND_ALLOW_PRIVATE, redirects followed and each checked), check that it links to
// the target, read what it is (src/webmention/source.ts), and make it a comment or a reaction through the one
// path every remote comment takes (src/comments/remote.ts). A source verified again that changed is updated
// (same source, same comment); one that is gone (404, 410) or no longer links is removed. Network errors and 5xx
// answers are thrown: the job is retried with its backoff.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ReactionKind, WebmentionResult, WebmentionsTable } from '../db/schema.ts'
import type { Selectable } from 'kysely'
import { receiveRemoteComment, recordReaction, removeRemoteComment } from '../comments/remote.ts'
import { outboundFetch, OutboundRefused } from '../lib/outbound.ts'
import { nowIso } from '../lib/time.ts'
import { comparableUrl, readSource } from './source.ts'
import { commentIdIn } from './target.ts'

export const VERIFY_JOB = 'webmention-verify'
export const FETCH_TIMEOUT_MS = 10_000
export const FETCH_MAX_BYTES = 1024 * 1024

const payloadSchema = z.object({ id: z.number().int().positive() })
type Row = Selectable<WebmentionsTable>

/** What the source was made here before: taken back, all of it (a reply turned like, a mention gone). */
async function forget(app: FastifyInstance, row: Row, keep?: ReactionKind | 'reply'): Promise<void> {
  if (keep !== 'reply') {
    const comment = await app.db
      .selectFrom('comments')
      .select('id')
      .where('post_id', '=', row.post_id)
      .where('origin', '=', 'webmention')
      .where('origin_url', '=', row.source)
      .executeTakeFirst()
    if (comment) await removeRemoteComment(app, row.source)
  }
  // Scoped to this post: the same source may mention another of our posts, still linked.
  let reactions = app.db
    .deleteFrom('reactions')
    .where('post_id', '=', row.post_id)
    .where('origin', '=', 'webmention')
    .where('source_url', '=', row.source)
  if (keep && keep !== 'reply') reactions = reactions.where('kind', '!=', keep)
  await reactions.execute()
}

async function settle(
  app: FastifyInstance,
  row: Row,
  state: 'accepted' | 'refused',
  result: WebmentionResult,
  detail: string | null,
  authorName: string | null = null,
) {
  await app.db
    .updateTable('webmentions')
    .set({ state, result, detail, author_name: authorName, checked_at: nowIso() })
    .where('id', '=', row.id)
    .execute()
}

/**
 * The comment of ours a reply answers: the target itself when it is a comment's address (/comment/<id>), else
 * the first of its in-reply-to addresses that names one of this post's comments (/comment/<id>, #comment-<id>).
 */
async function parentOf(app: FastifyInstance, row: Row, inReplyTo: string[]): Promise<number | null> {
  for (const url of [row.target, ...inReplyTo]) {
    const id = commentIdIn(app, url)
    if (id === null) continue
    const comment = await app.db.selectFrom('comments').select('post_id').where('id', '=', id).executeTakeFirst()
    if (comment?.post_id === row.post_id) return id
  }
  return null
}

export async function verifyWebmention(app: FastifyInstance, payload: unknown): Promise<void> {
  const { id } = payloadSchema.parse(payload)
  // Gone with its post (or never there): nothing to do.
  const row = await app.db.selectFrom('webmentions').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) return

  let page: Awaited<ReturnType<typeof outboundFetch>>
  try {
    page = await outboundFetch(row.source, {
      allowPrivate: app.config.outboundAllowPrivate,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxBytes: FETCH_MAX_BYTES,
      headers: { accept: 'text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5' },
    })
  } catch (err) {
    // A private address, too big, too slow, not http(s): refused for good (what it had made is taken back).
    if (err instanceof OutboundRefused) {
      await forget(app, row)
      await settle(app, row, 'refused', 'refused-fetch', err.message)
      return
    }
    await app.db
      .updateTable('webmentions')
      .set({ detail: errorText(err), checked_at: nowIso() })
      .where('id', '=', id)
      .execute()
    throw err
  }
  if (page.status >= 500 || page.status === 429) {
    await app.db
      .updateTable('webmentions')
      .set({ detail: `HTTP ${page.status}`, checked_at: nowIso() })
      .where('id', '=', id)
      .execute()
    throw new Error(`source answered ${page.status}`)
  }
  if (page.status >= 400) {
    // 404 and 410 are the spec's deletion; any other refusal is no link either.
    await forget(app, row)
    await settle(app, row, 'refused', page.status === 404 || page.status === 410 ? 'gone' : 'refused-fetch', `HTTP ${page.status}`)
    return
  }

  const type = (page.headers.get('content-type') ?? '').toLowerCase()
  const body = page.text()
  const target = comparableUrl(row.target) ?? row.target
  const isHtml = type.includes('html') || type === ''
  const reading = isHtml
    ? readSource(body, page.url, target)
    : // Plain text and other documents: the target's address written in them.
      {
        linksToTarget: body.includes(target),
        kind: 'mention' as const,
        inReplyTo: [],
        author: null,
        text: '',
        permalink: null,
        published: null,
      }
  if (!reading.linksToTarget) {
    await forget(app, row)
    await settle(app, row, 'refused', 'no-link', null)
    return
  }

  const sourceHost = new URL(row.source).host
  const author = { name: reading.author?.name || sourceHost, url: reading.author?.url ?? null }
  if (reading.kind === 'reply') {
    await forget(app, row, 'reply')
    const answer = await receiveRemoteComment(app, {
      postId: row.post_id,
      parentId: await parentOf(app, row, reading.inReplyTo),
      origin: 'webmention',
      originUrl: row.source,
      permalink: reading.permalink ?? row.source,
      author: { name: author.name, url: author.url, actor: author.url, handle: null },
      text: reading.text || row.source,
      ...(reading.published ? { publishedAt: reading.published } : {}),
    })
    if (answer.kind === 'refused') await settle(app, row, 'refused', 'comment-refused', answer.reason, author.name)
    else await settle(app, row, 'accepted', 'reply', null, author.name)
    return
  }
  await forget(app, row, reading.kind)
  await recordReaction(app, {
    postId: row.post_id,
    origin: 'webmention',
    kind: reading.kind,
    sourceUrl: row.source,
    author: { name: author.name, url: author.url, actor: author.url },
  })
  await settle(app, row, 'accepted', reading.kind, null, author.name)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
