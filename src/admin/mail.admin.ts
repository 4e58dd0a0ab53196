// The admin's side of e-mail: each admin's address and what to hear about (/admin/account), the outbox and a
// post's subscriptions with removal (/admin/mail), and the confirm pages the links of a "comment held" mail
// open (/admin/comments/:id/approve|spam: a GET only shows the comment and a button; the POST, with its CSRF
// token, goes to the moderation form like the queue's own buttons).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import { z } from 'zod'
import type { AdminNotify, OutboxStatus } from '../db/schema.ts'
import { messages } from '../i18n/index.ts'
import { renderCommentBody } from '../comments/text.ts'
import { isAddress, readableAddress } from '../lib/address.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { ownComment } from './comment-scope.ts'
import { loadProfile, saveProfile, type ProfileForm } from './profile.ts'
import { COUNT_CAP, findPostsForFilter, findPostTitle, shownCount } from './admin.repository.ts'
import { keyset, pageOf, parsePosition, positionParam } from './keyset.ts'

const NOTIFY = ['none', 'held', 'all'] as const satisfies readonly AdminNotify[]
const text = z.string().catch('')
const accountForm = z.object({ email: text.transform((s) => s.normalize('NFC').trim()), notify: z.enum(NOTIFY).catch('held') })
const OUTBOX_TABS = ['all', 'queued', 'failed', 'sent', 'cancelled'] as const
const PAGE_SIZE = 50
/** Posts offered when the subscriptions' post field matches several. */
const FILTER_MATCHES = 20
const mailQuery = z.object({
  post: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  status: z.enum(OUTBOX_TABS).catch('all'),
  /** What was typed in the subscriptions' post field (an id, a slug or address, words of a title). */
  find: z.string().max(500).catch('').default(''),
  page: positionParam,
  done: z.enum(['removed', 'retried']).optional().catch(undefined),
})
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

/** A status, lower-case in a table cell, as a tab's first word (French and English both capitalize so). */
const capitalized = (word: string) => word.charAt(0).toLocaleUpperCase() + word.slice(1)

export default async function mailAdminRoutes(app: FastifyInstance) {
  const mt = () => messages(app.settings.get().language).mail

  async function accountPage(
    userId: number,
    reply: FastifyReply,
    opts: {
      values?: { email: string; notify: AdminNotify }
      error?: string | null
      saved?: boolean
      status?: number
      /** The public profile's form (src/admin/profile.ts), as typed, with its errors. */
      profile?: ProfileForm
    } = {},
  ) {
    const user = await app.db.selectFrom('users').select(['email', 'notify']).where('id', '=', userId).executeTakeFirstOrThrow()
    const t = mt()
    reply.code(opts.status ?? 200)
    return reply.adminPage('admin/account', {
      heading: t.accountHeading,
      values: opts.values ?? { email: user.email ?? '', notify: user.notify },
      error: opts.error ?? null,
      notice: opts.saved ? t.accountSaved : null,
      mailOff: !app.mail.enabled,
      profile: opts.profile ?? (await loadProfile(app.db, userId)),
      choices: NOTIFY.map((value) => ({
        value,
        label: value === 'none' ? t.notifyNone : value === 'held' ? t.notifyHeld : t.notifyAllAdmin,
      })),
    })
  }

  app.get('/account', { config: { permission: 'signed-in' } }, async (request, reply) => {
    const saved = (request.query as Record<string, unknown> | undefined)?.saved === '1'
    return accountPage(request.admin!.id!, reply, { saved })
  })

  app.post('/account', { config: { permission: 'signed-in' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const form = accountForm.parse(request.body ?? {})
    // The comment form's rule (src/lib/address.ts), and stored as it stores addresses: `xn--` domains as read.
    if (form.email && !isAddress(form.email)) {
      return accountPage(request.admin!.id!, reply, { values: form, error: mt().errAccountEmail, status: 400 })
    }
    const email = form.email ? readableAddress(form.email) : null
    await app.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ email, notify: form.notify }).where('id', '=', request.admin!.id!).execute()
      // The address is the admin's own business: the log says what changed, not to what.
      await audit(trx, request.admin!, 'account.mail', request.admin!.username, { notify: form.notify, email: email ? 'set' : 'none' })
    })
    return reply.redirect('/admin/account?saved=1', 303)
  })

  // The writer's public profile: display name, page address, bio, portrait (src/admin/profile.ts).
  app.post('/account/profile', { config: { permission: 'signed-in' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const outcome = await saveProfile(app.db, request.admin!, request.body, messages(app.settings.get().language).writers)
    if (outcome.errors) return accountPage(request.admin!.id, reply, { profile: outcome.form, status: 400 })
    return reply.redirect('/admin/account?saved=1', 303)
  })

  app.get('/mail', { config: { permission: 'settings' } }, async (request, reply) => {
    const context = adminContext(app)
    const t = mt()
    const query = mailQuery.parse(request.query ?? {})
    // Paged by id (src/admin/keyset.ts); each tab counted up to COUNT_CAP.
    const at = parsePosition(query.page)
    const keys = keyset(sql.ref('id'), sql.ref('id'), 'desc', at)
    let list = app.db
      .selectFrom('mail_outbox')
      .select(['id', 'recipient', 'subject', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'])
      .orderBy('id', keys.direction)
      .limit(PAGE_SIZE + 1)
    if (keys.where) list = list.where(keys.where)
    if (query.status !== 'all') list = list.where('status', '=', query.status)
    const countUpTo = async (status: OutboxStatus | null) => {
      let inner = app.db.selectFrom('mail_outbox').select('id')
      if (status) inner = inner.where('status', '=', status)
      const row = await app.db
        .selectFrom(inner.limit(COUNT_CAP + 1).as('x'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    }
    const [rows, ...tabCounts] = await Promise.all([list.execute(), ...OUTBOX_TABS.map((s) => countUpTo(s === 'all' ? null : s))])
    const label: Record<OutboxStatus, string> = {
      queued: t.statusQueued,
      sent: t.statusSent,
      failed: t.statusFailed,
      cancelled: t.statusCancelled,
    }
    const countOf = (s: (typeof OUTBOX_TABS)[number]) => {
      const n = tabCounts[OUTBOX_TABS.indexOf(s)]!
      return shownCount(n, context.settings.language)
    }
    const tabUrl = (s: (typeof OUTBOX_TABS)[number]) => (s === 'all' ? '/admin/mail' : `/admin/mail?status=${s}`)
    const page = pageOf(
      rows,
      PAGE_SIZE,
      at,
      (r) => ({ key: String(r.id), id: r.id }),
      (position) => {
        const params = new URLSearchParams({
          ...(query.status === 'all' ? {} : { status: query.status }),
          ...(position ? { page: position } : {}),
        })
        return params.size ? `/admin/mail?${params.toString()}` : '/admin/mail'
      },
    )
    // The subscriptions' post: typed, never chosen from a list of every post (a blog may have a hundred thousand).
    const found = query.find.trim() ? await findPostsForFilter(app.db, query.find, FILTER_MATCHES + 1) : null
    if (found?.length === 1) return reply.redirect(`/admin/mail?post=${found[0]!.id}#subscriptions`, 303)
    const shown = query.post !== undefined ? await findPostTitle(app.db, query.post) : undefined
    const subscriptions =
      query.post === undefined
        ? null
        : await app.db
            .selectFrom('mail_subscriptions as s')
            .innerJoin('mail_addresses as a', 'a.id', 's.address_id')
            .select(['s.id', 's.kind', 's.comment_id', 'a.email', 'a.confirmed_at'])
            .where('s.post_id', '=', query.post)
            .orderBy('a.email')
            .orderBy('s.id')
            .execute()
    const when = (iso: string) => `${context.fmt.commentDate(iso)} ${context.fmt.time(iso)}`
    return reply.adminPage('admin/mail', {
      heading: t.outboxHeading,
      mailOff: !app.mail.enabled,
      notice: query.done === 'removed' ? t.removed : query.done === 'retried' ? t.retried : null,
      tabs: OUTBOX_TABS.map((s) => ({
        label: `${capitalized(s === 'all' ? t.statusAll : label[s])} (${countOf(s)})`,
        url: tabUrl(s),
        current: s === query.status,
      })),
      pager: page.pager,
      outbox: page.rows.map((r) => ({
        id: r.id,
        created: when(r.created_at),
        createdIso: r.created_at,
        recipient: r.recipient,
        subject: r.subject,
        status: r.status,
        statusLabel: label[r.status],
        attempts: r.attempts,
        error: r.status === 'sent' ? null : r.last_error,
      })),
      filter: {
        typed: query.find,
        current: shown?.title ?? null,
        matches: found
          ? found.slice(0, FILTER_MATCHES).map((p) => ({ title: p.title, slug: p.slug, url: `/admin/mail?post=${p.id}#subscriptions` }))
          : null,
      },
      postId: query.post ?? null,
      subscriptions:
        subscriptions?.map((s) => ({
          id: s.id,
          email: s.email,
          kind: s.kind === 'all' ? t.kindAll : t.kindReplies(s.comment_id),
          confirmed: s.confirmed_at ? t.yes : t.no,
        })) ?? null,
    })
  })

  // A mail given up on (a 5xx answer: a mailbox full, an address mistyped and since fixed on the server's side):
  // queued again, to go with the next round of the sender, its attempts counted afresh.
  app.post('/mail/:id/retry', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const retried = await app.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('mail_outbox')
        .set({ status: 'queued', attempts: 0, next_attempt_at: new Date().toISOString(), claimed_by: null, claimed_until: null })
        .where('id', '=', params.data.id)
        .where('status', '=', 'failed')
        .returning(['id', 'kind'])
        .executeTakeFirst()
      if (row) await audit(trx, request.admin!, 'mail.retry', `mail ${row.id}`, { kind: row.kind })
      return row !== undefined
    })
    if (retried) app.mail.wake()
    return reply.redirect(retried ? '/admin/mail?status=queued&done=retried' : '/admin/mail?status=failed', 303)
  })

  app.post(
    '/mail/subscriptions/:id/delete',
    { config: { permission: 'settings' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const params = idParams.safeParse(request.params)
      if (!params.success) return reply.callNotFound()
      const sub = await app.db
        .selectFrom('mail_subscriptions')
        .select(['id', 'post_id', 'kind'])
        .where('id', '=', params.data.id)
        .executeTakeFirst()
      if (!sub) return reply.redirect('/admin/mail', 303)
      await app.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mail_subscriptions').where('id', '=', sub.id).execute()
        await audit(trx, request.admin!, 'subscription.delete', `subscription ${sub.id}`, { post: sub.post_id, kind: sub.kind })
      })
      return reply.redirect(`/admin/mail?post=${sub.post_id}&done=removed`, 303)
    },
  )

  // The "approve" and "mark as spam" links of a held-comment mail.
  for (const verb of ['approve', 'spam'] as const) {
    app.get(`/comments/:id/${verb}`, { config: { permission: 'comments' }, preValidation: ownComment(app) }, (request, reply) =>
      moderatePage(request, reply, verb),
    )
  }

  async function moderatePage(request: FastifyRequest, reply: FastifyReply, verb: 'approve' | 'spam') {
    const parsed = idParams.safeParse(request.params)
    if (!parsed.success) return reply.callNotFound()
    const params = { data: { id: parsed.data.id, action: verb } }
    const context = adminContext(app)
    const comment = await app.db
      .selectFrom('comments as c')
      .innerJoin('posts as p', 'p.id', 'c.post_id')
      .select(['c.id', 'c.author_name', 'c.body', 'c.status', 'c.created_at', 'p.title'])
      .where('c.id', '=', params.data.id)
      .executeTakeFirst()
    const action = params.data.action === 'approve' ? context.t.approve : context.t.markSpam
    if (!comment) reply.code(404)
    return reply.adminPage('admin/moderate', {
      heading: action,
      action: params.data.action,
      actionLabel: action,
      gone: !comment,
      comment: comment
        ? {
            id: comment.id,
            authorName: comment.author_name,
            postTitle: comment.title,
            bodyHtml: renderCommentBody(comment.body),
            date: `${context.fmt.commentDate(comment.created_at)} ${context.fmt.time(comment.created_at)}`,
            status: comment.status,
          }
        : null,
    })
  }
}
