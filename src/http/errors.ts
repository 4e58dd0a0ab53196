// One error handler for the whole app: people get a kind page in the blog's language, never a stack trace;
// the log gets the whole error.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
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

/** Missing pages one client may ask for in a minute (a reader following a few dead links stays far below). */
export const NOT_FOUND_PER_MINUTE = 60

async function errorsPlugin(app: FastifyInstance) {
  // A missing page is rendered in full (layout, sidebar) and never cached: throttled per address, so that a
  // scan of guessed URLs cannot keep the database busy. The refusal (429, Retry-After set by the rate limiter)
  // goes to the error handler below, the one error page. Real pages are not limited. Counted per instance, in
  // memory: it protects this instance's CPU, and a write per miss would cost more than the miss (rate-limit.ts).
  const notFoundLimit = app.rateLimit({ max: NOT_FOUND_PER_MINUTE, timeWindow: '1 minute', ...PER_INSTANCE })
  app.setNotFoundHandler({ preHandler: notFoundLimit }, async (request, reply) => {
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
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
  if (status >= 500) request.log.error({ err: error }, 'request failed')
  // A client's mistake is not ours: one info line, no stack (not under `err`, which pino prints with one).
  else request.log.info({ status, code: error.code, reason: error.message }, 'request refused')
  const t = messages(app.settings.get().language)
  let title = status >= 500 ? t.errorTitle : t.badRequestTitle
  let text = status >= 500 ? t.errorText : t.badRequestText
  if (error instanceof PublicError) [title, text] = [error.title, error.message]
  else if (status === 413) [title, text] = [t.tooLargeTitle, t.tooLargeText]
  else if (status === 429) [title, text] = [t.tooManyTitle, t.tooManyText]
  reply.code(status)
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
