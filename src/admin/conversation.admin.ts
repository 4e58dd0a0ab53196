// The admin's conversation tools (issue 18): bans (/admin/bans), pinning a comment, and answering one from the
// moderation list as the blog's author, approving it in the same step when it waits. Every change is audited.
// The moderation list (comments.admin.ts) only shows the buttons: their forms post here.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { renderCommentBody } from '../comments/text.ts'
import type { Ban, BanKind } from '../db/schema.ts'
import { now as clockNow, nowIso } from '../lib/time.ts'
import { banValue, deleteBan, findBanById, hideCoveredComments, insertBan, listBans } from '../comments/bans.ts'
import { lastSignature } from './admin.repository.ts'
import { idParams } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { ownComment } from './comment-scope.ts'
import {
  answerForm,
  backFields,
  banPageQuery,
  cleanAnswer,
  parseBanForm,
  type Back,
  type BanFormErrors,
  type BanFormValues,
} from './conversation.schemas.ts'
import { findCommentWithPost, setPinned } from './conversation.repository.ts'
import type { AdminContext } from './view-models.ts'

const EMPTY_BAN: BanFormValues = {
  email: '',
  subaddresses: true,
  ip: '',
  network: false,
  name: '',
  actor: '',
  domain: '',
  expires: '',
  note: '',
  hide: false,
}

function queueUrl(back: Back, extra: Record<string, string> = {}, anchor = ''): string {
  const params = new URLSearchParams({
    status: back.status,
    ...(back.post !== undefined ? { post: String(back.post) } : {}),
    ...(back.page ? { page: back.page } : {}),
    ...extra,
  })
  return `/admin/comments?${params.toString()}${anchor}`
}

function banItem(ban: Ban, context: AdminContext) {
  const when = (iso: string) => `${context.fmt.commentDate(iso)} ${context.fmt.time(iso)}`
  return {
    id: ban.id,
    kind: context.t.banKinds[ban.kind] ?? ban.kind,
    shown: ban.kind === 'network' ? ban.value : ban.shown,
    // Whom an address ban covers, said beside it.
    scope: ban.kind !== 'email' ? null : ban.subaddresses === 1 ? context.t.banWithSubaddresses : context.t.banExactAddress,
    note: ban.note,
    ends: ban.expires_at ? when(ban.expires_at) : context.t.banForever,
    endsIso: ban.expires_at,
    created: when(ban.created_at),
    createdIso: ban.created_at,
    by: context.t.banBy(ban.created_by),
  }
}

export default async function conversationRoutes(app: FastifyInstance) {
  async function bansPage(reply: FastifyReply, form: { values: BanFormValues; errors: BanFormErrors }, notice: string | null) {
    const context = adminContext(app)
    const bans = await listBans(app.db)
    const active = bans.filter((b) => b.expires_at === null || b.expires_at > context.now)
    const ended = bans.filter((b) => b.expires_at !== null && b.expires_at <= context.now)
    return reply.adminPage('admin/bans', {
      heading: context.t.bans,
      values: form.values,
      errors: form.errors,
      timezone: context.settings.timezone,
      notice,
      active: active.map((b) => banItem(b, context)),
      ended: ended.map((b) => banItem(b, context)),
    })
  }

  app.get('/bans', { config: { permission: 'moderation' } }, async (request, reply) => {
    const t = adminContext(app).t
    const query = banPageQuery.parse(request.query ?? {})
    let values = EMPTY_BAN
    // "Ban" beside a comment in the moderation list: its author's address, IP and name, to keep or clear.
    if (query.comment !== undefined) {
      const comment = await findCommentWithPost(app.db, query.comment)
      if (comment && comment.user_id === null) {
        // A comment from elsewhere: its actor too (its domain is left for the admin to type: a whole instance).
        values = {
          ...EMPTY_BAN,
          email: comment.author_email ?? '',
          ip: comment.ip ?? '',
          name: comment.author_name,
          actor: comment.author_actor ?? '',
        }
      }
    }
    const n = query.n ?? 0
    const notice =
      query.done === 'added'
        ? t.bansAdded(n)
        : query.done === 'lifted'
          ? t.banLifted
          : query.done === 'hidden'
            ? t.commentsHidden(n)
            : query.done === 'gone'
              ? t.banGone
              : null
    return bansPage(reply, { values, errors: {} }, notice)
  })

  app.post('/bans', { config: { permission: 'moderation' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const context = adminContext(app)
    const form = parseBanForm(request.body, context.t, context.settings.timezone, clockNow())
    if (Object.keys(form.errors).length > 0) {
      reply.code(400)
      return bansPage(reply, { values: form.values, errors: form.errors }, null)
    }
    const { clean } = form
    const wanted: Array<[BanKind, string]> = []
    if (clean.email) wanted.push(['email', clean.email])
    if (clean.ip) wanted.push([clean.network ? 'network' : 'ip', clean.ip])
    if (clean.name) wanted.push(['name', clean.name])
    if (clean.actor) wanted.push(['actor', clean.actor])
    if (clean.domain) wanted.push(['domain', clean.domain])
    const actor = request.admin!
    const created = nowIso()
    const expires = clean.expires?.toISOString() ?? null
    let hidden = 0
    for (const [kind, shown] of wanted) {
      const value = banValue(kind, shown)! // checked by parseBanForm
      const subaddresses = kind === 'email' && clean.subaddresses ? 1 : 0
      const ban = {
        kind,
        value,
        shown,
        subaddresses,
        note: clean.note,
        expires_at: expires,
        created_at: created,
        created_by: actor.username,
      }
      const id = await insertBan(app.db, ban)
      await audit(app.db, actor, 'ban.add', `ban ${id}`, {
        kind,
        value,
        ...(kind === 'email' ? { subaddresses: subaddresses === 1 } : {}),
        ...(expires ? { expires } : {}),
      })
      if (clean.hide) {
        const ids = await hideCoveredComments(app.db, ban)
        hidden += ids.length
        await audit(app.db, actor, 'ban.hide-all', `ban ${id}`, {
          count: ids.length,
          ...(ids.length ? { comments: ids.slice(0, 50) } : {}),
        })
      }
    }
    const done = clean.hide ? `done=hidden&n=${hidden}` : `done=added&n=${wanted.length}`
    return reply.redirect(`/admin/bans?${done}`, 303)
  })

  app.post('/bans/:id/lift', { config: { permission: 'moderation' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const ban = params.success ? await findBanById(app.db, params.data.id) : undefined
    if (!ban) return reply.redirect('/admin/bans?done=gone', 303)
    await deleteBan(app.db, ban.id)
    await audit(app.db, request.admin!, 'ban.lift', `ban ${ban.id}`, { kind: ban.kind, value: ban.value })
    return reply.redirect('/admin/bans?done=lifted', 303)
  })

  app.post('/bans/:id/hide', { config: { permission: 'moderation' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const ban = params.success ? await findBanById(app.db, params.data.id) : undefined
    if (!ban) return reply.redirect('/admin/bans?done=gone', 303)
    const ids = await hideCoveredComments(app.db, ban)
    await audit(app.db, request.admin!, 'ban.hide-all', `ban ${ban.id}`, {
      count: ids.length,
      ...(ids.length ? { comments: ids.slice(0, 50) } : {}),
    })
    return reply.redirect(`/admin/bans?done=hidden&n=${ids.length}`, 303)
  })

  // ---- Pins ----

  for (const [path, pinned] of [
    ['pin', true],
    ['unpin', false],
  ] as const) {
    app.post(
      `/comments/:id/${path}`,
      { config: { permission: 'comments' }, preValidation: ownComment(app), preHandler: app.csrfProtection },
      async (request, reply) => {
        const params = idParams.safeParse(request.params)
        const back = backFields.parse(request.body ?? {})
        if (!params.success) return reply.redirect(queueUrl(back, { done: '0' }), 303)
        const changed = await setPinned(app.db, params.data.id, pinned)
        if (changed) await audit(app.db, request.admin!, `comment.${path}`, `comment ${params.data.id}`)
        return reply.redirect(queueUrl(back, { done: changed ? '1' : '0' }, `#c${params.data.id}`), 303)
      },
    )
  }

  // ---- Answers ----

  /** The page of one answer: reached without JavaScript from the list, and where an answer with errors returns. */
  async function answerPage(reply: FastifyReply, id: number, form: { body: string; error: string | null; back: Back }) {
    const context = adminContext(app)
    const comment = await findCommentWithPost(app.db, id)
    if (!comment) return reply.redirect(queueUrl(form.back, { done: '0' }), 303)
    return reply.adminPage('admin/answer', {
      heading: context.t.answerHeading(comment.author_name),
      comment: {
        id: comment.id,
        authorName: comment.author_name,
        bodyHtml: renderCommentBody(comment.body),
        pending: comment.status === 'pending',
        answerable: comment.status !== 'spam',
        postTitle: comment.post_title,
      },
      signedAs: context.t.answerAs(await answerName(comment.post_signature, reply.request.admin!.username)),
      body: form.body,
      error: form.error,
      back: form.back,
    })
  }

  /** The name an answer is published under: the post's signature, else the blog's last one, else the username. */
  async function answerName(postSignature: string, username: string): Promise<string> {
    return postSignature.trim() || (await lastSignature(app.db))?.trim() || username
  }

  app.get('/comments/:id/answer', { config: { permission: 'comments' }, preValidation: ownComment(app) }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const back = backFields.parse(request.query ?? {})
    if (!params.success) return reply.callNotFound()
    return answerPage(reply, params.data.id, { body: '', error: null, back })
  })

  app.post(
    '/comments/:id/answer',
    { config: { permission: 'comments' }, preValidation: ownComment(app), preHandler: app.csrfProtection },
    async (request, reply) => {
      const t = adminContext(app).t
      const params = idParams.safeParse(request.params)
      const back = backFields.parse(request.body ?? {})
      if (!params.success) return reply.callNotFound()
      // `answer-<id>` from the moderation list's box, `body` from the answer page.
      const fields = (request.body ?? {}) as Record<string, unknown>
      const form = answerForm.parse({ ...fields, body: fields[`answer-${params.data.id}`] ?? fields.body })
      const parent = await findCommentWithPost(app.db, params.data.id)
      if (!parent) return reply.redirect(queueUrl(back, { done: '0' }), 303)
      const answer = cleanAnswer(form.body, t)
      // A spam comment is not answered: the answer would hang under a comment readers never see.
      const error = parent.status === 'spam' ? t.answerNotHere : answer.error
      if (error) {
        reply.code(400)
        return answerPage(reply, parent.id, { body: form.body, error, back })
      }
      const actor = request.admin!
      const name = await answerName(parent.post_signature, actor.username)
      const id = await app.db.transaction().execute(async (trx) => {
        // Answering a waiting comment approves it: an answer under a hidden comment would stand alone.
        if (parent.status === 'pending') {
          await trx.updateTable('comments').set({ status: 'approved' }).where('id', '=', parent.id).execute()
          await audit(trx, actor, 'comment.approve', `comments ${parent.id}`, { count: 1 })
        }
        const row = await trx
          .insertInto('comments')
          .values({
            post_id: parent.post_id,
            parent_id: parent.id,
            author_name: name,
            author_email: null,
            author_url: null,
            body: answer.text,
            status: 'approved',
            created_at: nowIso(),
            ip: null,
            body_key: null,
            user_id: actor.id,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await audit(trx, actor, 'comment.answer', `comment ${parent.id}`, {
          answer: row.id,
          ...(parent.status === 'pending' ? { approved: true } : {}),
        })
        // The approved comment's followers, and the commenter answered, hear of it (src/mail/), in this transaction.
        await app.mail.commentsApproved(trx, parent.status === 'pending' ? [parent.id, row.id] : [row.id])
        // Answering a comment from the fediverse answers its author there too (src/fediverse/).
        await app.fediverseAnswer(trx, { id: row.id, parent_id: parent.id, user_id: actor.id })
        return row.id
      })
      app.mail.wake()
      request.log.info({ comment: parent.id, answer: id }, 'comment answered by an admin')
      return reply.redirect(queueUrl(back, { done: parent.status === 'pending' ? '2' : '1' }, `#c${parent.id}`), 303)
    },
  )
}
