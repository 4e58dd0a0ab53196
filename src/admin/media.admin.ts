// The media page (/admin/media): every image with its thumbnail, size, dimensions, alt text, the posts that use
// it and, while its sizes are being made, where it stands; upload (a form, or a script's fetch from the editor,
// answered in JSON, then asking `/admin/media?progress=<file>` in JSON until its images are ready); edit the alt text; delete,
// with a confirmation that says which posts would show it broken.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import { z } from 'zod'
import { keyset, pageOf, parsePosition, positionParam } from './keyset.ts'
import { fullName, parseMediaUrl, widthName, widthsBelow } from '../media/names.ts'
import { markdownOf, type MediaRow, type Progress } from '../media/store.ts'
import { idParams } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { readCsrfField, readUpload, uploadMessage, uploadStatus } from './uploads.ts'

const MAX_ALT_LENGTH = 1000

const altForm = z.object({
  alt: z.string().catch('').default(''),
  decorative: z.string().optional().catch(undefined),
})
const deleteForm = z.object({ force: z.string().optional().catch(undefined) })
const doneQuery = z.object({ done: z.enum(['added', 'deleted', 'alt']).optional().catch(undefined), page: positionParam })
/** Images a page shows (each with the posts that use it). */
const PAGE_SIZE = 30
const progressQuery = z.object({
  progress: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => [v].flat().slice(0, 50))
    .catch([]),
})

function sizeOf(bytes: number, language: string): string {
  const units = language === 'fr' ? ['o', 'ko', 'Mo'] : ['B', 'KB', 'MB']
  const fmt = new Intl.NumberFormat(language, { maximumFractionDigits: 1 })
  if (bytes < 1024) return `${fmt.format(bytes)} ${units[0]}`
  if (bytes < 1024 * 1024) return `${fmt.format(bytes / 1024)} ${units[1]}`
  return `${fmt.format(bytes / (1024 * 1024))} ${units[2]}`
}

export default async function mediaRoutes(app: FastifyInstance) {
  /** What the page shows of one image. */
  async function item(row: MediaRow, progress?: Progress) {
    const t = adminContext(app).t
    const ref = parseMediaUrl(`/media/${row.name}`)!
    const small = widthsBelow(ref.width)[0]
    const thumbWidth = small ?? ref.width
    return {
      id: row.id,
      name: row.name,
      url: `/media/${row.name}`,
      thumb: `/media/${small ? widthName(ref, small, ref.ext) : fullName(ref)}`,
      thumbWidth,
      thumbHeight: Math.max(1, Math.round((ref.height * thumbWidth) / ref.width)),
      dimensions: `${row.width} × ${row.height}`,
      size: sizeOf(row.bytes, app.settings.get().language),
      alt: row.alt,
      decorative: row.decorative === 1,
      markdown: markdownOf(row),
      posts: (await app.media.usedBy(row)).map((p) => ({ title: p.title, url: `/admin/posts/${p.id}` })),
      processing: progress && !progress.ready ? t.imageProcessing(progress.ahead) : null,
    }
  }

  /** Where a set of images stands, for the editor's script: one message for all, ready once every one is. */
  async function progressOf(rows: MediaRow[]) {
    const t = adminContext(app).t
    const states = [...(await app.media.progress(rows)).values()]
    const waiting = states.filter((s) => !s.ready)
    if (waiting.length === 0) return { ready: true, message: t.imagesReady(rows.length) }
    const ahead = waiting.map((s) => s.ahead).filter((a): a is number => a !== null)
    return { ready: false, message: t.imageProcessing(ahead.length ? Math.min(...ahead) : null) }
  }

  async function page(
    reply: FastifyReply,
    extra: { notice?: string | null; error?: string | null; alt?: string; decorative?: boolean } = {},
    position = '',
  ) {
    const context = adminContext(app)
    // Paged by key (src/admin/keyset.ts): a page of images, each with the posts that use it.
    const at = parsePosition(position)
    const keys = keyset(sql.ref('created_at'), sql.ref('id'), 'desc', at)
    const listed = pageOf(
      await app.media.list({ limit: PAGE_SIZE + 1, ...keys }),
      PAGE_SIZE,
      at,
      (r) => ({ key: r.created_at, id: r.id }),
      (p) => (p ? `/admin/media?page=${encodeURIComponent(p)}` : '/admin/media'),
    )
    const rows = listed.rows
    const progress = await app.media.progress(rows)
    return reply.adminPage('admin/media', {
      heading: context.t.media,
      pager: listed.pager,
      items: await Promise.all(rows.map((row) => item(row, progress.get(row.id)))),
      notice: extra.notice ?? null,
      upload: { error: extra.error ?? null, alt: extra.alt ?? '', decorative: extra.decorative ?? false },
      maxImageMb: Math.round((app.config.mediaMaxBytes / (1024 * 1024)) * 10) / 10,
    })
  }

  app.get('/media', { config: { permission: 'media' } }, async (request, reply) => {
    // The editor's script asks where its images stand: `?progress=<file>&progress=<file>`, in JSON.
    if ((request.headers.accept ?? '').includes('application/json')) {
      const names = progressQuery.parse(request.query ?? {}).progress
      const rows = [...(await app.media.byNames(names)).values()]
      if (rows.length === 0) return reply.code(404).send({ error: 'unknown images' })
      return reply.header('cache-control', 'no-store').send(await progressOf(rows))
    }
    const t = adminContext(app).t
    const { done, page: position } = doneQuery.parse(request.query ?? {})
    return page(
      reply,
      { notice: done === 'added' ? t.imageAdded : done === 'deleted' ? t.imageDeleted : done === 'alt' ? t.altSaved : null },
      position,
    )
  })

  // From the media page's form (answered with the page) or the editor's script (answered in JSON).
  app.post(
    '/media',
    { config: { permission: 'media' }, preHandler: [readCsrfField, app.csrfProtection] },
    async (request: FastifyRequest, reply) => {
      const t = adminContext(app).t
      const json = (request.headers.accept ?? '').includes('application/json')
      const result = await readUpload(app, request)
      for (const row of result.added) await audit(app.db, request.admin!, 'media.upload', `media ${row.id}`, { name: row.name })
      if (json) {
        const markdown = result.added.map(markdownOf)
        if (result.error) {
          return reply.code(uploadStatus(result.error)).send({ error: uploadMessage(t, result.error, app.config.mediaMaxBytes), markdown })
        }
        const progress = await progressOf(result.added)
        const message = progress.ready ? t.imageAdded : `${t.imageAdded} ${progress.message}`
        return reply.code(201).send({ markdown, message, names: result.added.map((r) => r.name), ready: progress.ready })
      }
      if (result.error) {
        const typed = typeof result.fields.imageAlt === 'string' ? result.fields.imageAlt : ''
        return page(reply.code(uploadStatus(result.error)), {
          error: uploadMessage(t, result.error, app.config.mediaMaxBytes),
          alt: typed,
          decorative: 'imageDecorative' in result.fields,
        })
      }
      return reply.redirect('/admin/media?done=added', 303)
    },
  )

  async function found(request: FastifyRequest): Promise<MediaRow | undefined> {
    const params = idParams.safeParse(request.params)
    return params.success ? app.media.find(params.data.id) : undefined
  }

  app.post('/media/:id', { config: { permission: 'media' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const row = await found(request)
    if (!row) return reply.callNotFound()
    const t = adminContext(app).t
    const form = altForm.parse(request.body ?? {})
    const decorative = form.decorative !== undefined
    if (form.alt.length > MAX_ALT_LENGTH) return page(reply.code(400), { error: t.altTooLong })
    await app.media.setAlt(row.id, form.alt, decorative)
    await audit(app.db, request.admin!, 'media.alt', `media ${row.id}`, { name: row.name, decorative })
    return reply.redirect(`/admin/media?done=alt#media-${row.id}`, 303)
  })

  async function confirmPage(reply: FastifyReply, row: MediaRow, error: string | null = null) {
    const t = adminContext(app).t
    return reply.adminPage('admin/media-delete', { heading: t.deleteImageTitle, item: await item(row), error })
  }

  app.get('/media/:id/delete', { config: { permission: 'media' } }, async (request, reply) => {
    const row = await found(request)
    if (!row) return reply.callNotFound()
    return confirmPage(reply, row)
  })

  app.post('/media/:id/delete', { config: { permission: 'media' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const row = await found(request)
    if (!row) return reply.callNotFound()
    const posts = await app.media.usedBy(row)
    // Used by a post: only with the explicit confirmation the page asks for.
    if (posts.length > 0 && !deleteForm.parse(request.body ?? {}).force) {
      return confirmPage(reply.code(409), row, adminContext(app).t.deleteImageUsed(posts.length))
    }
    await app.media.remove(row)
    // The blog's logo or favicon (Appearance) no longer: the header shows the title, /favicon.ico Carnet's own.
    const { logo, favicon } = app.settings.get()
    if (logo?.id === row.id || favicon?.id === row.id) {
      await app.settings.update({ logo: logo?.id === row.id ? null : logo, favicon: favicon?.id === row.id ? null : favicon })
    }
    await audit(app.db, request.admin!, 'media.delete', `media ${row.id}`, { name: row.name, usedBy: posts.map((p) => p.id) })
    return reply.redirect('/admin/media?done=deleted', 303)
  })
}
