// What a comment form may contain, and how its text is cleaned before anything is checked or stored.
// Messages are keys of the catalogues, so the form can show them in the blog's language.
import { z } from 'zod'
import type { Messages } from '../i18n/index.ts'
import { isAddress, readableAddress } from '../lib/address.ts'
import { isUrlHostValid } from '../lib/idna.ts'

/** Field names are a contract with the form (and with anyone scripting against it). */
export const FIELDS = ['author', 'email', 'url', 'body'] as const
export type Field = (typeof FIELDS)[number]

/** The hidden trap field: people never see it, form-filling robots do. */
export const HONEYPOT_FIELD = 'subject'

export const LIMITS = { author: 100, email: 254, url: 2000, body: 10_000 } as const

// Control characters (Unicode Cc) go; in the comment, newlines and tabs stay.
const CONTROL = /\p{Cc}/gu
const CONTROL_EXCEPT_NEWLINE_TAB = /[^\P{Cc}\n\t]/gu

// Half of a surrogate pair cannot be stored as UTF-8 (a JSON body can carry one): it becomes U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** One-line fields: NFC, whitespace runs (newlines included) become one space, control characters removed. */
export function cleanLine(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(/\s+/g, ' ').replace(CONTROL, '').trim()
}

/** The comment: NFC, newlines unified, control characters other than newline and tab removed, trimmed. */
export function cleanText(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(/\r\n?/g, '\n').replace(CONTROL_EXCEPT_NEWLINE_TAB, '').trim()
}

/**
 * A one-line field holding a web address. Before the @ or / of its host, U+1E9E (capital sharp s) becomes ß, as
 * Node 24's URL parser maps it; Node 20's made it "ss", so the same typed address was stored two ways.
 */
function cleanUrl(value: string): string {
  return cleanLine(value).replace(/^([a-z][a-z0-9+.-]*:\/*[^/?#\\]*)/i, (authority) => authority.replace(/\u1e9e/g, '\u00df'))
}

/** Length as people count it: characters (code points), not UTF-16 units. */
const chars = (s: string) => [...s].length

/** Issues carry a catalogue key; `fieldErrors` turns it into the message. */
type MessageKey = keyof Messages

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value)
    // The URL parser's verdict on `xn--` labels changed with Node 24: Carnet's own decides (src/lib/idna.ts).
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && isUrlHostValid(u.hostname)
  } catch {
    return false
  }
}

/** Form values arrive as strings, arrays (a repeated field) or nothing: keep the first string. */
const text = z.preprocess((v) => (Array.isArray(v) ? v[0] : v) ?? '', z.string().catch(''))

/** A field whose value is checked by `problem`, which returns the catalogue key of what is wrong, if anything. */
function field(clean: (s: string) => string, problem: (s: string) => MessageKey | null) {
  return text.transform(clean).superRefine((value, ctx) => {
    const key = problem(value)
    if (key) ctx.addIssue({ code: 'custom', message: key })
  })
}

export const commentForm = z.object({
  author: field(cleanLine, (s) => (!s ? 'errAuthorRequired' : chars(s) > LIMITS.author ? 'errAuthorTooLong' : null)),
  email: field(
    // Stored as people read it (src/lib/address.ts: one rule for every form that takes an address).
    (s) => readableAddress(cleanLine(s)),
    (s) => (!s ? null : chars(s) > LIMITS.email ? 'errEmailTooLong' : isAddress(s) ? null : 'errEmailInvalid'),
  ).transform((s) => s || null),
  url: field(cleanUrl, (s) => (!s ? null : chars(s) > LIMITS.url ? 'errUrlTooLong' : isHttpUrl(s) ? null : 'errUrlInvalid'))
    // Stored as the URL parser writes it: quotes and angle brackets percent-encoded.
    .transform((s) => (s ? new URL(s).href : null)),
  body: field(cleanText, (s) => (!s ? 'errBodyRequired' : chars(s) > LIMITS.body ? 'errBodyTooLong' : null)),
  remember: text.transform((v) => v !== ''),
  // E-mail notifications (only offered when mail is on): `notify=on` the replies, `notify_all=on` every comment.
  notify: text.transform((v) => v !== ''),
  notify_all: text.transform((v) => v !== ''),
  parent: text.transform((v) => (/^\d{1,15}$/.test(v) ? Number(v) : null)),
})

export type CommentInput = z.output<typeof commentForm>

/** What the commenter typed, cleaned only enough to be shown again in the form. */
export interface FormValues {
  author: string
  email: string
  url: string
  body: string
  remember: boolean
  notify: boolean
  notifyAll: boolean
}

/** What was sent, as typed: shown again in a form with errors (escaped), never stored. */
export function typedValues(body: unknown): { form: FormValues; honeypot: boolean; parent: string } {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const get = (k: string) => {
    const v = Array.isArray(raw[k]) ? (raw[k] as unknown[])[0] : raw[k]
    return typeof v === 'string' ? v.normalize('NFC') : ''
  }
  return {
    form: {
      author: get('author'),
      email: get('email'),
      url: get('url'),
      body: get('body'),
      remember: get('remember') !== '',
      notify: get('notify') !== '',
      notifyAll: get('notify_all') !== '',
    },
    honeypot: get(HONEYPOT_FIELD).trim() !== '',
    parent: get('parent'),
  }
}

export type FieldErrors = Partial<Record<Field, string>>

/** The first problem of each field, in the blog's language. */
export function fieldErrors(error: z.ZodError, t: Messages, values: FormValues): FieldErrors {
  const out: FieldErrors = {}
  for (const issue of error.issues) {
    const name = issue.path[0] as Field
    if (!FIELDS.includes(name) || out[name]) continue
    const key = issue.message as keyof Messages
    if (key === 'errBodyTooLong') out[name] = t.errBodyTooLong(chars(cleanText(values.body)))
    else out[name] = typeof t[key] === 'string' ? (t[key] as string) : t.badRequestText
  }
  return out
}

/** `?reply=<id>` and `?moderation=pending` on the post page. */
export const postPageQuery = z.object({
  reply: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  moderation: z.literal('pending').optional().catch(undefined),
})

/** The remember-me cookie: what it held when it was set, read defensively (it comes from the browser). */
export const rememberedCommenter = z.object({
  author: z
    .string()
    .max(LIMITS.author * 4)
    .catch(''),
  email: z
    .string()
    .max(LIMITS.email * 4)
    .catch(''),
  url: z
    .string()
    .max(LIMITS.url * 4)
    .catch(''),
})

/** `/comment/:id`. */
export const commentParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) })
