// GET /healthz, for load balancers, orchestrators and uptime checks: 200 `ok` when this process serves and its
// database answers a trivial query within a second; 503 with a one-word reason otherwise (`database`,
// `shutting-down`). Plain text, never cached (no-store, and declared private so that neither the page cache nor
// the HTTP validators touch it), never rate-limited, and logged only when the answer changes: a probe every few
// seconds would otherwise fill the log.
//
// Shutting down: Fastify's own answer to requests that arrive while it closes (return503OnClosing, JSON) is
// turned off in app.ts; the hook below gives the same 503 and `Connection: close` to every request, with the
// reason as plain text, so that a probe on a kept-alive connection learns why.
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'

export const HEALTH_PATH = '/healthz'
/** How long the database may take to answer `select 1` before the check says it is away. */
export const HEALTH_DB_TIMEOUT_MS = 1000

export type HealthProblem = 'database' | 'shutting-down'

/** `select 1` within the timeout; the error (or the timeout) otherwise. A late answer is dropped. */
async function databaseAnswers(app: FastifyInstance, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`no answer to select 1 within ${timeoutMs} ms`)), timeoutMs)
  })
  const query = sql`select 1`.execute(app.db).then(
    () => null,
    (err: unknown) => err,
  )
  try {
    return await Promise.race([query, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function answer(reply: FastifyReply, problem: HealthProblem | null): FastifyReply {
  return reply
    .code(problem ? 503 : 200)
    .header('cache-control', 'no-store')
    .type('text/plain; charset=utf-8')
    .send(problem ?? 'ok')
}

async function healthPlugin(app: FastifyInstance, opts: { timeoutMs?: number }) {
  const timeoutMs = opts.timeoutMs ?? HEALTH_DB_TIMEOUT_MS
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done()
    if (request.raw.httpVersionMajor < 2) reply.header('connection', 'close')
    answer(reply, 'shutting-down')
  })

  app.requestPrivacy.declarePrivatePrefix(HEALTH_PATH)
  let last: HealthProblem | null = null
  // Fastify logs requests at info: a route at warn is not logged while it succeeds.
  app.get(HEALTH_PATH, { logLevel: 'warn' }, async (_request, reply) => {
    const err = await databaseAnswers(app, timeoutMs)
    const problem = err ? 'database' : null
    if (problem !== last) {
      if (problem) app.log.warn({ err }, `health check: ${problem}`)
      else app.log.info('health check: ok again')
      last = problem
    }
    return answer(reply, problem)
  })
}

export default fp(healthPlugin, { name: 'health', dependencies: ['database', 'request-privacy'] })
