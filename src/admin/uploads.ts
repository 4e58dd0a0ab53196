// Image uploads into the admin: multipart bodies read as they stream in. The file goes straight to a temporary
// file in the media folder (never into memory) and is cut at MEDIA_MAX_BYTES; the text fields of the same form
// (the whole post editor, when an image is added without JavaScript) are collected so that nothing typed is lost.
//
// The CSRF token must be known before any file byte is stored: a script sends it as the `X-CSRF-Token` header,
// a form as its first field (`_csrf` is the first input of every admin form). A form whose first part is not the
// token is refused before its file is read.
import type { Multipart } from '@fastify/multipart'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { z } from 'zod'
import type { Messages } from '../i18n/index.ts'
import { MediaError, type MediaErrorCode } from '../media/image.ts'
import type { MediaRow } from '../media/store.ts'
import { refusal } from './http.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The rest of a multipart body, after the `_csrf` field read by `readCsrfField`. */
    uploadParts?: AsyncIterableIterator<Multipart>
    /** Called when the body is left unread (a file over the limit): the answer closes the connection. */
    closeAfterReply?: () => void
  }
}

const MAX_ALT_LENGTH = 1000

function csrfError(): FastifyError {
  return Object.assign(new Error('Invalid csrf token'), { statusCode: 403, code: 'FST_CSRF_INVALID_TOKEN' }) as FastifyError
}

/**
 * preHandler before `app.csrfProtection` on multipart routes: takes the token from the body's first part into
 * `request.body._csrf`, where the check looks, unless a header carries it. `limits` are this route's own
 * (busboy's: a file size other than MEDIA_MAX_BYTES, say).
 */
export function csrfFirst(limits?: { fileSize?: number; files?: number }): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, reply: FastifyReply) {
    // Anything else goes to the usual check (a form-encoded body's `_csrf`), then is refused by the route.
    if (!request.isMultipart()) return
    request.closeAfterReply = () => closeAfterReply(request, reply)
    const parts = request.parts(limits ? { limits } : undefined)
    if (request.headers['x-csrf-token'] || request.headers['csrf-token']) {
      request.uploadParts = parts
      return
    }
    const first = await parts.next()
    if (first.done || first.value.type !== 'field' || first.value.fieldname !== '_csrf') throw csrfError()
    request.body = { _csrf: String(first.value.value) }
    request.uploadParts = parts
  }
}

export const readCsrfField = csrfFirst()

/**
 * The rest of a body too large to take is not read: the answer says `Connection: close`, and the socket is closed
 * once the answer is written (Node would otherwise read, and drop, the whole rest to keep the connection alive:
 * 30 MB for a 30 MB photo over a 1 MB limit). The client stops sending at once and reads the answer.
 */
function closeAfterReply(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close')
  const socket = request.raw.socket
  reply.raw.once('finish', () => {
    socket.end()
    if (socket.writableFinished) socket.destroy()
    else socket.once('finish', () => socket.destroy())
  })
}

export interface Upload {
  /** Every text field, as `x` → value (or values, when the name repeats). */
  fields: Record<string, string | string[]>
  /** The images stored, in the order sent. */
  added: MediaRow[]
  /** Why a file was refused (the first refusal: the files after it are not read). */
  error: MediaErrorCode | 'no-file' | 'alt-too-long' | null
}

const altFields = z.object({
  imageAlt: z.string().catch('').default(''),
  imageDecorative: z.string().optional().catch(undefined),
})

/**
 * Reads a multipart upload: fields, then each file (field `images`), processed one after the other. A file over
 * the limit stops the reading at once (413): its bytes are not kept, and the answer does not wait for the rest.
 */
export async function readUpload(app: FastifyInstance, request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) throw refusal(415, 'multipart/form-data expected')
  const fields: Record<string, string | string[]> = {}
  const added: MediaRow[] = []
  const parts = request.uploadParts ?? request.parts()
  let error: Upload['error'] = null
  let files = 0
  for await (const part of parts) {
    if (part.type === 'field') {
      const value = String(part.value)
      const known = fields[part.fieldname]
      fields[part.fieldname] = known === undefined ? value : [...[known].flat(), value]
      continue
    }
    // A file input left empty still sends a part, with no name and no bytes.
    if (error) {
      part.file.resume()
      continue
    }
    let received: { path: string; bytes: number }
    try {
      received = await app.media.receive(part.file, () => part.file.truncated)
    } catch (err) {
      if (!(err instanceof MediaError)) throw err
      error = err.code
      if (err.code === 'too-large') {
        request.closeAfterReply?.()
        break
      }
      continue
    }
    if (received.bytes === 0 && !part.filename) {
      await app.media.discard(received.path)
      continue
    }
    files++
    const alt = altFields.parse(fields)
    const decorative = alt.imageDecorative !== undefined
    if (alt.imageAlt.length > MAX_ALT_LENGTH) {
      await app.media.discard(received.path)
      error = 'alt-too-long'
      continue
    }
    try {
      added.push(await app.media.addReceived(received.path, received.bytes, { alt: alt.imageAlt, decorative }))
    } catch (err) {
      if (!(err instanceof MediaError)) throw err
      error = err.code
    }
  }
  if (!error && files === 0) error = 'no-file'
  return { fields, added, error }
}

/** The message for a refused upload, in the admin's language. */
export function uploadMessage(t: Messages['admin'], error: NonNullable<Upload['error']>, maxBytes: number): string {
  const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10
  switch (error) {
    case 'no-file':
      return t.noFile
    case 'not-image':
      return t.mediaNotImage
    case 'svg':
      return t.mediaSvg
    case 'too-many-pixels':
      return t.mediaTooManyPixels
    case 'corrupt':
      return t.mediaCorrupt
    case 'too-large':
      return t.mediaTooLarge(mb)
    case 'empty':
      return t.mediaEmpty
    case 'alt-too-long':
      return t.altTooLong
  }
}

/** 413 for a file over the limit, 400 for anything else refused. */
export function uploadStatus(error: NonNullable<Upload['error']>): number {
  return error === 'too-large' ? 413 : 400
}

export function replyJsonError(reply: FastifyReply, t: Messages['admin'], error: NonNullable<Upload['error']>, maxBytes: number) {
  return reply.code(uploadStatus(error)).send({ error: uploadMessage(t, error, maxBytes) })
}
