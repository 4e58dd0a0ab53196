// Who may do what: the one place that says it. Every admin route names the permission it needs in its config
// (`config: { permission: 'settings' }`); the admin plugin refuses (403) a writer whose role lacks it, and a route
// that names none is refused to everyone (test/people/permissions.test.ts walks every route for every role).
// Rules that depend on the thing itself (an author's own post, the last owner) are the functions below, also here.

export const ROLES = ['owner', 'administrator', 'editor', 'author', 'contributor'] as const
export type Role = (typeof ROLES)[number]

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** What a route may need. `signed-in`: any writer (the dashboard, their account, signing out). */
export type Permission =
  | 'signed-in'
  /** Write and edit one's own posts (drafts only for a contributor). */
  | 'posts.write'
  /** Upload images to the media library and see it. */
  | 'media'
  /** Moderate comments and readers' reports (an author: on their own posts only, see moderatesEveryComment). */
  | 'comments'
  /** Bans (they reach every post). */
  | 'moderation'
  | 'categories'
  /** Static pages (about, legal notice): the blog's own, so editors and above. */
  | 'pages'
  /** The blog's settings and the mail outbox. */
  | 'settings'
  /** Import and export. */
  | 'transfer'
  /** Invite writers, change their roles, remove them (owners only by an owner: see canManage). */
  | 'users'

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories', 'pages', 'settings', 'transfer', 'users']),
  administrator: new Set([
    'signed-in',
    'posts.write',
    'media',
    'comments',
    'moderation',
    'categories',
    'pages',
    'settings',
    'transfer',
    'users',
  ]),
  editor: new Set(['signed-in', 'posts.write', 'media', 'comments', 'moderation', 'categories', 'pages']),
  author: new Set(['signed-in', 'posts.write', 'media', 'comments']),
  contributor: new Set(['signed-in', 'posts.write']),
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission)
}

/** Edits posts and pages written by others (and publishes contributors' drafts). */
export function editsEveryPost(role: Role): boolean {
  return role === 'owner' || role === 'administrator' || role === 'editor'
}

/** Moderates comments on every post; an author moderates those on their own posts only. */
export function moderatesEveryComment(role: Role): boolean {
  return editsEveryPost(role)
}

/** Publishes or schedules (a contributor only saves drafts and submits them for review). */
export function publishes(role: Role): boolean {
  return role !== 'contributor'
}

/**
 * Whether a writer may open and save this post: their own always (a contributor: while it is not published),
 * anyone's for an editor and above.
 */
export function mayEditPost(actor: { id: number | null; role: Role }, post: { author_id: number | null; status: string }): boolean {
  if (editsEveryPost(actor.role)) return true
  if (post.author_id !== actor.id) return false
  return actor.role !== 'contributor' || post.status !== 'published'
}

/** Roles a writer may give (invite with, or change to): an owner any, an administrator any but owner. */
export function assignableRoles(role: Role): Role[] {
  if (role === 'owner') return [...ROLES]
  if (role === 'administrator') return ROLES.filter((r) => r !== 'owner')
  return []
}

/** Whether `actor` may change or remove `target`'s account: administrators never touch owners. */
export function canManage(actor: Role, target: Role): boolean {
  return assignableRoles(actor).includes(target)
}
