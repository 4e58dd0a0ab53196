// `npm run cli -- import wxr|disqus <file> [--dry-run]` and `export wxr <file>`: argument checking, the progress
// line and the summary; the work is in wxr-import.ts, disqus-import.ts and wxr-export.ts.
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { z } from 'zod'
import { loadConfig } from '../config.ts'
import { openBlog } from '../blog.ts'
import { storedSiteUrl } from '../settings/settings.ts'
import { messages } from '../i18n/index.ts'
import { summaryLines, type ImportSummary } from './summary.ts'
import { importWxr, type ImportOptions, type ImportProgress } from './wxr-import.ts'
import { importDisqus } from './disqus-import.ts'
import { undoInterruptedRuns } from './import-runs.ts'
import { exportWxr } from './wxr-export.ts'
import { ImportFileError } from './xml-records.ts'

const importArgs = z.object({
  file: z.string().min(1),
  dryRun: z.boolean(),
})

function parseArgs(args: string[]) {
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--dry-run')
  if (unknown.length > 0) return undefined
  return importArgs.safeParse({ file: args.find((a) => !a.startsWith('--')) ?? '', dryRun: args.includes('--dry-run') }).data
}

/** On a terminal one line rewritten in place; otherwise a plain line at every tenth of the file. */
function progressReporter(total: number) {
  const tty = process.stdout.isTTY
  let lastTenth = 0
  let lastDraw = 0
  return {
    show(p: ImportProgress) {
      const percent = Math.floor((100 * p.bytes) / Math.max(total, 1))
      const text = `Importing: ${percent} % of ${(total / 1_000_000).toFixed(1)} MB, ${p.posts} posts, ${p.comments} comments`
      if (tty) {
        const now = Date.now()
        if (now - lastDraw < 100) return
        lastDraw = now
        process.stdout.write(`\r\x1b[K${text}`)
      } else if (Math.floor(percent / 10) > lastTenth && total > 1_000_000) {
        lastTenth = Math.floor(percent / 10)
        console.log(text)
      }
    },
    clear() {
      if (tty) process.stdout.write('\r\x1b[K')
    },
  }
}

type Importer = (db: Awaited<ReturnType<typeof openBlog>>['db'], file: string, options: ImportOptions) => Promise<ImportSummary>

export function importCommand(kind: 'wxr' | 'disqus', importer: Importer) {
  return async (args: string[]): Promise<number> => {
    const parsed = parseArgs(args)
    if (!parsed) {
      console.error(`Usage: npm run cli -- import ${kind} <file> [--dry-run]`)
      return 2
    }
    if (!existsSync(parsed.file) || !statSync(parsed.file).isFile()) {
      console.error(`No file at ${parsed.file}.`)
      return 1
    }
    // Never the demo content: an import brings the writer's own posts into a new blog, and a dry run writes nothing.
    const blog = await openBlog({ ...loadConfig(), demoContent: false })
    const progress = progressReporter(statSync(parsed.file).size)
    try {
      const settings = blog.settings.get()
      const started = Date.now()
      const summary = await importer(blog.db, parsed.file, {
        dryRun: parsed.dryRun,
        timeZone: settings.timezone,
        anonymous: messages(settings.language).transfer.anonymous,
        onProgress: progress.show,
      })
      progress.clear()
      for (const line of summaryLines(summary)) console.log(line)
      console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
      return 0
    } catch (err) {
      progress.clear()
      if (err instanceof ImportFileError) {
        console.error(`${parsed.file} was refused, nothing imported: ${err.message}`)
        return 1
      }
      throw err
    } finally {
      await blog.close()
    }
  }
}

/** `import undo`: removes what imports interrupted halfway (their process gone) had written. */
export async function importUndoCommand(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error('Usage: npm run cli -- import undo')
    return 2
  }
  const blog = await openBlog({ ...loadConfig(), demoContent: false })
  try {
    const undone = await undoInterruptedRuns(blog.db)
    if (undone.length === 0) console.log('No interrupted import to undo.')
    for (const u of undone) {
      const reopened = u.threads > 0 ? `, reopened ${u.threads} comment thread${u.threads > 1 ? 's' : ''} it had closed` : ''
      console.log(`Undid interrupted import run ${u.run}: removed ${u.posts} posts and ${u.comments} comments${reopened}.`)
    }
    return 0
  } finally {
    await blog.close()
  }
}

export const importWxrCommand = importCommand('wxr', importWxr)
export const importDisqusCommand = importCommand('disqus', importDisqus)

/** `export wxr <file> [--force]`: written beside the destination, renamed into place once whole. */
export async function exportWxrCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'))
  if (!file || args.some((a) => a.startsWith('--') && a !== '--force')) {
    console.error('Usage: npm run cli -- export wxr <file> [--force]')
    return 2
  }
  if (existsSync(file) && !args.includes('--force')) {
    console.error(`${file} exists; add --force to overwrite it.`)
    return 1
  }
  const config = loadConfig()
  const blog = await openBlog({ ...config, demoContent: false })
  // The file names every post by the blog's address (links, guids): SITE_URL when the command line has it, else
  // the address the server last ran under, never the command line's default http://localhost:3000.
  const siteUrl = process.env.SITE_URL ? config.siteUrl : await storedSiteUrl(blog.db)
  if (!siteUrl) {
    await blog.close()
    console.error(
      `No server has run this blog yet, so its address is unknown: set SITE_URL, as the server will have it: SITE_URL=https://blog.example.org npm run cli -- export wxr ${file}`,
    )
    return 2
  }
  const partial = join(dirname(resolve(file)), `.${basename(file)}.${process.pid}.partial`)
  try {
    const settings = blog.settings.get()
    const started = Date.now()
    const out = createWriteStream(partial)
    const counts = await exportWxr(blog.db, out, {
      siteUrl,
      title: settings.title,
      description: settings.description,
      language: settings.language,
      timeZone: settings.timezone,
    })
    out.end()
    await finished(out)
    renameSync(partial, file)
    const size = statSync(file).size
    console.log(
      `Exported ${counts.posts} posts and ${counts.comments} comments to ${resolve(file)} (${(size / 1_000_000).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    )
    return 0
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  } finally {
    await blog.close()
  }
}
