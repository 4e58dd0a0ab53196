// E-mail: notifications to commenters (double opt-in) and to admins, through an outbox in the database that
// a sender delivers (sender.ts). Without SMTP_URL mail is off: nothing is queued and no page offers it, but
// the links of mails already sent (unsubscribe) keep working.
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database, StoredComment } from '../db/schema.ts'
import { isCrossSite } from '../http/cross-site.ts'
import { messages } from '../i18n/index.ts'
import { nowIso } from '../lib/time.ts'
import {
  confirmAddress,
  queueAdminMails,
  queueForApproved,
  queueNotifications,
  subscribe,
  unsubscribe,
  type MailSite,
  type PostInfo,
} from './outbox.ts'
import { createSender, type Sender } from './sender.ts'
import { mailTokens, type Tokens } from './tokens.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface NotifyChoice {
  /** Replies to this comment. */
  replies: boolean
  /** Every new comment on the post. */
  all: boolean
}

export interface Mail {
  /** SMTP_URL is set: the comment form offers notifications and mails are queued. */
  readonly enabled: boolean
  /** A comment was just stored, in `trx`: queue what it causes, in the same transaction. */
  commentStored(trx: Db, comment: StoredComment, post: PostInfo, choice: NotifyChoice): Promise<void>
  /** Comments an admin approved, in the admin's transaction: their followers hear about them now. */
  commentsApproved(trx: Db, ids: readonly number[]): Promise<void>
  /** Something was queued and committed: deliver it now rather than at the next poll. */
  wake(): void
  /** Delivers what is due and waits for it (tests, and the shutdown). */
  deliverNow(): Promise<void>
  readonly tokens: Tokens
}

declare module 'fastify' {
  interface FastifyInstance {
    mail: Mail
  }
}

const tokenParams = z.object({ token: z.string().max(100) })

/** How often the sender looks at the outbox besides the wake-ups (other processes' mails, retries). */
const POLL_MS = 5000

async function mailPlugin(app: FastifyInstance, opts: { sessionKey: Buffer }) {
  const config = app.config.mail
  const tokens = mailTokens(opts.sessionKey)
  const site = (): MailSite => {
    const s = app.settings.get()
    return { siteUrl: app.config.siteUrl, language: s.language, blogTitle: s.title, tokens }
  }

  let sender: Sender | null = null
  if (config) {
    const perMinute = () => app.settings.get().mailsPerMinute
    sender = createSender({ db: app.db, config, log: app.log.child({ module: 'mail' }), site, perMinute })
  }

  const mail: Mail = {
    enabled: config !== null,
    tokens,
    async commentStored(trx, comment, post, choice) {
      if (!config) return
      const now = nowIso()
      if ((choice.replies || choice.all) && comment.author_email) {
        await subscribe(trx, site(), { email: comment.author_email, post, commentId: comment.id, everyComment: choice.all, now })
      }
      await queueNotifications(trx, site(), comment, post, now)
      await queueAdminMails(trx, site(), comment, post, now)
    },
    async commentsApproved(trx, ids) {
      if (!config) return
      await queueForApproved(trx, site(), ids, nowIso())
    },
    wake() {
      if (sender) setImmediate(() => void sender!.run())
    },
    async deliverNow() {
      await sender?.run()
    },
  }
  app.decorate('mail', mail)

  if (sender) {
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      // Never faster than the first retry, so short retry times (tests) are honoured.
      timer = setInterval(() => void sender!.run(), Math.min(POLL_MS, Math.max(100, config!.retrySeconds * 1000)))
      timer.unref()
      void sender!.run()
    })
    app.addHook('onClose', async () => {
      clearInterval(timer)
      await sender!.close()
    })
  }

  // ---- public pages: confirm an address, unsubscribe ----
  // Personal (a token in the address): no cache keeps or validates them.
  app.requestPrivacy.declarePrivatePrefix('/mail')
  app.requestPrivacy.declarePrivatePrefix('/unsubscribe')

  /** Personal and single-use: no cache keeps these pages, no search engine lists them. */
  function page(reply: FastifyReply, status: number, heading: string, message: string, form?: { action: string; button: string }) {
    reply.code(status).header('cache-control', 'no-store').header('x-robots-tag', 'noindex')
    return reply.page('mail/page', { title: heading, heading, message, form: form ?? null, noindex: true })
  }

  const t = () => messages(app.settings.get().language).mail
  const badLink = (reply: FastifyReply) => page(reply, 404, t().badLinkTitle, t().badLinkText)

  function verified(params: unknown, kind: 'confirm' | 'unsubscribe') {
    const parsed = tokenParams.safeParse(params)
    if (!parsed.success) return null
    const subject = tokens.verify(parsed.data.token)
    if (!subject || (kind === 'confirm') !== (subject.kind === 'confirm')) return null
    return { token: parsed.data.token, subject }
  }

  app.get('/mail/confirm/:token', async (request, reply) => {
    const v = verified(request.params, 'confirm')
    if (!v) return badLink(reply)
    return page(reply, 200, t().confirmTitle, t().confirmText, { action: `/mail/confirm/${v.token}`, button: t().confirmButton })
  })

  const siteOrigin = new URL(app.config.siteUrl).origin

  // Only this blog's own page may confirm, as only its own pages may post a comment or a report: a post from
  // another site is refused, nothing confirmed, and the page offers the button that does it.
  app.post('/mail/confirm/:token', async (request, reply) => {
    const v = verified(request.params, 'confirm')
    if (!v || v.subject.kind !== 'confirm') return badLink(reply)
    if (isCrossSite(request, siteOrigin)) {
      const form = { action: `/mail/confirm/${v.token}`, button: t().confirmButton }
      return page(reply, 403, messages(app.settings.get().language).crossSiteTitle, t().confirmCrossSiteText, form)
    }
    if (!(await confirmAddress(app.db, v.subject.addressId, nowIso()))) return badLink(reply)
    request.log.info({ address: v.subject.addressId }, 'mail address confirmed')
    return page(reply, 200, t().confirmedTitle, t().confirmedText)
  })

  app.get('/unsubscribe/:token', async (request, reply) => {
    const v = verified(request.params, 'unsubscribe')
    if (!v) return badLink(reply)
    return page(reply, 200, t().unsubscribeTitle, t().unsubscribeText, { action: `/unsubscribe/${v.token}`, button: t().unsubscribeButton })
  })

  // RFC 8058: mail providers POST `List-Unsubscribe=One-Click` here, without cookies; the page's button posts
  // the same address. The signed token is the whole authority; doing it twice is harmless.
  app.post('/unsubscribe/:token', async (request, reply) => {
    const v = verified(request.params, 'unsubscribe')
    if (!v) return badLink(reply)
    await unsubscribe(app.db, v.token, v.subject)
    request.log.info({ kind: v.subject.kind }, 'unsubscribed')
    return page(reply, 200, t().unsubscribedTitle, t().unsubscribedText)
  })
}

export default fp(mailPlugin, { name: 'mail', dependencies: ['database', 'settings', 'render', 'request-privacy'] })
