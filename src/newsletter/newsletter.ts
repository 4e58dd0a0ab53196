// Readers who follow the blog by e-mail: one more kind of subscription on the comment notifications' machinery.
// The address and its double opt-in are mail_addresses' (one confirmation link confirms both), the mails go
// through the outbox and its sender (src/mail/), and each mail carries a key (`dedupe_key`) that makes it exist
// once: a post's mail to one address, one week's digest to one address, whichever instance queues it and however
// often (a post published, withdrawn and published again is not mailed again).
import type { Kysely, Transaction } from 'kysely'
import type { BlogCadence, Database } from '../db/schema.ts'
import { existing } from '../db/in-list.ts'
import { listedToReaders } from '../content/visibility.ts'
import { messages } from '../i18n/index.ts'
import { escapeHtml } from '../lib/html.ts'
import { postPath } from '../lib/urls.ts'
import { nowIso as clockIso, zonedParts, zonedTimeToUtc } from '../lib/time.ts'
import { addressOf, confirmUrl, enqueue, normalizeAddress, type MailSite } from '../mail/outbox.ts'
import { htmlToText, mailSafeHtml } from './mail-html.ts'

type Db = Kysely<Database> | Transaction<Database>

export const NAME_MAX = 100

/** What a new post's mail needs (a subset of the publications module's PublishedPost). */
export interface NewPost {
  id: number
  title: string
  body_html: string
  /** Absolute. */
  url: string
}

/**
 * A reader asked to follow the blog. The answer is the same whatever happens here (nobody learns who
 * subscribes): a new or unsubscribed address gets a confirmation mail (at most one a day), a waiting one its
 * choice updated, a confirmed one nothing at all (neither a mail nor a change someone else could make for it).
 */
export async function subscribeReader(
  db: Db,
  site: MailSite,
  opts: { email: string; name: string; cadence: BlogCadence; now: string },
): Promise<void> {
  const email = normalizeAddress(opts.email)
  const address = await addressOf(db, email, opts.now)
  const existing = await db
    .selectFrom('blog_subscriptions')
    .select(['id', 'status', 'bounced_at'])
    .where('address_id', '=', address.id)
    .executeTakeFirst()
  if (existing?.status === 'active' && !existing.bounced_at) return
  const values = { name: opts.name, cadence: opts.cadence, status: 'pending' as const, source: 'form' as const }
  if (existing) {
    await db
      .updateTable('blog_subscriptions')
      .set({ ...values, confirmed_at: null, unsubscribed_at: null, bounced_at: null })
      .where('id', '=', existing.id)
      .execute()
  } else {
    await db
      .insertInto('blog_subscriptions')
      .values({ ...values, address_id: address.id, created_at: opts.now })
      .execute()
  }
  const dayAgo = new Date(Date.parse(opts.now) - 24 * 60 * 60 * 1000).toISOString()
  if (address.confirmation_sent_at && address.confirmation_sent_at > dayAgo) return
  await db.updateTable('mail_addresses').set({ confirmation_sent_at: opts.now }).where('id', '=', address.id).execute()
  const t = messages(site.language)
  await enqueue(
    db,
    site,
    {
      kind: 'confirm',
      recipient: email,
      subject: t.newsletter.confirmSubject(site.blogTitle),
      blocks: [
        { p: t.newsletter.confirmIntro(site.blogTitle) },
        { link: t.mail.confirmAction, url: confirmUrl(site, site.tokens.sign({ kind: 'confirm', addressId: address.id })) },
        { p: t.mail.confirmIgnore },
      ],
      postId: null,
      commentId: null,
      unsubscribeToken: site.tokens.sign({ kind: 'address', addressId: address.id }),
      unsubscribeAllToken: site.tokens.sign({ kind: 'address', addressId: address.id }),
      // Also tells the sender whose confirmation it is (its footer speaks of the blog, not of comments).
      dedupeKey: `${BLOG_CONFIRM}${address.id}:${opts.now}`,
    },
    opts.now,
  )
}

/** The key prefix of a blog subscription's confirmation mail (see subscribeReader). */
export const BLOG_CONFIRM = 'blog-confirm:'

/**
 * Confirmed subscribers (their subscription's own state: confirmed by its link, or imported as confirmed) who take
 * this cadence and whose address the server has not refused.
 */
function subscribers(db: Db, cadence: BlogCadence) {
  return db
    .selectFrom('blog_subscriptions as b')
    .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
    .select(['a.id as address_id', 'a.email', 'b.confirmed_at'])
    .where('b.status', '=', 'active')
    .where('b.cadence', '=', cadence)
    .where('b.bounced_at', 'is', null)
}

/** The mail of a new post: its text made mail-safe, and the way back to the blog. */
export function postMail(site: MailSite, post: NewPost): { subject: string; text: string; html: string } {
  const t = messages(site.language).newsletter
  const body = mailSafeHtml(post.body_html, { site: site.siteUrl, page: post.url })
  const link = escapeHtml(post.url)
  const html = [
    `<h1 style="font-size:1.5em;line-height:1.2"><a href="${link}" style="color:inherit">${escapeHtml(post.title)}</a></h1>`,
    body,
    `<p style="margin-top:2em"><a href="${link}">${escapeHtml(t.readOnBlog)}</a></p>`,
  ].join('\n')
  const text = `${post.title}\n\n${htmlToText(body)}\n\n${t.readOnBlogLine(post.url)}`
  return { subject: post.title, text, html }
}

/**
 * A post readers can now see for the first time: one mail to each confirmed subscriber who takes every post,
 * in the caller's transaction (the publication's record), so that a crash loses none and no mail exists twice.
 */
export async function queuePost(db: Db, site: MailSite, post: NewPost, now: string): Promise<number> {
  const mail = postMail(site, post)
  let queued = 0
  for (const s of await subscribers(db, 'post').orderBy('b.id').execute()) {
    const token = site.tokens.sign({ kind: 'blog', addressId: s.address_id })
    const added = await enqueue(
      db,
      site,
      {
        kind: 'newsletter',
        recipient: s.email,
        subject: mail.subject,
        blocks: [],
        bodies: { text: mail.text, html: mail.html },
        postId: post.id,
        commentId: null,
        unsubscribeToken: token,
        unsubscribeAllToken: token,
        dedupeKey: `newsletter:${post.id}:${s.email}`,
      },
      now,
    )
    if (added) queued++
  }
  return queued
}

// ---- the weekly digest ----

/** The latest digest time at or before `now`: `day` (0 Sunday) at `hour`:00 in the blog's zone. */
export function lastDigestTime(now: Date, day: number, hour: number, timeZone: string): Date {
  const today = zonedParts(now, timeZone)
  const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay()
  for (const back of [(weekday - day + 7) % 7, ((weekday - day + 7) % 7) + 7]) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day - back))
    const at = zonedTimeToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, 0, timeZone)
    if (at.getTime() <= now.getTime()) return at
  }
  throw new Error('unreachable')
}

/** ISO 8601 week of a calendar day, as `2026-W49`. */
export function isoWeek(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day))
  const weekday = d.getUTCDay() || 7
  d.setUTCDate(d.getUTCDate() + 4 - weekday)
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7)
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/**
 * The digest of the week that ended at the last digest time: the posts published in the seven days before it,
 * mailed once to each weekly subscriber confirmed by then (the key names the week); nothing for an empty week.
 * Called every minute by every instance: after the first call of the week, the others find every mail queued.
 */
export async function queueDigests(
  db: Kysely<Database>,
  site: MailSite,
  opts: { now: Date; day: number; hour: number; timeZone: string },
): Promise<number> {
  const end = lastDigestTime(opts.now, opts.day, opts.hour, opts.timeZone)
  const start = new Date(end.getTime() - 7 * 86_400_000)
  const local = zonedParts(end, opts.timeZone)
  const week = isoWeek(local.year, local.month, local.day)
  const nowIso = opts.now.toISOString()
  const weekly = await subscribers(db, 'weekly').where('b.confirmed_at', '<=', end.toISOString()).orderBy('b.id').execute()
  // The ones whose digest is queued already (by an earlier minute, or another instance) are looked for, not queued
  // again: on PostgreSQL an insert that conflicts still moves the data version, and every instance would drop its
  // caches every minute of the week (src/jobs/jobs.ts).
  const keyOf = (email: string) => `digest:${week}:${email}`
  const done = await existing(
    weekly.map((r) => keyOf(r.email)),
    async (keys) =>
      (await db.selectFrom('mail_outbox').select('dedupe_key').where('dedupe_key', 'in', keys).execute()).map((r) => r.dedupe_key!),
  )
  const recipients = weekly.filter((r) => !done.has(keyOf(r.email)))
  if (recipients.length === 0) return 0
  const posts = await db
    .selectFrom('posts as p')
    .select(['p.id', 'p.slug', 'p.title', 'p.excerpt', 'p.published_at', 'p.kind'])
    .where((eb) => listedToReaders(eb, nowIso))
    .where('p.kind', '=', 'post')
    .where('p.published_at', '>', start.toISOString())
    .where('p.published_at', '<=', end.toISOString())
    // Published without mailing (the editor's box): not in the digest either.
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('post_channels as c')
            .select('c.post_id')
            .whereRef('c.post_id', '=', 'p.id')
            .where('c.channel', '=', 'newsletter')
            .where('c.state', '=', 'skipped'),
        ),
      ),
    )
    .orderBy('p.published_at')
    .orderBy('p.id')
    .execute()
  if (posts.length === 0) return 0
  const t = messages(site.language).newsletter
  const items = posts.map((p) => ({ ...p, url: `${site.siteUrl}${postPath(p, opts.timeZone)}` }))
  const html = [
    `<p>${escapeHtml(t.digestIntro(site.blogTitle))}</p>`,
    ...items.map(
      (p) =>
        `<h2 style="font-size:1.2em;margin-bottom:0.25em"><a href="${escapeHtml(p.url)}">${escapeHtml(p.title)}</a></h2>` +
        (p.excerpt ? `\n<p style="margin-top:0">${escapeHtml(p.excerpt)}</p>` : ''),
    ),
  ].join('\n')
  const text = [t.digestIntro(site.blogTitle), ...items.map((p) => [p.title, p.excerpt, p.url].filter(Boolean).join('\n'))].join('\n\n')
  let queued = 0
  for (const r of recipients) {
    const token = site.tokens.sign({ kind: 'blog', addressId: r.address_id })
    const added = await enqueue(
      db,
      site,
      {
        kind: 'digest',
        recipient: r.email,
        subject: t.digestSubject(site.blogTitle, items.length),
        blocks: [],
        bodies: { text, html },
        postId: null,
        commentId: null,
        unsubscribeToken: token,
        unsubscribeAllToken: token,
        dedupeKey: keyOf(r.email),
      },
      // Due now, whatever instant the schedule was computed for.
      clockIso(),
    )
    if (added) queued++
  }
  return queued
}
