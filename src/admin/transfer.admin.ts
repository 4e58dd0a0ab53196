// The "Import / export" page: upload a WordPress or Disqus export (streamed to a temporary file, 100 MB at most)
// to import it with the command line's code and summary, a dry run first if wished; download the whole blog as
// WXR. The upload is read as it streams in, after the admin's session check and the CSRF token (the form's first
// field, checked before any file byte is written: src/admin/uploads.ts).
//
// After a dry run the file is kept (a folder of its own in the temporary directory, named by a random token the
// form carries back), so that the real import needs no second upload; an hour later, or once imported, it goes.
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
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
  token: string
}

const importForm = z.object({
  kind: z.enum(['wxr', 'disqus']).catch('wxr'),
  dryRun: z.literal('on').optional().catch(undefined),
  kept: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional()
    .catch(undefined),
})

const KEPT_PREFIX = 'carnet-import-'
const KEPT_FOR_MS = 60 * 60 * 1000

/** A new folder for an upload: its name holds the token that finds it again. */
function uploadDir(): { dir: string; token: string } {
  const token = randomBytes(16).toString('hex')
  const dir = join(tmpdir(), `${KEPT_PREFIX}${token}`)
  mkdirSync(dir, { mode: 0o700 })
  return { dir, token }
}

/** The file a dry run kept, by its token; undefined when it is gone. */
function keptUpload(token: string): ExportFile | undefined {
  const dir = join(tmpdir(), `${KEPT_PREFIX}${token}`)
  const path = join(dir, 'upload.xml')
  if (!existsSync(path)) return undefined
  const name = z
    .string()
    .max(1000)
    .catch('')
    .parse(readFileSync(join(dir, 'name'), 'utf8'))
  return { dir, path, name, tooLarge: false, token }
}

/** Kept files older than an hour are removed (a dry run whose import never came). */
function sweepKept(): void {
  const now = Date.now()
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(KEPT_PREFIX)) continue
    const dir = join(tmpdir(), entry)
    try {
      if (now - statSync(dir).mtimeMs > KEPT_FOR_MS) rmSync(dir, { recursive: true, force: true })
    } catch {
      // Gone meanwhile.
    }
  }
}

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
        const { dir, token } = uploadDir()
        file = { dir, path: join(dir, 'upload.xml'), name: part.filename, tooLarge: false, token }
        writeFileSync(join(dir, 'name'), part.filename)
        await pipeline(part.file, createWriteStream(file.path))
        file.tooLarge = part.file.truncated
      }
    }
    return { fields, file }
  }

  function page(
    reply: FastifyReply,
    data: {
      kind?: string
      dryRun?: boolean
      error?: string | null
      summary?: ImportSummary | null
      fileName?: string
      kept?: ExportFile
    },
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
      kept: data.kept ? { token: data.kept.token, name: data.kept.name } : null,
    })
  }

  app.get('/transfer', { config: { permission: 'transfer' } }, async (_request, reply) => page(reply, {}))

  const readCsrf = csrfFirst({ fileSize: UPLOAD_LIMIT_MB * 1024 * 1024, files: 1 })
  app.post(
    '/transfer/import',
    { config: { permission: 'transfer' }, preHandler: [readCsrf, app.csrfProtection] },
    async (request, reply) => {
      const { fields, file: uploaded } = await readImportForm(request)
      const form = importForm.parse(fields)
      // A file chosen now wins over one a dry run kept.
      const kept = !uploaded && form.kept ? keptUpload(form.kept) : undefined
      const upload = uploaded ?? kept ?? null
      let keep = false
      try {
        if (!upload && form.kept) {
          const t = messages(app.settings.get().language)
          return page(reply.code(400), { kind: form.kind, dryRun: false, error: t.transfer.keptFileGone })
        }
        const result = await importUpload(request, reply, form, upload)
        keep = result.keep
        return await result.reply
      } finally {
        if (upload && !keep) rmSync(upload.dir, { recursive: true, force: true })
        if (form.kept && uploaded) rmSync(join(tmpdir(), `${KEPT_PREFIX}${form.kept}`), { recursive: true, force: true })
        sweepKept()
      }
    },
  )

  /** The page to answer with, and whether the file is kept for the real import (after a dry run that went well). */
  async function importUpload(
    request: FastifyRequest,
    reply: FastifyReply,
    form: z.infer<typeof importForm>,
    upload: ExportFile | null,
  ): Promise<{ reply: ReturnType<typeof page>; keep: boolean }> {
    const t = messages(app.settings.get().language)
    const language = app.settings.get().language
    const dryRun = form.dryRun === 'on'
    if (!upload || !upload.name)
      return { reply: page(reply.code(400), { kind: form.kind, dryRun, error: t.transfer.fileRequired }), keep: false }
    if (upload.tooLarge)
      return { reply: page(reply.code(400), { kind: form.kind, dryRun, error: t.transfer.fileTooLarge(UPLOAD_LIMIT_MB) }), keep: false }
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
          closedThreads: summary.closedThreads,
        })
      }
      // After a dry run, the real import is one click away: the file is kept, the dry run unticked.
      if (dryRun)
        return { reply: page(reply, { kind: form.kind, dryRun: false, summary, fileName: upload.name, kept: upload }), keep: true }
      return { reply: page(reply, { kind: form.kind, dryRun, summary, fileName: upload.name }), keep: false }
    } catch (err) {
      if (err instanceof ImportFileError) {
        const error = t.transfer.refused(err.describe(language))
        return { reply: page(reply.code(400), { kind: form.kind, dryRun, error, fileName: upload.name }), keep: false }
      }
      throw err
    }
  }

  // A POST (with the CSRF token), not a link: the download is an admin action, written to the audit log.
  app.post('/transfer/export', { config: { permission: 'transfer' }, preHandler: app.csrfProtection }, async (request, reply) => {
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
