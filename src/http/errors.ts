// One error handler for the whole app: people get a kind page in the blog's language, never a stack trace;
// the log gets the whole error.
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { messages } from '../i18n/index.ts'
import { escapeHtml } from '../lib/html.ts'
import { PER_INSTANCE } from './rate-limit.ts'

/**
 * A refusal whose title and text are for people, already in the blog's language (a closed thread, a cross-site
 * post): the error handler shows them as they are, with the status.
 */
export class PublicError extends Error {
  constructor(
    readonly statusCode: number,
    readonly title: string,
    text: string,
  ) {
    super(text)
  }
}

/** Seconds people are asked to wait when the database is unavailable (Retry-After). */
export const RETRY_AFTER_UNAVAILABLE = 30

/**
 * What is logged while the database is unavailable (issue 30): one error line when it goes away, with the cause
 * (the driver's code and message: no stack, there is nothing of ours in it); then at most one line a minute while
 * it stays away, with how many requests failed; then one line when it is back.
 *
 * A database that comes and goes (its connections exhausted: a request that gets one succeeds, the next fails)
 * is one trouble, not two lines a request: a failure less than a minute after "available again" is said only if
 * it lasts (SETTLE_MS with no request succeeding) or at the next minute's line, and its end is then said too.
 */
export class OutageLog {
  static readonly REMIND_EVERY_MS = 60_000
  /** How long a failure that comes back within the minute must last, with no request succeeding, to be said. */
  static readonly SETTLE_MS = 5_000
  /** When the current outage began (its first failure), or null while the database works. */
  #since: number | null = null
  /** Whether the current outage has been logged (and so its end will be). */
  #said = false
  #lastLine = -Infinity
  #lastBack = -Infinity
  /** Requests failed since the last line. */
  #failures = 0
  /** Requests that met a failure, whatever they answered: their answer proves no recovery. */
  readonly #failedRequests = new WeakSet<object>()

  get ongoing(): boolean {
    return this.#since !== null
  }

  /** A request (or, without one, whoever holds `log`) found the database unavailable. */
  failed(from: FastifyRequest | FastifyBaseLogger, err: unknown, now = Date.now()): void {
    const request = 'raw' in from ? from : undefined
    if (request) this.#failedRequests.add(request)
    const log = request ? request.log : (from as FastifyBaseLogger)
    this.#failures++
    if (this.#since === null) {
      this.#since = now
      this.#said = false
      if (now - this.#lastBack >= OutageLog.REMIND_EVERY_MS) {
        // More than one failure since the last line: the failures of brief troubles not said (see above).
        const failed = this.#failures > 1 ? { failedRequests: this.#failures } : {}
        this.#say(log, now, { cause: causeOf(err), ...failed }, 'database unavailable: answering 503 with Retry-After until it is back')
      }
      return
    }
    if (!this.#said && (now - this.#since >= OutageLog.SETTLE_MS || now - this.#lastLine >= OutageLog.REMIND_EVERY_MS)) {
      this.#say(
        log,
        now,
        { cause: causeOf(err), failedRequests: this.#failures, sinceBack: Math.round((now - this.#lastBack) / 1000) },
        'database unavailable again: answering 503 with Retry-After until it is back',
      )
    } else if (this.#said && now - this.#lastLine >= OutageLog.REMIND_EVERY_MS) {
      this.#say(
        log,
        now,
        { cause: causeOf(err), failedRequests: this.#failures, seconds: Math.round((now - this.#since) / 1000) },
        'database still unavailable',
      )
    }
  }

  /** A request used the database again (its answer came from it). */
  recovered(from: FastifyRequest | FastifyBaseLogger, now = Date.now()): void {
    if (this.#since === null || ('raw' in from && this.#failedRequests.has(from))) return
    const log = 'raw' in from ? from.log : from
    if (this.#said) {
      log.info({ seconds: Math.round((now - this.#since) / 1000), failedRequests: this.#failures }, 'database available again')
      this.#lastLine = this.#lastBack = now
      this.#failures = 0
    }
    this.#since = null
  }

  #say(log: FastifyBaseLogger, now: number, fields: object, message: string): void {
    log.error(fields, message)
    this.#said = true
    this.#lastLine = now
    this.#failures = 0
  }
}

/** What a log line says of a database error: its code and message, and its cause's (Kysely, pg-pool wrap them). */
function causeOf(err: unknown): { code?: string; message: string } {
  let error = err
  for (let depth = 0; depth < 4; depth++) {
    const { code, message, cause } = (error ?? {}) as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof code === 'string' || cause === undefined) {
      return { ...(typeof code === 'string' ? { code } : {}), message: typeof message === 'string' ? message : String(error) }
    }
    error = cause
  }
  return { message: String(err) }
}

/**
 * Asked, in order, before a missing page is answered 404: a feature that knows where an old address went (an
 * imported blog's WordPress links) returns the path to redirect to (301), or undefined.
 */
export type NotFoundRedirect = (request: FastifyRequest) => Promise<string | undefined>

declare module 'fastify' {
  interface FastifyInstance {
    /** Features add their old-address lookups here (see NotFoundRedirect); real routes always win. */
    notFoundRedirects: NotFoundRedirect[]
    /** Logs database outages once (src/http/errors.ts); features that catch such errors report them here. */
    databaseOutage: OutageLog
  }
}

/** Missing pages one client may ask for in a minute (a reader following a few dead links stays far below). */
export const NOT_FOUND_PER_MINUTE = 60

async function errorsPlugin(app: FastifyInstance) {
  const outage = new OutageLog()
  app.decorate('databaseOutage', outage)
  // The first answer built from the database after an outage (a page-cache hit proves nothing) ends it.
  app.addHook('onResponse', (request, reply, done) => {
    if (outage.ongoing && reply.statusCode < 500 && reply.getHeader('x-page-cache') !== 'hit') outage.recovered(request)
    done()
  })

  // A missing page is rendered in full (layout, sidebar) and never cached: throttled per address, so that a
  // scan of guessed URLs cannot keep the database busy. The refusal (429, Retry-After set by the rate limiter)
  // goes to the error handler below, the one error page. Real pages are not limited. Counted per instance, in
  // memory: it protects this instance's CPU, and a write per miss would cost more than the miss (rate-limit.ts).
  const notFoundLimit = app.rateLimit({ max: NOT_FOUND_PER_MINUTE, timeWindow: '1 minute', ...PER_INSTANCE })
  app.decorate('notFoundRedirects', [] as NotFoundRedirect[])
  app.setNotFoundHandler(async (request, reply) => {
    // Old addresses first, outside the limit: a crawler re-checking a moved blog follows hundreds of 301s a
    // minute, each one indexed lookup and no page. Only what is really missing is counted.
    if (request.method === 'GET' || request.method === 'HEAD') {
      for (const lookup of app.notFoundRedirects) {
        const to = await lookup(request)
        if (to) return reply.redirect(to, 301)
      }
    }
    await notFoundLimit.call(app, request, reply)
    const t = messages(app.settings.get().language)
    reply.code(404)
    return reply.page('errors/404', { title: t.notFoundTitle, noindex: true })
  })

  app.setErrorHandler((error: FastifyError, request, reply) => renderError(app, error, request, reply))
}

/**
 * Logs the error and answers with a page in the blog's language. Also used for malformed requests (see
 * `renderFrameworkError`), whose reply is a bare one: no decorators, no hooks. So everything here goes through
 * the app (`app.renderPage`), never through `reply.page`.
 */
export async function renderError(app: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const unavailable = isDatabaseUnavailable(error)
  // The client hung up (mid-body, say): nobody to answer, nothing wrong here. A debug line, no page.
  if (!unavailable && request.raw.aborted) {
    request.log.debug({ code: error.code, reason: error.message }, 'request aborted by the client')
    return reply.code(400).send()
  }
  const status = unavailable
    ? 503
    : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
      ? error.statusCode
      : 500
  if (unavailable) app.databaseOutage.failed(request, error)
  else if (status >= 500) request.log.error({ err: error }, 'request failed')
  // A client's mistake is not ours: one info line, no stack (not under `err`, which pino prints with one).
  else request.log.info({ status, code: error.code, reason: error.message }, 'request refused')
  const t = messages(app.settings.get().language)
  let title = status >= 500 ? t.errorTitle : t.badRequestTitle
  let text = status >= 500 ? t.errorText : t.badRequestText
  if (error instanceof PublicError) [title, text] = [error.title, error.message]
  else if (status === 413) [title, text] = [t.tooLargeTitle, t.tooLargeText]
  else if (status === 429) [title, text] = [t.tooManyTitle, t.tooManyText]
  else if (unavailable) [title, text] = [t.unavailableTitle, t.unavailableText]
  reply.code(status)
  if (unavailable) reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE))
  const headers = (error as FastifyError & { headers?: Record<string, string> }).headers
  if (headers) reply.headers(headers)
  try {
    // No sidebar: the database may be what failed.
    const html = await app.renderPage(request, 'errors/error', { title, message: text, status, sidebar: null, noindex: true })
    return reply.type('text/html; charset=utf-8').send(html)
  } catch (pageError) {
    request.log.error({ err: pageError }, 'error page failed to render')
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
          `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="/">${escapeHtml(t.backHome)}</a></p></body></html>`,
      )
  }
}

/**
 * Fastify's `frameworkErrors` option: a URL the router cannot take (bad percent-encoding, a path parameter over
 * `maxParamLength`) is answered before routing, with a plain Reply that has run no onRequest hook. The security
 * headers are set here, then the one error handler shows the usual page (400 or 414, logged at info level).
 */
export function renderFrameworkError(app: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(app.securityHeaders)
  void renderError(app, error, request, reply)
}

// After @fastify/rate-limit: the 404 handler is rate-limited (app.rateLimit).
export default fp(errorsPlugin, { name: 'errors', dependencies: ['render', '@fastify/rate-limit'] })
