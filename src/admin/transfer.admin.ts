// The "Import / export" page: upload a WordPress or Disqus export (streamed to a temporary file, 100 MB at most)
// to import it with the command line's code and summary, a dry run first if wished; download the whole blog as
// WXR. The upload is read as it streams in, after the admin's session check and the CSRF token (the form's first
// field, checked before any file byte is written: src/admin/uploads.ts).
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'
import { importDisqus } from '../transfer/disqus-import.ts'
import { skippedLines, type ImportSummary } from '../transfer/summary.ts'
import { exportWxr } from '../transfer/wxr-export.ts'
import { importWxr } from '../transfer/wxr-import.ts'
import { ImportFileError } from '../transfer/xml-records.ts'
import { audit } from './audit.ts'
import { csrfFirst } from './uploads.ts'

export const UPLOAD_LIMIT_MB = 100

/** An uploaded export, written to a temporary folder of its own (removed once imported). */
interface ExportFile {
  dir: string
  path: string
  name: string
  tooLarge: boolean
}

const importForm = z.object({
  kind: z.enum(['wxr', 'disqus']).catch('wxr'),
  dryRun: z.literal('on').optional().catch(undefined),
})

export default async function transferRoutes(app: FastifyInstance) {
  /** The form's fields and its file, streamed to disk; bytes past the limit are not kept. */
  async function readImportForm(request: FastifyRequest): Promise<{ fields: Record<string, string>; file: ExportFile | null }> {
    const fields: Record<string, string> = {}
    let file: ExportFile | null = null
    for await (const part of request.uploadParts ?? []) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value)
      } else if (part.fieldname !== 'file' || file || !part.filename) {
        part.file.resume()
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'carnet-upload-'))
        file = { dir, path: join(dir, 'upload.xml'), name: part.filename, tooLarge: false }
        await pipeline(part.file, createWriteStream(file.path))
        file.tooLarge = part.file.truncated
      }
    }
    return { fields, file }
  }

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
      skipped: data.summary ? skippedLines(data.summary, t.transfer) : [],
      fileName: data.fileName ?? '',
    })
  }

  app.get('/transfer', async (_request, reply) => page(reply, {}))

  const readCsrf = csrfFirst({ fileSize: UPLOAD_LIMIT_MB * 1024 * 1024, files: 1 })
  app.post('/transfer/import', { preHandler: [readCsrf, app.csrfProtection] }, async (request, reply) => {
    const { fields, file: upload } = await readImportForm(request)
    try {
      return await importUpload(request, reply, importForm.parse(fields), upload)
    } finally {
      if (upload) rmSync(upload.dir, { recursive: true, force: true })
    }
  })

  async function importUpload(request: FastifyRequest, reply: FastifyReply, form: z.infer<typeof importForm>, upload: ExportFile | null) {
    const t = messages(app.settings.get().language)
    const dryRun = form.dryRun === 'on'
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
  }

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
