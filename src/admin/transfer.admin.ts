// The "Import / export" page: upload a WordPress or Disqus export (streamed to a temporary file, 100 MB at most)
// to import it with the command line's code and summary, a dry run first if wished; download the whole blog as
// WXR. The upload is parsed only on this page's routes (multipart is registered in this plugin's own scope), after
// the admin's session check; its CSRF token is a form field like everywhere else in the admin.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import multipart, { type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'
import { importDisqus } from '../transfer/disqus-import.ts'
import type { ImportSummary } from '../transfer/summary.ts'
import { exportWxr } from '../transfer/wxr-export.ts'
import { importWxr } from '../transfer/wxr-import.ts'
import { ImportFileError } from '../transfer/xml-records.ts'
import { audit } from './audit.ts'

export const UPLOAD_LIMIT_MB = 100

declare module 'fastify' {
  interface FastifyRequest {
    /** The uploaded file, written to a temporary folder (removed when the answer is sent). */
    upload?: { dir: string; path: string; tooLarge: boolean; name: string }
  }
}

const importForm = z.object({
  kind: z.enum(['wxr', 'disqus']).catch('wxr'),
  dryRun: z.literal('on').optional().catch(undefined),
})

export default async function transferRoutes(app: FastifyInstance) {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: UPLOAD_LIMIT_MB * 1024 * 1024, files: 1, fields: 10, fieldSize: 10_000 },
    // Bytes go straight to disk as they arrive; a file over the limit is cut off and marked, not kept in memory.
    throwFileSizeLimit: false,
    async onFile(this: FastifyRequest, part: MultipartFile) {
      if (part.fieldname !== 'file' || this.upload) {
        part.file.resume()
        return
      }
      const dir = mkdtempSync(join(tmpdir(), 'carnet-upload-'))
      this.upload = { dir, path: join(dir, 'upload.xml'), tooLarge: false, name: part.filename }
      await pipeline(part.file, createWriteStream(this.upload.path))
      this.upload.tooLarge = part.file.truncated
    },
  })
  app.addHook('onResponse', async (request) => {
    if (request.upload) rmSync(request.upload.dir, { recursive: true, force: true })
  })

  function page(
    reply: FastifyReply,
    data: { kind?: string; dryRun?: boolean; error?: string | null; summary?: ImportSummary | null; fileName?: string },
  ) {
    const t = messages(app.settings.get().language)
    return reply.adminPage('admin/transfer', {
      heading: t.transfer.heading,
      tr: t.transfer,
      limitMb: UPLOAD_LIMIT_MB,
      kind: data.kind ?? 'wxr',
      dryRun: data.dryRun ?? true,
      error: data.error ?? null,
      summary: data.summary ?? null,
      fileName: data.fileName ?? '',
    })
  }

  app.get('/transfer', async (_request, reply) => page(reply, {}))

  app.post('/transfer/import', { preHandler: app.csrfProtection }, async (request, reply) => {
    const t = messages(app.settings.get().language)
    const form = importForm.parse(request.body ?? {})
    const dryRun = form.dryRun === 'on'
    const upload = request.upload
    if (!upload || !upload.name) return page(reply.code(400), { kind: form.kind, dryRun, error: t.transfer.fileRequired })
    if (upload.tooLarge) return page(reply.code(400), { kind: form.kind, dryRun, error: t.transfer.fileTooLarge(UPLOAD_LIMIT_MB) })
    const settings = app.settings.get()
    const importer = form.kind === 'disqus' ? importDisqus : importWxr
    try {
      const summary = await importer(app.db, upload.path, { dryRun, timeZone: settings.timezone, anonymous: t.transfer.anonymous })
      if (!dryRun) {
        await audit(app.db, request.admin!, `import.${form.kind}`, upload.name.slice(0, 200), {
          posts: summary.posts,
          comments: summary.comments,
          categories: summary.categories,
          redirects: summary.redirects,
          alreadyImported: summary.alreadyImported,
        })
      }
      return page(reply, { kind: form.kind, dryRun, summary, fileName: upload.name })
    } catch (err) {
      if (err instanceof ImportFileError) {
        return page(reply.code(400), { kind: form.kind, dryRun, error: t.transfer.refused(err.message), fileName: upload.name })
      }
      throw err
    }
  })

  // A POST (with the CSRF token), not a link: the download is an admin action, written to the audit log.
  app.post('/transfer/export', { preHandler: app.csrfProtection }, async (request, reply) => {
    const settings = app.settings.get()
    await audit(app.db, request.admin!, 'export.wxr')
    const out = new PassThrough()
    exportWxr(app.db, out, {
      siteUrl: app.config.siteUrl,
      title: settings.title,
      description: settings.description,
      language: settings.language,
      timeZone: settings.timezone,
    }).then(
      () => out.end(),
      (err: unknown) => {
        request.log.error({ err }, 'export failed')
        out.destroy(err as Error)
      },
    )
    const day = new Date().toISOString().slice(0, 10)
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="carnet-${day}.wxr.xml"`)
      .header('cache-control', 'no-store')
      .send(out)
  })
}
