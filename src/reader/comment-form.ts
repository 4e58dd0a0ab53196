// The comment form's view model, built in one place for every case: a fresh form (perhaps pre-filled from the
// remember-me cookie), an answer to a comment, a form sent back with errors, the "awaiting moderation" notice.
// No field carries `maxlength`: browsers count it in UTF-16 code units and cut what goes over without a word
// (6,000 emoji became 5,000). The server counts characters and sends anything too long back whole, with the
// message; the comment's limit is said beside it instead.
import type { Messages } from '../i18n/index.ts'
import { commentAnchor } from '../lib/urls.ts'
import type { CommentView } from './view-models.ts'
import { HONEYPOT_FIELD, type Field, type FieldErrors, type FormValues } from '../comments/comments.schemas.ts'

export interface FormFieldView {
  name: Field
  id: string
  label: string
  /** "(obligatoire)" / "(facultatif)". */
  requirement: string
  hint: string | null
  hintId: string | null
  multiline: boolean
  type: 'text' | 'email' | 'url'
  autocomplete: string
  required: boolean
  value: string
  error: string | null
  errorId: string | null
  /** Space-separated ids for aria-describedby, or null. */
  describedBy: string | null
}

export interface CommentFormView {
  action: string
  title: string
  replyTo: { id: number; authorName: string; url: string } | null
  cancelReplyUrl: string | null
  pending: boolean
  summaryTitle: string | null
  summary: Array<{ href: string; message: string }>
  fields: FormFieldView[]
  remember: boolean
  /** The notification choices, when mail is on (null: not offered). */
  notify: { replies: boolean; all: boolean } | null
  honeypotName: string
}

export const EMPTY_VALUES: FormValues = { author: '', email: '', url: '', body: '', remember: false, notify: false, notifyAll: false }

/** A visible comment of the tree, at any depth. */
export function findComment(comments: readonly CommentView[], id: number): CommentView | undefined {
  for (const c of comments) {
    if (c.id === id) return c
    const found = findComment(c.replies, id)
    if (found) return found
  }
  return undefined
}

export function commentFormView(opts: {
  t: Messages
  postUrl: string
  values?: FormValues
  errors?: FieldErrors
  /** A problem with the form as a whole (a duplicate, a vanished parent). */
  formError?: string | null
  replyTo?: { id: number; authorName: string } | null
  pending?: boolean
  /** Mail is on: offer notifications. */
  mail?: boolean
}): CommentFormView {
  const { t, postUrl } = opts
  const values = opts.values ?? EMPTY_VALUES
  const errors = opts.errors ?? {}
  const replyTo = opts.replyTo ?? null

  const field = (
    name: Field,
    spec: Pick<FormFieldView, 'label' | 'hint' | 'multiline' | 'type' | 'autocomplete' | 'required'>,
  ): FormFieldView => {
    const id = `comment-${name}`
    const hintId = spec.hint ? `${id}-hint` : null
    const error = errors[name] ?? null
    const errorId = error ? `${id}-error` : null
    const describedBy = [hintId, errorId].filter(Boolean).join(' ') || null
    // Spelled out rather than `...spec`: V8 builds a spread followed by ten more properties on a slow path,
    // and this runs for every field on every post page.
    return {
      label: spec.label,
      hint: spec.hint,
      multiline: spec.multiline,
      type: spec.type,
      autocomplete: spec.autocomplete,
      required: spec.required,
      name,
      id,
      requirement: spec.required ? t.fieldRequired : t.fieldOptional,
      hintId,
      value: values[name],
      error,
      errorId,
      describedBy,
    }
  }

  const fields = [
    field('author', { label: t.fieldAuthor, hint: null, multiline: false, type: 'text', autocomplete: 'name', required: true }),
    field('email', { label: t.fieldEmail, hint: t.emailHint, multiline: false, type: 'email', autocomplete: 'email', required: false }),
    field('url', { label: t.fieldUrl, hint: t.urlHint, multiline: false, type: 'url', autocomplete: 'url', required: false }),
    field('body', { label: t.fieldBody, hint: t.bodyHint, multiline: true, type: 'text', autocomplete: 'off', required: true }),
  ]

  const summary = fields.filter((f) => f.error).map((f) => ({ href: `#${f.id}`, message: f.error! }))
  if (opts.formError) summary.push({ href: '#comment-body', message: opts.formError })

  return {
    action: `${postUrl}#respond`,
    title: replyTo ? t.replyFormTitle(replyTo.authorName) : t.commentFormTitle,
    replyTo: replyTo ? { ...replyTo, url: `#${commentAnchor(replyTo.id)}` } : null,
    cancelReplyUrl: replyTo ? `${postUrl}#respond` : null,
    pending: opts.pending ?? false,
    summaryTitle: summary.length ? t.errorSummaryTitle(summary.length) : null,
    summary,
    fields,
    remember: values.remember,
    notify: opts.mail ? { replies: values.notify || values.notifyAll, all: values.notifyAll } : null,
    honeypotName: HONEYPOT_FIELD,
  }
}
