// A writer's public profile, on their account page: the name bylines show, the address of their page
// (/author/<slug>), a short bio and an optional portrait from the media library.
import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'
import type { Messages } from '../i18n/index.ts'
import { audit, type Actor } from './audit.ts'

type Db = Kysely<Database>

export const BIO_MAX_LENGTH = 1000
const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const text = z.string().catch('')
const profileFields = z.object({ displayName: text, slug: text, bio: text, portrait: text })

export interface ProfileForm {
  values: { displayName: string; slug: string; bio: string; portrait: string }
  errors: Record<string, string>
  /** The library's images a portrait may be, newest first. */
  images: Array<{ id: number; label: string }>
}

async function images(db: Db) {
  const rows = await db.selectFrom('media').select(['id', 'name', 'alt']).orderBy('id', 'desc').limit(200).execute()
  return rows.map((r) => ({ id: r.id, label: r.alt ? `${r.alt} (${r.name})` : r.name }))
}

export async function loadProfile(db: Db, userId: number): Promise<ProfileForm> {
  const user = await db
    .selectFrom('users')
    .select(['username', 'display_name', 'slug', 'bio', 'portrait_media_id'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  return {
    values: {
      displayName: user.display_name || user.username,
      slug: user.slug ?? '',
      bio: user.bio,
      portrait: user.portrait_media_id === null ? '' : String(user.portrait_media_id),
    },
    errors: {},
    images: await images(db),
  }
}

/** Saves the profile, or gives the form back as typed with a message beside each wrong field (nothing saved). */
export async function saveProfile(db: Db, actor: Actor & { id: number }, body: unknown, t: Messages['writers']) {
  const raw = profileFields.parse(body ?? {})
  const values = { displayName: raw.displayName, slug: raw.slug, bio: raw.bio, portrait: raw.portrait }
  const displayName = raw.displayName.normalize('NFC').trim()
  const slug = raw.slug.trim().toLowerCase()
  const bio = raw.bio.normalize('NFC').replace(/\r\n?/g, '\n').trim()
  const errors: Record<string, string> = {}
  if (!displayName || [...displayName].length > 100) errors.displayName = t.errDisplayName
  if (!SLUG_PATTERN.test(slug) || slug.length > 60) errors.slug = t.errSlug
  else if (await db.selectFrom('users').select('id').where('slug', '=', slug).where('id', '<>', actor.id).executeTakeFirst()) {
    errors.slug = t.errSlug
  }
  if ([...bio].length > BIO_MAX_LENGTH) errors.bio = t.errBio
  let portrait: number | null = null
  if (raw.portrait !== '') {
    const id = /^\d{1,12}$/.test(raw.portrait) ? Number(raw.portrait) : 0
    const row = id ? await db.selectFrom('media').select('id').where('id', '=', id).executeTakeFirst() : undefined
    if (row) portrait = row.id
    else errors.portrait = t.errPortrait
  }
  if (Object.keys(errors).length > 0) return { errors, form: { values, errors, images: await images(db) } }
  await db.transaction().execute(async (trx) => {
    // updated_at stays: it stamps sessions (a password change ends them), a profile change must not.
    await trx
      .updateTable('users')
      .set({ display_name: displayName, slug, bio, portrait_media_id: portrait })
      .where('id', '=', actor.id)
      .execute()
    await audit(trx, actor, 'account.profile', actor.username, { slug })
  })
  return { errors: null, form: null }
}
