// Sign-in and sign-out. Any failure gets the same message. Attempts are limited per IP (rate-limit, counted in
// the database: shared by instances) and per username (login_failures table: shared by instances, kept across restarts), so that
// neither one address trying many names nor many addresses trying one name gets far.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { messages } from '../i18n/index.ts'
import { clearLoginFailures, recentLoginFailures, recordLoginFailure, revokeSession } from './admin.repository.ts'
import { loginForm } from './admin.schemas.ts'
import { safeNext } from './http.ts'
import { audit } from './audit.ts'
import { isRole } from './permissions.ts'
import { resumePendingSave } from './drafts.admin.ts'
import { letRefusalWriteSession, SESSION_MAX_AGE_MS, startSession } from './session.ts'
import { decoyHash, verifyPassword } from './password.ts'
import { findUserByUsername, normalizeUsername } from './users.ts'

export const LOGIN_WINDOW_MS = 15 * 60 * 1000
/** Failed attempts per username within the window before sign-in is refused for that name. */
export const LOGIN_MAX_FAILURES = 5
/** Attempts per IP address within the window. */
export const LOGIN_MAX_PER_IP = 20

export default async function authRoutes(app: FastifyInstance) {
  const t = () => messages(app.settings.get().language).admin

  app.get('/login', { config: { public: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    if (request.admin) return reply.redirect(safeNext(query.next), 303)
    return reply.adminPage('admin/login', {
      heading: t().loginTitle,
      next: safeNext(query.next),
      username: '',
      notice: query.out === '1' ? t().signedOut : query.welcome === '1' ? messages(app.settings.get().language).writers.welcome : null,
      error: null,
      resume: null,
    })
  })

  app.post(
    '/login',
    {
      config: { public: true, rateLimit: { max: LOGIN_MAX_PER_IP, timeWindow: LOGIN_WINDOW_MS } },
      preHandler: app.csrfProtection,
    },
    async (request, reply) => {
      const form = loginForm.parse(request.body ?? {})
      const username = normalizeUsername(form.username)
      const next = safeNext(form.next)
      const fail = (status: number, error: string) =>
        reply.code(status).adminPage('admin/login', {
          heading: t().loginTitle,
          next,
          username: form.username,
          // A held save waits for the next attempt.
          notice: form.resume ? t().sessionExpiredKept : null,
          error,
          resume: form.resume || null,
        })

      const now = Date.now()
      const since = new Date(now - LOGIN_WINDOW_MS).toISOString()
      if ((await recentLoginFailures(app.db, username, since)) >= LOGIN_MAX_FAILURES) {
        request.log.warn({ username }, 'sign-in refused: too many failures for this username')
        return fail(429, t().loginLocked)
      }
      const user = username ? await findUserByUsername(app.db, username) : undefined
      // An unknown name costs the same scrypt work as a wrong password: timing tells nothing.
      const matches = await verifyPassword(form.password, user?.password_hash ?? (await decoyHash()))
      if (!user || !matches) {
        await recordLoginFailure(app.db, username, new Date(now).toISOString(), since)
        request.log.info({ username }, 'sign-in failed')
        return fail(401, t().loginFailed)
      }
      await clearLoginFailures(app.db, username)
      // A fresh session (new CSRF secret too): nothing from before sign-in carries over.
      startSession(request.session, { sid: randomUUID(), uid: user.id, stamp: user.updated_at, since: now })
      await audit(app.db, { id: user.id, username: user.username }, 'user.login')
      if (form.resume && isRole(user.role)) {
        // The save posted when the session had ended goes through now, as this writer (with their role's rights).
        request.admin = { id: user.id, username: user.username, role: user.role, displayName: user.display_name || user.username }
        letRefusalWriteSession(request)
        if (await resumePendingSave(app, request, reply, form.resume)) return reply
      }
      return reply.redirect(next, 303)
    },
  )

  app.post('/logout', { config: { permission: 'signed-in' }, preHandler: app.csrfProtection }, async (request, reply) => {
    await audit(app.db, request.admin!, 'user.logout')
    // The cookie is stateless: remember that this one is over, in case a copy of it is replayed.
    const since = request.session.get('since') as number
    await revokeSession(
      app.db,
      request.session.get('sid') as string,
      new Date(since + SESSION_MAX_AGE_MS).toISOString(),
      new Date().toISOString(),
    )
    request.session.delete()
    return reply.redirect('/admin/login?out=1', 303)
  })
}
