// Shapes of the admin's forms and addresses. Form fields arrive as strings (or arrays of strings when a name
// repeats); anything else is read as empty, so a hand-made request gets a form with errors, never a 500.
// Messages are chosen by the routes from the blog's language.
import { z } from 'zod'
import type { PostFormat } from '../db/schema.ts'
import type { Messages } from '../i18n/index.ts'
import { slugify } from '../lib/slug.ts'
import { positionParam } from './keyset.ts'
import { zonedTimeToUtc } from '../lib/time.ts'
import { cleanWordList, FEDIVERSE_HANDLE, isSiteImage, isWordListWithinLimits, SITE_IMAGE_MAX_LENGTH } from '../settings/settings.ts'

const text = z.string().catch('')
/** A field that may repeat (checkboxes): always a list of strings. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .catch([])
const ids = list.transform((v) => [...new Set(v.filter((s) => /^\d{1,12}$/.test(s)).map(Number))])

export const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})

export const loginForm = z.object({ username: text, password: text, next: text, resume: text })

// ---- Posts ----

export const POST_ACTIONS = ['draft', 'publish', 'schedule', 'preview', 'review'] as const
export type PostAction = (typeof POST_ACTIONS)[number]

export const postListQuery = z.object({
  state: z.enum(['draft', 'published', 'scheduled']).optional().catch(undefined),
  page: positionParam,
  done: text.optional(),
})

const rawPostForm = z.object({
  title: text,
  slug: text,
  body: text,
  // A post keeps its format unless the author picks the other one (an imported HTML post stays HTML).
  format: z.enum(['markdown', 'html']).catch('markdown'),
  tags: text,
  signature: text,
  publishedAt: text,
  // Repeated checkboxes are named `x[]`, as HTML checkers expect of fields meant to repeat.
  'categories[]': ids,
  action: z.enum(POST_ACTIONS).catch('draft'),
  // The post's version the form was opened on (the conflict check); absent from forms older than it.
  version: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number)
    .optional()
    .catch(undefined),
})

/** What the author typed, kept as typed so that a form with errors comes back intact. */
export interface PostFormValues {
  title: string
  slug: string
  body: string
  format: PostFormat
  tags: string
  signature: string
  publishedAt: string
  categoryIds: number[]
}

export type FieldErrors = Partial<Record<'title' | 'slug' | 'body' | 'tags' | 'signature' | 'publishedAt', string>>

export interface ParsedPostForm {
  action: PostAction
  /** The version the writer's form was based on (undefined: not said, no check). */
  baseVersion: number | undefined
  values: PostFormValues
  errors: FieldErrors
  /** Cleaned values, meaningful when `errors` is empty. */
  clean: { title: string; slug: string; body: string; format: PostFormat; tags: string[]; signature: string; publishedAt: Date | null }
}

export const MAX_BODY_LENGTH = 500_000
const MAX_TAGS = 30

/** `2026-11-26T14:30` (as a datetime-local field sends it) in the blog's zone → the instant; null if empty. */
export function parseLocalDateTime(value: string, timeZone: string): Date | null | 'invalid' {
  const v = value.trim()
  if (v === '') return null
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v)
  if (!m) return 'invalid'
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number]
  // Reject dates that do not exist (2026-02-30) rather than let Date roll them over.
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute))
  if (year < 1970 || year > 9999 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59) {
    return 'invalid'
  }
  return zonedTimeToUtc(year, month, day, hour, minute, timeZone)
}

export function parsePostForm(body: unknown, t: Messages['admin'], timeZone: string): ParsedPostForm {
  const raw = rawPostForm.parse(body ?? {})
  const values: PostFormValues = {
    title: raw.title,
    slug: raw.slug,
    body: raw.body.replace(/\r\n/g, '\n'),
    format: raw.format,
    tags: raw.tags,
    signature: raw.signature,
    publishedAt: raw.publishedAt,
    categoryIds: raw['categories[]'],
  }
  const errors: FieldErrors = {}
  const title = values.title.normalize('NFC').trim()
  if (title.length < 1 || title.length > 200) errors.title = t.titleRequired
  if (values.body.length > MAX_BODY_LENGTH) errors.body = t.bodyTooLong
  const slug = values.slug.trim() === '' ? '' : slugify(values.slug)
  if (values.slug.trim() !== '' && slug === '') errors.slug = t.slugInvalid
  const tags = [
    ...new Set(
      values.tags
        .split(',')
        .map((s) => s.normalize('NFC').trim())
        .filter(Boolean),
    ),
  ]
  if (tags.length > MAX_TAGS || tags.some((tag) => tag.length > 100)) errors.tags = t.tagsTooLong
  const signature = values.signature.normalize('NFC').trim()
  if (signature.length > 200) errors.signature = t.signatureTooLong
  const date = parseLocalDateTime(values.publishedAt, timeZone)
  if (date === 'invalid') errors.publishedAt = t.dateInvalid
  return {
    action: raw.action,
    baseVersion: raw.version,
    values,
    errors,
    clean: { title, slug, body: values.body, format: values.format, tags, signature, publishedAt: date === 'invalid' ? null : date },
  }
}

// ---- Comments ----

export const COMMENT_STATUSES = ['pending', 'approved', 'spam'] as const
export const MODERATION_ACTIONS = ['approve', 'spam', 'delete'] as const
export type ModerationAction = (typeof MODERATION_ACTIONS)[number]

const optionalId = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number)
  .optional()
  .catch(undefined)

export const COMMENT_ORIGINS = ['form', 'import', 'fediverse', 'webmention'] as const
const originParam = z.enum(COMMENT_ORIGINS).optional().catch(undefined)

export const commentListQuery = z.object({
  status: z.enum(COMMENT_STATUSES).catch('pending').default('pending'),
  post: optionalId,
  /** Only the comments of one origin (src/comments/): the form, imports, the fediverse, webmentions. */
  origin: originParam,
  /** What the admin typed in the post filter (an id, a slug or address, words of a title). */
  find: z.string().max(500).catch('').default(''),
  page: positionParam,
  done: z.coerce.number().int().min(0).optional().catch(undefined),
  none: text.optional(),
})

/** One form: checkboxes `ids[]` with the select `action`, or a row's own button `row=approve:12`. */
export const moderationForm = z
  .object({
    'ids[]': ids,
    action: z.enum(MODERATION_ACTIONS).optional().catch(undefined),
    row: text.optional(),
    status: z.enum(COMMENT_STATUSES).catch('pending'),
    post: optionalId,
    origin: originParam,
    page: positionParam,
  })
  .transform((f) => {
    const row = /^(approve|spam|delete):(\d{1,12})$/.exec(f.row ?? '')
    const target = row ? { action: row[1] as ModerationAction, ids: [Number(row[2])] } : { action: f.action, ids: f['ids[]'] }
    return { ...target, back: { status: f.status, post: f.post, page: f.page }, origin: f.origin }
  })

// ---- Settings ----

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value })
    return true
  } catch {
    return false
  }
}

/** A whole number typed in a field; anything else fails with `message`. */
function intField(min: number, max: number, message: string) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d{1,9}\s*$/.test(v) ? Number(v) : Number.NaN),
    z.number({ error: message }).int(message).min(min, message).max(max, message),
  )
}

export function settingsForm(t: Messages['admin']) {
  return z.object({
    title: z
      .string()
      .catch('')
      .transform((s) => s.trim())
      .pipe(z.string().min(1, t.invalidTitle).max(200, t.invalidTitle)),
    description: z
      .string()
      .catch('')
      .transform((s) => s.trim())
      .pipe(z.string().max(500, t.invalidDescription)),
    language: z.enum(['fr', 'en'], { error: t.invalidChoice }),
    timezone: z
      .string()
      .catch('')
      .transform((s) => s.trim())
      .refine(isTimeZone, t.invalidTimezone),
    postsPerPage: intField(1, 100, t.invalidPerPage),
    moderation: z.enum(['none', 'first-time', 'all'], { error: t.invalidChoice }),
    commentsAutoCloseDays: intField(0, 36500, t.invalidAutoClose),
    siteImage: z
      .string()
      .catch('')
      .transform((s) => s.trim())
      .pipe(z.string().max(SITE_IMAGE_MAX_LENGTH, t.invalidSiteImage).refine(isSiteImage, t.invalidSiteImage)),
    maxLinks: intField(0, 100, t.invalidMaxLinks),
    holdWords: wordListField(t.invalidWordList),
    refuseWords: wordListField(t.invalidWordList),
    ipRetentionDays: intField(0, 3650, t.invalidIpRetention),
    // A form from before this setting (or without it) keeps the default.
    banAction: z.enum(['spam', 'refuse'], { error: t.invalidChoice }).default('spam'),
    commentEditMinutes: intField(0, 1440, t.invalidEditMinutes),
    reportHoldThreshold: intField(0, 1000, t.invalidReportThreshold),
    // Radio buttons (a form without the field keeps them shown): 'true' or 'false', as the form shows settings.
    showReactions: z
      .enum(['true', 'false'], { error: t.invalidChoice })
      .default('true')
      .transform((v) => v === 'true'),
    bylines: z.enum(['auto', 'always', 'never'], { error: t.invalidChoice }).default('auto'),
    // A form without it (from before this setting) keeps the handle the blog has.
    fediverseHandle: z
      .string()
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.string().regex(FEDIVERSE_HANDLE, t.invalidFediverseHandle))
      .optional(),
    // A form from before these settings keeps the defaults (src/settings/settings.ts).
    mailsPerMinute: z.union([z.undefined().transform(() => 60), intField(1, 10_000, t.invalidMailsPerMinute)]),
    digestDay: z.union([z.undefined().transform(() => 1), intField(0, 6, t.invalidChoice)]),
    digestHour: z.union([z.undefined().transform(() => 8), intField(0, 23, t.invalidChoice)]),
  })
}

/** A word list typed in a textarea: stored cleaned (src/settings/settings.ts); too long fails with `message`. */
function wordListField(message: string) {
  return z.string().catch('').transform(cleanWordList).refine(isWordListWithinLimits, message)
}

// ---- Categories ----

export const categoryForm = z.object({ name: text, slug: text })

export const threadForm = z.object({ open: z.enum(['0', '1']).catch('0'), back: text })
