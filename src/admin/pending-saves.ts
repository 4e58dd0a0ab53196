// A save posted without JavaScript after the session ended (or with a token from before signing in again in
// another tab) keeps its text (issue 29): the form is held in pending_saves, and the sign-in page that answers
// carries only a one-time token (a hidden field, never in an address). Signing in resumes the save, with the
// same checks as any other (the conflict check included). Only forms posted from the blog's own pages are held,
// as their Origin / Sec-Fetch-Site headers say: another site cannot plant a save for someone's next sign-in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { messages } from '../i18n/index.ts'
import { findPostById } from './admin.repository.ts'
import { idParams } from './admin.schemas.ts'
import { holdPendingSave } from './drafts.repository.ts'
import { letRefusalWriteSession } from './session.ts'

/** The fields of the editor's form that a held save keeps. */
const EDITOR_FIELDS = ['title', 'slug', 'body', 'format', 'tags', 'signature', 'publishedAt', 'categories[]', 'version', 'action']

/** A form the browser says it sent from one of the blog's own pages. Without either header: no. */
export function isSameOrigin(request: FastifyRequest, siteUrl: string): boolean {
  const fetchSite = request.headers['sec-fetch-site']
  if (fetchSite !== undefined) return fetchSite === 'same-origin'
  const origin = request.headers.origin
  if (!origin) return false
  if (origin === new URL(siteUrl).origin) return true
  try {
    return new URL(origin).host === request.host
  } catch {
    return false
  }
}

/** Holds the posted editor form and answers with the sign-in page (or, signed in, a page to confirm the save). */
export async function holdSave(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const t = messages(app.settings.get().language).admin
  let postId: number | null = null
  if (request.params && typeof request.params === 'object' && 'id' in request.params) {
    const params = idParams.safeParse(request.params)
    const post = params.success ? await findPostById(app.db, params.data.id) : undefined
    if (!post) {
      reply.callNotFound()
      return reply
    }
    postId = post.id
  }
  const upload = request.isMultipart()
  const posted = upload ? await typedFields(request) : request.body && typeof request.body === 'object' ? request.body : {}
  // Only the editor's own fields are kept (anyone can post here: nothing else is stored).
  const form: Record<string, unknown> = {}
  for (const name of EDITOR_FIELDS) if (name in posted) form[name] = (posted as Record<string, unknown>)[name]
  // "Add the image" (the editor's multipart form): its text comes back in the editor, not saved; the image is
  // added again (its file is not kept).
  if (upload) form.action = 'preview'
  const token = await holdPendingSave(app.db, postId, form)
  request.log.info({ post: postId }, 'save held until its writer signs in')
  // The page's form needs the CSRF secret its answer puts in the session.
  letRefusalWriteSession(request)
  const next = postId === null ? '/admin/posts' : `/admin/posts/${postId}`
  if (request.admin) {
    return reply.code(403).adminPage('admin/resume', { heading: t.resumeTitle, resume: token, next })
  }
  return reply.code(401).adminPage('admin/login', {
    heading: t.loginTitle,
    next,
    username: '',
    notice: upload ? t.sessionExpiredKeptUpload : t.sessionExpiredKept,
    error: null,
    resume: token,
  })
}

/**
 * The text fields of the editor's multipart form, up to its first file (the text fields come before it, in page
 * order): the files are not read.
 */
async function typedFields(request: FastifyRequest): Promise<Record<string, unknown>> {
  const fields: Record<string, string | string[]> = {}
  // After a refused token, `_csrf` has been read already (readCsrfField): the rest.
  for await (const part of request.uploadParts ?? request.parts()) {
    if (part.type === 'file') {
      part.file.resume()
      break
    }
    const value = String(part.value)
    const known = fields[part.fieldname]
    fields[part.fieldname] = known === undefined ? value : [...[known].flat(), value]
  }
  return fields
}
