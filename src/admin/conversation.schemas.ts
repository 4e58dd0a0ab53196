// Shapes of the ban, pin and answer forms. Fields arrive as strings; anything else reads as empty, so a
// hand-made request gets its form back with messages, never a 500.
import { z } from 'zod'
import type { Messages } from '../i18n/index.ts'
import { actorValue, domainValue } from '../comments/bans.ts'
import { canonicalIp } from '../comments/ip.ts'
import { COMMENT_STATUSES, parseLocalDateTime } from './admin.schemas.ts'
import { positionParam } from './keyset.ts'

const text = z.string().catch('')
const flag = z
  .string()
  .transform((v) => v === '1')
  .catch(false)
const optionalId = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number)
  .optional()
  .catch(undefined)

/** The moderation list to go back to (its hidden fields come with every button of the list). */
export const backFields = z.object({
  status: z.enum(COMMENT_STATUSES).catch('pending'),
  post: optionalId,
  page: positionParam,
})
export type Back = z.infer<typeof backFields>

export const banPageQuery = z.object({
  comment: optionalId,
  done: text.optional(),
  n: z.coerce.number().int().min(0).optional().catch(undefined),
})

/** What the admin typed in the ban form, kept as typed. */
export interface BanFormValues {
  email: string
  /** The e-mail ban covers name+anything@domain too (offered checked). */
  subaddresses: boolean
  ip: string
  network: boolean
  name: string
  /** A remote author's actor id (or h-card address). */
  actor: string
  /** An instance's or site's host name. */
  domain: string
  expires: string
  note: string
  hide: boolean
}

export type BanFormErrors = Partial<Record<'email' | 'ip' | 'name' | 'actor' | 'domain' | 'expires' | 'note' | 'form', string>>

const rawBanForm = z.object({
  email: text,
  subaddresses: flag,
  ip: text,
  network: flag,
  name: text,
  actor: text,
  domain: text,
  expires: text,
  note: text,
  hide: flag,
})

export const NOTE_MAX = 500
const NAME_MAX = 100

/** The ban form: values as typed, errors by field, and the cleaned values when there is no error. */
export function parseBanForm(body: unknown, t: Messages['admin'], timeZone: string, now: Date) {
  const values: BanFormValues = rawBanForm.parse(body ?? {})
  const errors: BanFormErrors = {}
  const email = values.email.normalize('NFC').trim()
  const ip = values.ip.trim()
  const name = values.name.normalize('NFC').trim()
  const note = values.note.normalize('NFC').trim()
  const actor = values.actor.trim()
  const domain = values.domain.normalize('NFC').trim()
  if (email && (email.length > 254 || !/^[^\s@]+@[^\s@]+$/u.test(email))) errors.email = t.banInvalidEmail
  if (ip && canonicalIp(ip) === null) errors.ip = t.banInvalidIp
  if (name && [...name].length > NAME_MAX) errors.name = t.banInvalidName
  if (actor && (actor.length > 2000 || actorValue(actor) === null)) errors.actor = t.banInvalidActor
  if (domain && (domain.length > 300 || domainValue(domain) === null)) errors.domain = t.banInvalidDomain
  if ([...note].length > NOTE_MAX) errors.note = t.banNoteTooLong
  const expires = parseLocalDateTime(values.expires, timeZone)
  if (expires === 'invalid') errors.expires = t.dateInvalid
  else if (expires && expires.getTime() <= now.getTime()) errors.expires = t.banExpiryPast
  if (!email && !ip && !name && !actor && !domain) errors.form = t.banNeedOne
  return {
    values,
    errors,
    clean: {
      email,
      subaddresses: values.subaddresses,
      ip,
      network: values.network,
      name,
      actor,
      domain,
      note,
      expires: expires instanceof Date ? expires : null,
      hide: values.hide,
    },
  }
}

export const ANSWER_MAX = 10_000

export const answerForm = z.object({ body: text, approve: flag })

/** The answer as stored, or what is wrong with it. */
export function cleanAnswer(body: string, t: Messages['admin']): { text: string; error: string | null } {
  const value = body.replace(/\r\n?/g, '\n').normalize('NFC').trim()
  if (value === '') return { text: value, error: t.answerRequired }
  const length = [...value].length
  if (length > ANSWER_MAX) return { text: value, error: t.answerTooLong(length) }
  return { text: value, error: null }
}
