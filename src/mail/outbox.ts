// Queuing mails. Every function here takes the transaction of the change that causes the mail (a comment
// stored, comments approved), so a mail exists exactly when its cause was committed: a crash between the two
// can neither lose the mail nor send one for a comment that was never stored. The sender (sender.ts) delivers.
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Database, OutboxKind, StoredComment } from '../db/schema.ts'
import type { Language } from '../config.ts'
import { messages } from '../i18n/index.ts'
import { commentPath } from '../lib/urls.ts'
import { toHtml, toText, type Block } from './compose.ts'
import type { Tokens } from './tokens.ts'

type Db = Kysely<Database> | Transaction<Database>

/** What composing a mail needs to know about the blog. */
export interface MailSite {
  siteUrl: string
  language: Language
  blogTitle: string
  tokens: Tokens
}

/** Addresses are compared, and kept, lower-cased: one person is one row however they typed it. */
export function normalizeAddress(email: string): string {
  return email.trim().toLowerCase()
}

function host(siteUrl: string): string {
  return new URL(siteUrl).hostname
}

function newMessageId(site: MailSite): string {
  return `<carnet.${randomUUID()}@${host(site.siteUrl)}>`
}

/** The Message-ID of a post's (never sent) first mail: every mail about the post answers it, so they group. */
export function threadId(site: MailSite, postId: number): string {
  return `<carnet.post-${postId}@${host(site.siteUrl)}>`
}

export function unsubscribeUrl(site: MailSite, token: string): string {
  return `${site.siteUrl}/unsubscribe/${token}`
}

export function confirmUrl(site: MailSite, token: string): string {
  return `${site.siteUrl}/mail/confirm/${token}`
}

export async function enqueue(
  db: Db,
  site: MailSite,
  mail: {
    kind: OutboxKind
    recipient: string
    subject: string
    blocks: Block[]
    postId: number | null
    commentId: number | null
    unsubscribeToken: string | null
    unsubscribeAllToken: string | null
    /** A mail that must exist once (see MailOutboxTable.dedupe_key): queued again, it is not. */
    dedupeKey?: string
    /** Bodies already written (a post's own HTML, src/newsletter/) rather than blocks. */
    bodies?: { text: string; html: string }
  },
  now: string,
): Promise<boolean> {
  const result = await db
    .insertInto('mail_outbox')
    .values({
      kind: mail.kind,
      recipient: mail.recipient,
      lang: site.language,
      subject: mail.subject,
      text_body: mail.bodies?.text ?? toText(mail.blocks),
      html_body: mail.bodies?.html ?? toHtml(mail.blocks),
      message_id: newMessageId(site),
      thread_id: mail.postId === null ? null : threadId(site, mail.postId),
      unsubscribe_token: mail.unsubscribeToken,
      unsubscribe_all_token: mail.unsubscribeAllToken,
      post_id: mail.postId,
      comment_id: mail.commentId,
      status: 'queued',
      next_attempt_at: now,
      created_at: now,
      dedupe_key: mail.dedupeKey ?? null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

export interface PostInfo {
  id: number
  title: string
}

/** The row of an address (normalised), made if it is new: one person is one row, whatever they subscribe to. */
export async function addressOf(db: Db, email: string, now: string) {
  await db
    .insertInto('mail_addresses')
    .values({ email, created_at: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute()
  return db
    .selectFrom('mail_addresses')
    .select(['id', 'confirmed_at', 'confirmation_sent_at'])
    .where('email', '=', email)
    .executeTakeFirstOrThrow()
}

/**
 * The commenter asked to hear about replies (and perhaps every new comment): remember it, and send the
 * confirmation mail if the address has not confirmed yet and was not asked within the last day.
 */
export async function subscribe(
  db: Db,
  site: MailSite,
  opts: { email: string; post: PostInfo; commentId: number; everyComment: boolean; now: string },
): Promise<void> {
  const email = normalizeAddress(opts.email)
  const address = await addressOf(db, email, opts.now)
  const kinds = [
    { kind: 'replies' as const, comment_id: opts.commentId },
    ...(opts.everyComment ? [{ kind: 'all' as const, comment_id: 0 }] : []),
  ]
  for (const k of kinds) {
    await db
      .insertInto('mail_subscriptions')
      .values({ address_id: address.id, post_id: opts.post.id, kind: k.kind, comment_id: k.comment_id, created_at: opts.now })
      .onConflict((oc) => oc.columns(['address_id', 'post_id', 'kind', 'comment_id']).doNothing())
      .execute()
  }
  if (address.confirmed_at) return
  const dayAgo = new Date(Date.parse(opts.now) - 24 * 60 * 60 * 1000).toISOString()
  if (address.confirmation_sent_at && address.confirmation_sent_at > dayAgo) return
  await db.updateTable('mail_addresses').set({ confirmation_sent_at: opts.now }).where('id', '=', address.id).execute()
  const t = messages(site.language).mail
  await enqueue(
    db,
    site,
    {
      kind: 'confirm',
      recipient: email,
      subject: t.confirmSubject(site.blogTitle),
      blocks: [
        { p: t.confirmIntro(site.blogTitle, opts.post.title) },
        { link: t.confirmAction, url: confirmUrl(site, site.tokens.sign({ kind: 'confirm', addressId: address.id })) },
        { p: t.confirmIgnore },
      ],
      postId: null,
      commentId: null,
      // Stops every subscription of this address, and so every later confirmation request made with it.
      unsubscribeToken: site.tokens.sign({ kind: 'address', addressId: address.id }),
      unsubscribeAllToken: site.tokens.sign({ kind: 'address', addressId: address.id }),
    },
    opts.now,
  )
}

/**
 * A comment readers can now see (approved at once, or by an admin): mail every confirmed address that follows
 * the post or the comment it answers, once each, never its own author, and never twice for one comment.
 */
export async function queueNotifications(db: Db, site: MailSite, comment: StoredComment, post: PostInfo, now: string): Promise<number> {
  if (comment.status !== 'approved') return 0
  const followers = await db
    .selectFrom('mail_subscriptions as s')
    .innerJoin('mail_addresses as a', 'a.id', 's.address_id')
    .select(['s.id', 's.kind', 'a.id as address_id', 'a.email'])
    .where('s.post_id', '=', comment.post_id)
    .where('a.confirmed_at', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('s.kind', '=', 'all'),
        ...(comment.parent_id !== null ? [eb.and([eb('s.kind', '=', 'replies'), eb('s.comment_id', '=', comment.parent_id)])] : []),
      ]),
    )
    .orderBy('s.id')
    .execute()
  const own = comment.author_email ? normalizeAddress(comment.author_email) : null
  const already = new Set(
    (
      await db.selectFrom('mail_outbox').select('recipient').where('comment_id', '=', comment.id).where('kind', '=', 'notify').execute()
    ).map((r) => r.recipient),
  )
  const t = messages(site.language).mail
  const link = `${site.siteUrl}${commentPath(comment.id)}`
  let queued = 0
  // A reply to one's own comment is a reply: the `replies` subscription wins over `all` for the wording.
  const byAddress = new Map<string, (typeof followers)[number]>()
  for (const f of followers) {
    const seen = byAddress.get(f.email)
    if (!seen || (seen.kind === 'all' && f.kind === 'replies')) byAddress.set(f.email, f)
  }
  for (const f of byAddress.values()) {
    if (f.email === own || already.has(f.email)) continue
    const reply = f.kind === 'replies'
    await enqueue(
      db,
      site,
      {
        kind: 'notify',
        recipient: f.email,
        subject: reply ? t.replySubject(post.title) : t.newCommentSubject(post.title),
        blocks: [
          { p: reply ? t.replyIntro(comment.author_name, post.title) : t.newCommentIntro(comment.author_name, post.title) },
          { quote: comment.body, by: comment.author_name },
          { link: t.readAndReply, url: link },
        ],
        postId: post.id,
        commentId: comment.id,
        unsubscribeToken: site.tokens.sign({ kind: 'subscription', subscriptionId: f.id }),
        unsubscribeAllToken: site.tokens.sign({ kind: 'address', addressId: f.address_id }),
      },
      now,
    )
    queued++
  }
  return queued
}

/** Admins who want to hear about this comment: held ones (`held`, `all`), or every new one (`all`). */
export async function queueAdminMails(db: Db, site: MailSite, comment: StoredComment, post: PostInfo, now: string): Promise<number> {
  const held = comment.status === 'pending'
  if (comment.status === 'spam') return 0
  const admins = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('email', 'is not', null)
    .where('notify', 'in', held ? ['held', 'all'] : ['all'])
    .orderBy('id')
    .execute()
  const t = messages(site.language).mail
  const own = comment.author_email ? normalizeAddress(comment.author_email) : null
  let queued = 0
  for (const admin of admins) {
    const email = normalizeAddress(admin.email!)
    if (email === own) continue
    const token = site.tokens.sign({ kind: 'user', userId: admin.id })
    const blocks: Block[] = [
      { p: held ? t.heldIntro(comment.author_name, post.title) : t.newCommentIntro(comment.author_name, post.title) },
      { quote: comment.body, by: comment.author_name },
      ...(comment.author_email ? [{ p: t.authorEmail(comment.author_email) }] : []),
    ]
    if (held) {
      blocks.push(
        { link: t.approveLink, url: `${site.siteUrl}/admin/comments/${comment.id}/approve` },
        { link: t.spamLink, url: `${site.siteUrl}/admin/comments/${comment.id}/spam` },
        { link: t.queueLink, url: `${site.siteUrl}/admin/comments?status=pending` },
      )
    } else {
      blocks.push({ link: t.readAndReply, url: `${site.siteUrl}${commentPath(comment.id)}` })
    }
    await enqueue(
      db,
      site,
      {
        kind: 'admin',
        recipient: email,
        subject: held ? t.heldSubject(post.title) : t.newCommentSubject(post.title),
        blocks,
        postId: post.id,
        commentId: comment.id,
        unsubscribeToken: token,
        unsubscribeAllToken: token,
      },
      now,
    )
    queued++
  }
  return queued
}

/** Comments an admin has just approved: their followers hear about them now (and only now). */
export async function queueForApproved(db: Db, site: MailSite, ids: readonly number[], now: string): Promise<number> {
  if (ids.length === 0) return 0
  const rows = await db
    .selectFrom('comments as c')
    .innerJoin('posts as p', 'p.id', 'c.post_id')
    .select(['c.id', 'c.post_id', 'c.parent_id', 'c.author_name', 'c.author_email', 'c.body', 'c.status', 'p.title'])
    .where('c.id', 'in', ids)
    .orderBy('c.id')
    .execute()
  let queued = 0
  for (const r of rows) queued += await queueNotifications(db, site, r, { id: r.post_id, title: r.title }, now)
  return queued
}

// ---- confirming and unsubscribing (the public pages) ----

export async function confirmAddress(db: Db, addressId: number, now: string): Promise<boolean> {
  const address = await db.selectFrom('mail_addresses').select(['id', 'confirmed_at']).where('id', '=', addressId).executeTakeFirst()
  if (!address) return false
  if (!address.confirmed_at) await db.updateTable('mail_addresses').set({ confirmed_at: now }).where('id', '=', addressId).execute()
  // The same link confirms a subscription to the blog that waits for it (src/newsletter/).
  await db
    .updateTable('blog_subscriptions')
    .set({ status: 'active', confirmed_at: now })
    .where('address_id', '=', addressId)
    .where('status', '=', 'pending')
    .execute()
  return true
}

/** Stops what the token names, and cancels its mails still in the queue. False: nothing to stop (already done). */
export async function unsubscribe(db: Kysely<Database>, token: string, subject: import('./tokens.ts').TokenSubject): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const cancel = trx.updateTable('mail_outbox').set({ status: 'cancelled' }).where('status', '=', 'queued')
    switch (subject.kind) {
      case 'subscription':
        await trx.deleteFrom('mail_subscriptions').where('id', '=', subject.subscriptionId).execute()
        await cancel.where('unsubscribe_token', '=', token).execute()
        break
      case 'address': {
        const address = await trx.selectFrom('mail_addresses').select('email').where('id', '=', subject.addressId).executeTakeFirst()
        await trx.deleteFrom('mail_subscriptions').where('address_id', '=', subject.addressId).execute()
        // Confirming again takes a new request and a new confirmation mail.
        await trx.updateTable('mail_addresses').set({ confirmed_at: null }).where('id', '=', subject.addressId).execute()
        await stopFollowingBlog(trx, subject.addressId)
        if (address) await cancel.where('recipient', '=', address.email).where('kind', '!=', 'admin').execute()
        break
      }
      case 'user': {
        const user = await trx.selectFrom('users').select('email').where('id', '=', subject.userId).executeTakeFirst()
        await trx.updateTable('users').set({ notify: 'none' }).where('id', '=', subject.userId).execute()
        if (user?.email) await cancel.where('recipient', '=', normalizeAddress(user.email)).where('kind', '=', 'admin').execute()
        break
      }
      case 'blog': {
        const address = await trx.selectFrom('mail_addresses').select('email').where('id', '=', subject.addressId).executeTakeFirst()
        await stopFollowingBlog(trx, subject.addressId)
        if (address) await cancel.where('recipient', '=', address.email).where('kind', 'in', ['newsletter', 'digest']).execute()
        break
      }
      case 'confirm':
        break
    }
  })
}

/** The address stops following the blog (its row stays, unsubscribed, for the admin's counts). */
async function stopFollowingBlog(db: Db, addressId: number): Promise<void> {
  await db
    .updateTable('blog_subscriptions')
    .set({ status: 'unsubscribed', unsubscribed_at: new Date().toISOString() })
    .where('address_id', '=', addressId)
    .where('status', '!=', 'unsubscribed')
    .execute()
}
