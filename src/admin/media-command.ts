// `npm run cli -- media add <file> [--alt "text" | --decorative]`: adds an image to the media library with the
// same checks and processing as an upload in the admin, and prints its Markdown to paste into a post.
import { copyFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { loadConfig } from '../config.ts'
import { openBlog } from '../blog.ts'
import { messages } from '../i18n/index.ts'
import { MediaError } from '../media/image.ts'
import { markdownOf, MediaStore } from '../media/store.ts'
import { audit } from './audit.ts'
import { uploadMessage } from './uploads.ts'

const USAGE = 'Usage: npm run cli -- media add <file> [--alt "text" | --decorative]'

const argsSchema = z.object({
  file: z.string().min(1),
  alt: z.string().max(1000, { error: 'The alt text has 1,000 characters at most.' }).default(''),
  decorative: z.boolean().default(false),
})

function parseArgs(args: string[]): z.infer<typeof argsSchema> | string {
  const raw: { file?: string; alt?: string; decorative?: boolean } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--alt') {
      if (args[i + 1] === undefined) return '--alt needs a text.'
      raw.alt = args[++i]
    } else if (arg.startsWith('--alt=')) raw.alt = arg.slice(6)
    else if (arg === '--decorative') raw.decorative = true
    else if (arg.startsWith('--')) return `Unknown option ${arg}.`
    else if (raw.file === undefined) raw.file = arg
    else return `One file at a time (got ${raw.file} and ${arg}).`
  }
  if (raw.file === undefined) return 'Give the image file to add.'
  if (raw.alt && raw.decorative) return 'An image is either described (--alt) or decorative, not both.'
  const parsed = argsSchema.safeParse(raw)
  return parsed.success ? parsed.data : (parsed.error.issues[0]!.message ?? 'Bad arguments.')
}

export async function mediaAdd(args: string[]): Promise<number> {
  const parsed = parseArgs(args)
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n${USAGE}`)
    return 2
  }
  const info = await stat(parsed.file).catch(() => null)
  if (!info?.isFile()) {
    console.error(`No file at ${parsed.file}.`)
    return 1
  }
  const config = loadConfig()
  const t = messages('en').admin
  if (info.size > config.mediaMaxBytes) {
    console.error(uploadMessage(t, 'too-large', config.mediaMaxBytes))
    return 1
  }
  const blog = await openBlog({ ...config, demoContent: false })
  try {
    let failed: unknown = null
    const store = new MediaStore(blog.db, config.mediaDir, config.mediaMaxBytes, (err) => (failed = err))
    await store.ensureDir()
    // Processed from a copy in the media folder, as an upload is: the processing deletes its input.
    const copy = join(config.mediaDir, `.upload-cli-${process.pid}-${Date.now()}`)
    await copyFile(parsed.file, copy)
    const row = await store.addReceived(copy, info.size, { alt: parsed.alt, decorative: parsed.decorative })
    // Its other sizes and formats, made before the command ends (a server would make them in the background).
    await store.settled()
    if (failed) console.error(`Warning: some sizes or formats could not be made (${String(failed)}); the full size is served instead.`)
    await audit(blog.db, { id: null, username: 'cli' }, 'media.upload', `media ${row.id}`, { name: row.name, by: 'command line' })
    if (!row.alt && row.decorative !== 1)
      console.error('Warning: this image has no alt text; give it one with --alt, or on the admin’s Images page.')
    console.log(markdownOf(row))
    return 0
  } catch (err) {
    if (err instanceof MediaError) {
      console.error(`${parsed.file}: ${uploadMessage(t, err.code, config.mediaMaxBytes)} Nothing was added.`)
      return 1
    }
    throw err
  } finally {
    await blog.close()
  }
}
