// The post editor's "send to subscribers" box: ticked by default; unticked, the newsletter channel never hears of
// the post (skipPublication), so nobody is mailed when it becomes public. Shown while mail is on and the post was
// never public (a new post, a draft, a scheduled one); the form says it showed the box
// (`newsletterShown`), so that a form without it (a page, an old tab) changes nothing.
import type { FastifyInstance } from 'fastify'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { skipPublication, unskipPublication } from '../content/publications.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { nowIso } from '../lib/time.ts'

export const CHANNEL = 'newsletter'

/** The box as the editor shows it, or null when it has no say (mail off, a page, already mailed). */
export async function newsletterBox(
  app: FastifyInstance,
  post: { id: number; kind: string; status: string; published_at: string | null } | undefined,
  kind: string,
  sent?: Record<string, unknown>,
): Promise<{ checked: boolean } | null> {
  if (!app.mail.enabled || kind !== 'post') return null
  // Public already (mailed, or published without mailing): nothing left to choose.
  if (post && isVisibleToReaders(post, nowIso())) return null
  const row = post
    ? await app.db
        .selectFrom('post_channels')
        .select('state')
        .where('channel', '=', CHANNEL)
        .where('post_id', '=', post.id)
        .executeTakeFirst()
    : undefined
  if (row && row.state !== 'skipped') return null
  // A form sent back (errors, preview) keeps what was ticked.
  if (sent?.newsletterShown === '1') return { checked: sent.newsletter === '1' }
  return { checked: row?.state !== 'skipped' }
}

/**
 * What the saved form asked, before the post can become public: an existing post's before its save, a new post's
 * in the transaction that writes it (`db`), so that no watcher can see it public without the choice.
 */
export async function applyNewsletterChoice(
  app: FastifyInstance,
  postId: number,
  body: unknown,
  db: Kysely<Database> | Transaction<Database> = app.db,
): Promise<void> {
  const sent = (body ?? {}) as Record<string, unknown>
  if (!app.mail.enabled || sent.newsletterShown !== '1') return
  if (sent.newsletter === '1') await unskipPublication(db, CHANNEL, postId)
  else await skipPublication(db, CHANNEL, postId)
}
