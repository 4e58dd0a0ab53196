// Writers: the list with their roles (/admin/users), invitations (sent by mail through the outbox, or shown to
// copy when the blog has no SMTP_URL), changing a role, removing a writer after choosing who gets their posts,
// and the invitee's own page (/admin/invite/<token>, public) where they choose a name and a password.
// Who may do what is src/admin/permissions.ts; the rules that depend on the target (owners, the last owner) too.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'
import { isAddress, readableAddress } from '../lib/address.ts'
import { nowIso } from '../lib/time.ts'
import { enqueue } from '../mail/outbox.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { refusal } from './http.ts'
import { createInvitation, findInvitation, invitationTokens, pendingInvitations, takeInvitation } from './invitations.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts'
import { assignableRoles, canManage, isRole, ROLES, type Role } from './permissions.ts'
import { loadSessionKey } from './session.ts'
import { createWriter, findUserByUsername, normalizeUsername, USERNAME_PATTERN } from './users.ts'

const text = z.string().catch('')
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})
const inviteForm = z.object({ email: text.transform((s) => s.normalize('NFC').trim()), role: text })
const roleForm = z.object({ role: text })
const removeForm = z.object({ heir: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).catch(0) })
const acceptForm = z.object({ displayName: text, username: text, password: text, passwordAgain: text })
const tokenParams = z.object({ token: z.string().max(200) })

/** Writers with their post counts, owners first. */
async function listWriters(app: FastifyInstance) {
  const rows = await app.db
    .selectFrom('users')
    .leftJoin('posts', 'posts.author_id', 'users.id')
    .select((eb) => [
      'users.id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.password_hash',
      eb.fn.count<string>('posts.id').as('posts'),
    ])
    .groupBy(['users.id', 'users.username', 'users.display_name', 'users.role', 'users.password_hash'])
    .orderBy('users.id')
    .execute()
  return rows
    .map((r) => ({ ...r, posts: Number(r.posts), canSignIn: r.password_hash !== '' }))
    .sort((a, b) => ROLES.indexOf(a.role as Role) - ROLES.indexOf(b.role as Role) || a.id - b.id)
}

async function ownerCount(app: FastifyInstance): Promise<number> {
  const row = await app.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export default async function usersRoutes(app: FastifyInstance) {
  const tokens = invitationTokens(loadSessionKey(app.config))
  const wt = () => messages(app.settings.get().language).writers
  const inviteUrl = (token: string) => `${app.config.siteUrl}/admin/invite/${token}`

  async function usersPage(
    reply: FastifyReply,
    actor: { id: number; role: Role },
    opts: {
      values?: { email: string; role: string }
      errors?: Record<string, string>
      notice?: string | null
      link?: string | null
      error?: string | null
    } = {},
  ) {
    const context = adminContext(app)
    const t = wt()
    const writers = await listWriters(app)
    const assignable = assignableRoles(actor.role)
    return reply.adminPage('admin/users', {
      heading: t.heading,
      writers: writers.map((w) => ({
        id: w.id,
        name: w.display_name || w.username,
        username: w.username,
        role: w.role,
        roleLabel: t.roles[w.role] ?? w.role,
        posts: w.posts,
        canSignIn: w.canSignIn,
        self: w.id === actor.id,
        manageable: isRole(w.role) && canManage(actor.role, w.role),
      })),
      roles: assignable.map((r) => ({ value: r, label: t.roles[r]! })),
      values: opts.values ?? { email: '', role: 'author' },
      errors: opts.errors ?? {},
      notice: opts.notice ?? null,
      error: opts.error ?? null,
      link: opts.link ?? null,
      invitations: (await pendingInvitations(app.db, context.now)).map((i) => ({
        email: i.email,
        role: t.roles[i.role] ?? i.role,
        expires: t.expires(context.fmt.dateHeader(i.expires_at)),
      })),
    })
  }

  app.get('/users', { config: { permission: 'users' } }, async (request, reply) => {
    const q = (request.query ?? {}) as Record<string, unknown>
    const t = wt()
    const notice =
      q.done === 'role' ? t.roleChanged : q.done === 'removed' ? t.removed : typeof q.sent === 'string' ? t.inviteSent(q.sent) : null
    return usersPage(reply, request.admin!, { notice })
  })

  app.post('/users/invite', { config: { permission: 'users' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const actor = request.admin!
    const t = wt()
    const form = inviteForm.parse(request.body ?? {})
    const errors: Record<string, string> = {}
    if (!form.email || form.email.length > 254 || !isAddress(form.email)) errors.email = t.errEmail
    if (!isRole(form.role) || !assignableRoles(actor.role).includes(form.role)) errors.role = t.errRole
    if (Object.keys(errors).length > 0) return usersPage(reply.code(400), actor, { values: form, errors })
    const role = form.role as Role
    const email = readableAddress(form.email)
    const now = new Date()
    const link = await app.db.transaction().execute(async (trx) => {
      const invitation = await createInvitation(trx, email, role, actor.id, now)
      const url = inviteUrl(tokens.sign(invitation.id, invitation.expiresAt))
      if (app.mail.enabled) {
        const s = app.settings.get()
        const m = messages(s.language).writers
        const roleName = m.roles[role]!.toLowerCase()
        await enqueue(
          trx,
          { siteUrl: app.config.siteUrl, language: s.language, blogTitle: s.title, tokens: app.mail.tokens },
          {
            kind: 'admin',
            recipient: email.toLowerCase(),
            subject: m.mailSubject(s.title),
            blocks: [{ p: m.mailBody(s.title, roleName, '').trim() }, { link: m.mailSubject(s.title), url }],
            postId: null,
            commentId: null,
            unsubscribeToken: null,
            unsubscribeAllToken: null,
          },
          now.toISOString(),
        )
      }
      // The link itself is never logged: it is a key to an account.
      await audit(trx, actor, 'user.invite', email, { role, invitation: invitation.id })
      return url
    })
    if (app.mail.enabled) {
      app.mail.wake()
      return reply.redirect(`/admin/users?sent=${encodeURIComponent(email)}`, 303)
    }
    return usersPage(reply, actor, { notice: t.linkToCopy(email), link })
  })

  /** The writer named in the address, if the actor may manage them; else a refusal page. */
  async function target(params: unknown, actor: { role: Role }) {
    const parsed = idParams.safeParse(params)
    const user = parsed.success
      ? await app.db
          .selectFrom('users')
          .select(['id', 'username', 'display_name', 'role'])
          .where('id', '=', parsed.data.id)
          .executeTakeFirst()
      : undefined
    if (!user || !isRole(user.role)) return null
    if (!canManage(actor.role, user.role)) throw refusal(403, wt().notYours)
    return { ...user, role: user.role as Role }
  }

  app.post('/users/:id/role', { config: { permission: 'users' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const actor = request.admin!
    const user = await target(request.params, actor)
    if (!user) return reply.callNotFound()
    const form = roleForm.parse(request.body ?? {})
    if (!isRole(form.role) || !assignableRoles(actor.role).includes(form.role)) {
      return usersPage(reply.code(400), actor, { error: wt().errRole })
    }
    if (form.role === user.role) return reply.redirect('/admin/users?done=role', 303)
    const refused = await app.db.transaction().execute(async (trx) => {
      if (user.role === 'owner') {
        const owners = await trx.selectFrom('users').select('id').where('role', '=', 'owner').execute()
        if (owners.length <= 1) return true
      }
      // updated_at moves: the writer's open sessions end and they come back with their new rights.
      await trx.updateTable('users').set({ role: form.role, updated_at: nowIso() }).where('id', '=', user.id).execute()
      await audit(trx, actor, 'user.role', user.username, { from: user.role, to: form.role })
      return false
    })
    if (refused) return usersPage(reply.code(409), actor, { error: wt().lastOwner })
    return reply.redirect('/admin/users?done=role', 303)
  })

  /** The writers who may receive a removed writer's posts: everyone else. */
  async function heirs(userId: number) {
    return (await listWriters(app)).filter((w) => w.id !== userId)
  }

  async function removePage(
    reply: FastifyReply,
    user: { id: number; username: string; display_name: string },
    error: string | null = null,
  ) {
    const t = wt()
    const posts = await app.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('author_id', '=', user.id)
      .executeTakeFirstOrThrow()
    const name = user.display_name || user.username
    return reply.adminPage('admin/user-delete', {
      heading: t.removeHeading(name),
      user: { id: user.id, name },
      ask: t.removeAsk(Number(posts.n)),
      heirs: (await heirs(user.id)).map((w) => ({ id: w.id, name: `${w.display_name || w.username} (${t.roles[w.role] ?? w.role})` })),
      error,
    })
  }

  app.get('/users/:id/delete', { config: { permission: 'users' } }, async (request, reply) => {
    const user = await target(request.params, request.admin!)
    if (!user) return reply.callNotFound()
    // Said at once (the page a GET asks for is there; only the removal is refused).
    if (user.role === 'owner' && (await ownerCount(app)) <= 1) return usersPage(reply, request.admin!, { error: wt().lastOwner })
    return removePage(reply, user)
  })

  app.post('/users/:id/delete', { config: { permission: 'users' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const actor = request.admin!
    const user = await target(request.params, actor)
    if (!user) return reply.callNotFound()
    const form = removeForm.parse(request.body ?? {})
    const heir = (await heirs(user.id)).find((w) => w.id === form.heir)
    if (!heir) return removePage(reply.code(400), user, wt().errRole)
    const outcome = await app.db.transaction().execute(async (trx) => {
      if (user.role === 'owner') {
        const owners = await trx.selectFrom('users').select('id').where('role', '=', 'owner').execute()
        if (owners.length <= 1) return 'last-owner' as const
      }
      const moved = await trx.updateTable('posts').set({ author_id: heir.id }).where('author_id', '=', user.id).executeTakeFirst()
      await trx.deleteFrom('users').where('id', '=', user.id).execute()
      await audit(trx, actor, 'user.remove', user.username, {
        role: user.role,
        postsTo: heir.username,
        posts: Number(moved.numUpdatedRows),
      })
      return 'done' as const
    })
    if (outcome === 'last-owner') return usersPage(reply.code(409), actor, { error: wt().lastOwner })
    return reply.redirect('/admin/users?done=removed', 303)
  })

  // ---- the invitee's page (no session needed) ----

  /** The invitation a link opens, or the page saying why it does not. */
  async function opened(params: unknown, reply: FastifyReply) {
    const t = wt()
    const parsed = tokenParams.safeParse(params)
    const verdict = parsed.success ? tokens.verify(parsed.data.token, new Date()) : 'invalid'
    const refuse = (status: number, message: string) =>
      reply.code(status).adminPage('admin/error', { heading: adminContext(app).t.errorTitle, message, showLogin: status === 409 })
    if (verdict === 'invalid') return { page: await refuse(404, t.inviteInvalid) }
    if (verdict === 'expired') return { page: await refuse(410, t.inviteExpired) }
    const invitation = await findInvitation(app.db, verdict.id)
    if (!invitation || !isRole(invitation.role)) return { page: await refuse(404, t.inviteInvalid) }
    if (invitation.used_at) return { page: await refuse(409, t.inviteUsed) }
    if (invitation.expires_at <= nowIso()) return { page: await refuse(410, t.inviteExpired) }
    return { invitation, token: parsed.data!.token }
  }

  function acceptPage(
    reply: FastifyReply,
    token: string,
    role: string,
    values: { displayName: string; username: string },
    errors: Record<string, string> = {},
  ) {
    const t = wt()
    const s = app.settings.get()
    return reply.adminPage('admin/invite', {
      heading: t.acceptHeading(s.title),
      intro: t.acceptIntro((t.roles[role] ?? role).toLowerCase()),
      action: `/admin/invite/${token}`,
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      minLength: PASSWORD_MIN_LENGTH,
    })
  }

  app.get('/invite/:token', { config: { public: true } }, async (request, reply) => {
    const open = await opened(request.params, reply)
    if ('page' in open) return open.page
    const local = normalizeUsername(open.invitation.email.split('@')[0] ?? '')
      .replace(/[^a-z0-9._-]/g, '')
      .slice(0, 50)
    return acceptPage(reply, open.token, open.invitation.role, { displayName: '', username: local })
  })

  app.post('/invite/:token', { config: { public: true }, preHandler: app.csrfProtection }, async (request, reply) => {
    const open = await opened(request.params, reply)
    if ('page' in open) return open.page
    const t = wt()
    const form = acceptForm.parse(request.body ?? {})
    const displayName = form.displayName.normalize('NFC').trim()
    const username = normalizeUsername(form.username)
    const errors: Record<string, string> = {}
    if (!displayName || [...displayName].length > 100) errors.displayName = t.errDisplayName
    if (!USERNAME_PATTERN.test(username)) errors.username = t.errUsername
    else if (await findUserByUsername(app.db, username)) errors.username = t.errUsernameTaken
    const length = [...form.password].length
    if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) errors.password = t.errPassword(PASSWORD_MIN_LENGTH)
    else if (form.password !== form.passwordAgain) errors.passwordAgain = t.errPasswordAgain
    // Everything typed comes back but the passwords, which a page never shows.
    const values = { displayName: form.displayName, username: form.username }
    if (Object.keys(errors).length > 0) return acceptPage(reply.code(400), open.token, open.invitation.role, values, errors)
    const invitation = open.invitation
    const taken = new Error('username taken')
    const outcome = await app.db
      .transaction()
      .execute(async (trx) => {
        const now = nowIso()
        if (!(await takeInvitation(trx, invitation.id, now))) return 'used' as const
        const id = await createWriter(trx, username, form.password, {
          role: invitation.role as Role,
          displayName,
          email: invitation.email,
        })
        // Thrown, so that the invitation taken above is given back with the rest.
        if (id === null) throw taken
        await trx.updateTable('invitations').set({ user_id: id }).where('id', '=', invitation.id).execute()
        await audit(trx, { id, username }, 'user.create', username, { role: invitation.role, invitation: invitation.id })
        return 'done' as const
      })
      .catch((err: unknown) => {
        if (err === taken) return 'taken' as const
        throw err
      })
    if (outcome === 'taken') {
      return acceptPage(reply.code(400), open.token, invitation.role, values, { username: t.errUsernameTaken })
    }
    if (outcome === 'used') {
      return reply.code(409).adminPage('admin/error', { heading: adminContext(app).t.errorTitle, message: t.inviteUsed, showLogin: true })
    }
    return reply.redirect('/admin/login?welcome=1', 303)
  })
}
