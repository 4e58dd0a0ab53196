// The admin, under /admin. Sessions and CSRF tokens are registered inside this plugin's scope, so readers'
// pages never read or set a session cookie and stay cacheable. Every route here requires a signed-in admin
// unless its config says `public: true` (the sign-in page); every state-changing one checks the CSRF token.
import csrfProtection from '@fastify/csrf-protection'
import multipart from '@fastify/multipart'
import secureSession from '@fastify/secure-session'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { messages } from '../i18n/index.ts'
import { isSessionRevoked, pendingCount, shownCount } from './admin.repository.ts'
import { refusal } from './http.ts'
import type { Actor } from './audit.ts'
import { can, isRole, moderatesEveryComment, type Permission, type Role } from './permissions.ts'
import usersRoutes from './users.admin.ts'
import authRoutes from './auth.routes.ts'
import categoriesRoutes from './categories.admin.ts'
import commentsRoutes from './comments.admin.ts'
import conversationRoutes from './conversation.admin.ts'
import dashboardRoutes from './dashboard.admin.ts'
import reportsRoutes from './reports.admin.ts'
import mediaRoutes from './media.admin.ts'
import postsRoutes from './posts.admin.ts'
import pagesAdminRoutes from './pages.admin.ts'
import draftsRoutes from './drafts.admin.ts'
import { holdSave, isSameOrigin } from './pending-saves.ts'
import {
  loadSessionKey,
  mayRefusalWriteSession,
  SESSION_COOKIE,
  SESSION_IDLE_SECONDS,
  SESSION_MAX_AGE_MS,
  SESSION_REFRESH_SECONDS,
} from './session.ts'
import settingsRoutes from './settings.admin.ts'
import sidebarRoutes from './sidebar.admin.ts'
import appearanceRoutes from './appearance.admin.ts'
import transferRoutes from './transfer.admin.ts'
import jobsAdminRoutes from './jobs.admin.ts'
import fediverseAdminRoutes from './fediverse.admin.ts'
import mailAdminRoutes from './mail.admin.ts'
import subscribersAdminRoutes from './subscribers.admin.ts'
import webmentionsAdminRoutes from './webmentions.admin.ts'
import { findUserById } from './users.ts'

/** A signed-in writer: who they are and what their role lets them do (src/admin/permissions.ts). */
export interface Writer extends Actor {
  id: number
  role: Role
  displayName: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Every route under /admin, as the router has it, with the permission its config declares (the tests check
     * each one refuses strangers, and every role what its permissions do not grant).
     */
    adminRoutes: Array<{ method: string; url: string; permission?: Permission; public?: boolean }>
    /**
     * The admin signed in who sent this request, read from the session cookie without touching it: for public
     * routes (a comment posted signed in carries the "author" mark). Null for everyone else.
     */
    signedInAdmin(request: FastifyRequest): Promise<Actor | null>
  }
  interface FastifyRequest {
    /** The signed-in writer (set on every non-public admin route). */
    admin: Writer | null
  }
  interface FastifyReply {
    /** Renders an admin page (admin layout, CSRF token, no index, no cache). */
    adminPage(template: string, data?: Record<string, unknown>): Promise<FastifyReply>
  }
  interface FastifyContextConfig {
    /** An admin route that needs no session (sign-in, an invitation's page). */
    public?: boolean
    /** What a signed-in writer needs to use this admin route; a route without one is refused to everyone. */
    permission?: Permission
    /**
     * The editor's save: posted from the blog's own page without a valid session (or with a stale token), its
     * form is held until the writer signs in again instead of refused (src/admin/pending-saves.ts).
     */
    keepsText?: boolean
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/** Filled by the admin's scope, which alone holds the session key: reads a session cookie's admin. */
interface SessionReader {
  read: (request: FastifyRequest) => Promise<Actor | null>
}

async function adminScope(app: FastifyInstance, options: { reader: SessionReader }) {
  const https = app.config.siteUrl.startsWith('https:')
  // A refused request (any 4xx/5xx answer) never writes the session cookie: its page may have made a CSRF
  // secret in a fresh, empty session, or the sliding expiry may have refreshed it, and a Set-Cookie carrying
  // that would replace the admin's cookie (a cross-site POST, sent without it, would sign the admin out).
  // Added before secure-session's own onSend hook, which runs after it and writes the cookie when `changed`.
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode >= 400 && request.session && !mayRefusalWriteSession(request)) request.session.changed = false
  })
  await app.register(secureSession, {
    key: loadSessionKey(app.config),
    cookieName: SESSION_COOKIE,
    expiry: SESSION_IDLE_SECONDS,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: https },
  })
  // A refused token is an ordinary refusal, logged once at info by the error handler below: the plugin's own line
  // (a warning by default) only at debug.
  await app.register(csrfProtection, { sessionPlugin: '@fastify/secure-session', logLevel: 'debug' })
  app.decorateRequest('admin', null)
  // Image uploads (src/admin/uploads.ts), only here: nowhere else does the blog accept multipart bodies. A file is
  // cut at MEDIA_MAX_BYTES as it streams (and refused); the editor's text fields come with it (a post's body may
  // be 2 MB).
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: app.config.mediaMaxBytes, files: 20, fields: 200, fieldSize: 2 * 1024 * 1024, parts: 300 },
  })

  /** The signed-in admin, or null. A password reset or a deleted account ends the session. */
  async function authenticate(request: FastifyRequest): Promise<Writer | null> {
    return authenticateSession(request.session)
  }

  options.reader.read = async (request) => {
    const raw = request.cookies[SESSION_COOKIE]
    const session = raw ? app.decodeSecureSession(raw) : null
    return session ? authenticateSession(session, false) : null
  }

  async function authenticateSession(session: FastifyRequest['session'], slide = true): Promise<Writer | null> {
    const uid: unknown = session.get('uid')
    const stamp: unknown = session.get('stamp')
    const since: unknown = session.get('since')
    const sid: unknown = session.get('sid')
    if (typeof uid !== 'number' || typeof stamp !== 'string' || typeof since !== 'number' || typeof sid !== 'string') return null
    if (Date.now() - since > SESSION_MAX_AGE_MS) return null
    if (await isSessionRevoked(app.db, sid)) return null
    const user = await findUserById(app.db, uid)
    if (!user || user.updated_at !== stamp) return null
    // Sliding expiry: a working admin is not signed out after SESSION_IDLE_SECONDS.
    const ts: unknown = session.get('__ts')
    if (slide && typeof ts === 'number' && Date.now() / 1000 - ts > SESSION_REFRESH_SECONDS) session.touch()
    if (!isRole(user.role)) return null
    return { id: user.id, username: user.username, role: user.role, displayName: user.display_name || user.username }
  }

  app.addHook('onRequest', async (request, reply) => {
    request.admin = await authenticate(request)
    const config = request.routeOptions.config
    if (request.admin && !config.public) {
      // Undeclared means nobody: a route someone forgot to declare is closed, not open.
      if (config.permission && can(request.admin.role, config.permission)) return
      throw refusal(403, `role ${request.admin.role} lacks ${config.permission ?? 'an undeclared permission'}`)
    }
    if (request.admin || config.public) return
    // Held once its body is read (preValidation below).
    if (request.routeOptions.config.keepsText && isSameOrigin(request, app.config.siteUrl)) return
    if (SAFE_METHODS.has(request.method)) {
      return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303)
    }
    throw refusal(401, 'not signed in')
  })

  app.addHook('preValidation', async (request, reply) => {
    if (request.admin || request.routeOptions.config.public || !request.routeOptions.config.keepsText) return
    return holdSave(app, request, reply)
  })

  app.addHook('onSend', async (request, reply) => {
    // Admin pages are personal and say so to every cache and crawler.
    reply.header('cache-control', 'no-store')
    reply.header('x-robots-tag', 'noindex, nofollow')
  })

  const pendingBadge = async (admin: FastifyRequest['admin'], language: string): Promise<string> => {
    if (!admin || !can(admin.role, 'comments')) return ''
    const n = await pendingCount(app.db, moderatesEveryComment(admin.role) ? null : admin.id)
    return n ? shownCount(n, language) : ''
  }

  app.decorateReply('adminPage', async function (this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
    const t = messages(app.settings.get().language)
    const heading = typeof data.heading === 'string' ? data.heading : t.admin.title
    return this.type('text/html; charset=utf-8').page(template, {
      title: `${heading} – ${t.admin.title}`,
      sidebar: null,
      noindex: true,
      csrf: this.generateCsrf(),
      user: this.request.admin,
      // What the menu offers: only what this writer's role allows.
      may: Object.fromEntries(
        (['media', 'comments', 'moderation', 'categories', 'pages', 'settings', 'transfer', 'users'] as const).map((p) => [
          p,
          this.request.admin ? can(this.request.admin.role, p) : false,
        ]),
      ),
      // The menu's count of comments awaiting moderation, as shown (`10 000+` past the cap); empty for none.
      pending: await pendingBadge(this.request.admin, app.settings.get().language),
      path: this.request.url.split('?')[0],
      mailNav: app.mail.enabled,
      ...data,
      heading,
    })
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const t = messages(app.settings.get().language).admin
    const status = error.statusCode ?? 500
    let message: string | null = null
    const csrf = error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN'
    // A save with a token from before the writer signed in again (in another tab): its text is held, not lost.
    if (csrf && request.routeOptions.config.keepsText && isSameOrigin(request, app.config.siteUrl)) return holdSave(app, request, reply)
    if (csrf) message = t.csrfFailed
    else if (status === 401) message = t.unauthorized
    else if (status === 403 && error.code === 'CARNET_ADMIN_403') message = t.forbidden
    else if (status === 429) message = t.tooMany
    // Anything else is the app's error handler's business (it hides 5xx details).
    if (!message) throw error
    request.log.info({ status, code: error.code }, 'admin request refused')
    const headers = (error as FastifyError & { headers?: Record<string, string> }).headers
    if (headers) reply.headers(headers)
    reply.code(status)
    return reply.adminPage('admin/error', { heading: t.errorTitle, message, showLogin: status === 401 || !request.admin })
  })

  await app.register(authRoutes)
  await app.register(dashboardRoutes)
  await app.register(postsRoutes)
  await app.register(pagesAdminRoutes)
  await app.register(draftsRoutes)
  await app.register(commentsRoutes)
  await app.register(conversationRoutes)
  await app.register(reportsRoutes)
  await app.register(categoriesRoutes)
  await app.register(settingsRoutes)
  await app.register(sidebarRoutes)
  await app.register(appearanceRoutes)
  await app.register(transferRoutes)
  await app.register(mediaRoutes)
  await app.register(mailAdminRoutes)
  await app.register(subscribersAdminRoutes)
  await app.register(jobsAdminRoutes)
  await app.register(webmentionsAdminRoutes)
  await app.register(fediverseAdminRoutes)
  await app.register(usersRoutes)
}

async function adminPlugin(app: FastifyInstance) {
  // Admin pages are personal: no cache keeps or validates them, nor a signed-in admin's view of the blog.
  app.requestPrivacy.declarePrivatePrefix('/admin')
  app.requestPrivacy.declarePrivateCookie(SESSION_COOKIE)
  const routes: FastifyInstance['adminRoutes'] = []
  app.decorate('adminRoutes', routes)
  // Collected at the root, so that an /admin route registered by any plugin after this one is listed too.
  app.addHook('onRoute', (route) => {
    if (route.url !== '/admin' && !route.url.startsWith('/admin/')) return
    const config = (route.config ?? {}) as { permission?: Permission; public?: boolean }
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, permission: config.permission, public: config.public })
    }
  })
  const reader: SessionReader = { read: async () => null }
  app.decorate('signedInAdmin', (request: FastifyRequest) => reader.read(request))
  await app.register(adminScope, { prefix: '/admin', reader })
}

export default fp(adminPlugin, { name: 'admin', dependencies: ['database', 'render', 'errors', 'request-privacy', 'mail'] })
