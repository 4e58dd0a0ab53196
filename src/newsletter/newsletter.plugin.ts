// Following the blog by e-mail: the subscribe form (the sidebar's subscribe block and /subscribe, which work
// without JavaScript), a new post's mail to every subscriber (the publications' `newsletter` channel), and the
// weekly digest (looked for every minute; its mails exist once a week per address whatever the instances).
// Without SMTP_URL none of it exists: no form, no route, nothing queued.
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import { CACHEABLE } from '../cache/policy.ts'
import type { BlogCadence, Database } from '../db/schema.ts'
import { isCrossSite } from '../http/cross-site.ts'
import { PublicError, renderError } from '../http/errors.ts'
import { messages, type Messages } from '../i18n/index.ts'
import { isAddress, readableAddress } from '../lib/address.ts'
import { now as clockNow, nowIso } from '../lib/time.ts'
import { CHANNEL } from './editor.ts'
import { NAME_MAX, queueDigests, queuePost, subscribeReader, type NewPost } from './newsletter.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface Newsletter {
  /** A post readers see for the first time: queue its mails in `trx` (the publication's own transaction). */
  published(trx: Db, post: NewPost): Promise<number>
  /** Queues this week's digests if their time has come (every minute; tests call it with a clock). */
  digests(now?: Date): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    newsletter: Newsletter
  }
}

const CADENCES = ['post', 'weekly'] as const satisfies readonly BlogCadence[]
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v)
const field = z.preprocess(first, z.string().catch('')).catch('')

/** What was typed, as typed (to give it back), and what it means once checked. */
function readForm(body: unknown, t: Messages['newsletter']) {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const values = {
    email: field.parse(raw.email).slice(0, 1000),
    name: field.parse(raw.name).slice(0, 1000),
    cadence: field.parse(raw.cadence) === 'weekly' ? 'weekly' : 'post',
  } as { email: string; name: string; cadence: BlogCadence }
  const email = values.email.normalize('NFC').trim()
  const name = values.name.normalize('NFC').replace(/\s+/g, ' ').trim()
  const errors: { email?: string; name?: string } = {}
  if (!isAddress(email)) errors.email = t.errEmail
  if ([...name].length > NAME_MAX) errors.name = t.errName
  return { values, errors, ok: !errors.email && !errors.name, email: readableAddress(email), name }
}

/** How often every instance looks whether the week's digest is due. */
const DIGEST_POLL_MS = 60_000

async function newsletterPlugin(app: FastifyInstance) {
  const enabled = app.mail.enabled
  const site = () => {
    const s = app.settings.get()
    return { siteUrl: app.config.siteUrl, language: s.language, blogTitle: s.title, tokens: app.mail.tokens }
  }
  const newsletter: Newsletter = {
    async published(trx, post) {
      if (!enabled) return 0
      return queuePost(trx, site(), post, nowIso())
    },
    async digests(now = clockNow()) {
      if (!enabled) return 0
      const s = app.settings.get()
      const queued = await queueDigests(app.db, site(), { now, day: s.digestDay, hour: s.digestHour, timeZone: s.timezone })
      if (queued > 0) app.mail.wake()
      return queued
    },
  }
  app.decorate('newsletter', newsletter)
  if (!enabled) return

  // A post is mailed when it first becomes public, whatever made it so (the editor, its scheduled minute, the
  // command line), and never again: neither an edit nor a withdrawal and return sends anything.
  app.publications.channel(CHANNEL, {
    async published(trx, post) {
      const queued = await newsletter.published(trx, { id: post.id, title: post.title, body_html: post.bodyHtml, url: post.url })
      if (queued > 0) app.mail.wake()
    },
    async updated() {},
    async withdrawn() {},
  })

  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    const round = () => void newsletter.digests().catch((err: unknown) => app.log.warn({ err }, 'digest round failed'))
    timer = setInterval(round, DIGEST_POLL_MS)
    timer.unref()
  })
  app.addHook('onClose', async () => clearInterval(timer))

  const siteOrigin = new URL(app.config.siteUrl).origin

  function formPage(
    reply: FastifyReply,
    opts: {
      values?: { email: string; name: string; cadence: BlogCadence }
      errors?: { email?: string; name?: string }
      formError?: string
      sent?: boolean
    },
  ) {
    const t = messages(app.settings.get().language)
    const errors = opts.errors ?? {}
    const failed = Boolean(errors.email || errors.name || opts.formError)
    const title = opts.sent ? t.newsletter.sentTitle : t.newsletter.pageTitle
    return reply.page('newsletter/subscribe', {
      title: failed ? t.errorDocumentTitle(title) : title,
      sidebar: null,
      newsletterPage: {
        sent: opts.sent ?? false,
        intro: t.newsletter.pageIntro(app.settings.get().title),
        values: opts.values ?? { email: '', name: '', cadence: 'post' },
        errors,
        formError: opts.formError ?? null,
        cadences: CADENCES.map((value) => ({ value, label: value === 'post' ? t.newsletter.cadencePost : t.newsletter.cadenceWeekly })),
      },
    })
  }

  app.get('/subscribe', { config: CACHEABLE }, async (request, reply) => {
    const sent = (request.query as Record<string, unknown> | undefined)?.sent === '1'
    return formPage(reply, { sent })
  })

  const limit = app.config.commentRateLimit
  app.post(
    '/subscribe',
    {
      // Only the blog's own pages may subscribe someone (as for comments): refused before the body is read.
      onRequest: async (request) => {
        if (isCrossSite(request, siteOrigin)) {
          const t = messages(app.settings.get().language)
          throw new PublicError(403, t.crossSiteTitle, t.crossSiteText)
        }
      },
      // The comment form's limit, counted once the body is read so that a refused request comes back as typed.
      config: limit > 0 ? { rateLimit: { max: limit, timeWindow: 60_000, hook: 'preHandler' } } : {},
      bodyLimit: 16 * 1024,
      errorHandler: async (error, request, reply) => {
        if (error.statusCode === 429 && !reply.sent) {
          const t = messages(app.settings.get().language).newsletter
          reply.code(429)
          return formPage(reply, { values: readForm(request.body, t).values, formError: t.errTooMany })
        }
        return renderError(app, error, request, reply)
      },
    },
    async (request, reply) => {
      const t = messages(app.settings.get().language).newsletter
      const form = readForm(request.body, t)
      if (!form.ok) {
        reply.code(400)
        return formPage(reply, { values: form.values, errors: form.errors })
      }
      await app.db
        .transaction()
        .execute((trx) => subscribeReader(trx, site(), { email: form.email, name: form.name, cadence: form.values.cadence, now: nowIso() }))
      app.mail.wake()
      request.log.info('blog subscription requested')
      // The same answer for every address: nobody learns from it who subscribes.
      return reply.redirect('/subscribe?sent=1', 303)
    },
  )
}

export default fp(newsletterPlugin, { name: 'newsletter', dependencies: ['mail', 'settings', 'render', 'errors', 'publications'] })
