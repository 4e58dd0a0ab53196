// `npm run cli -- page add <file.md> --title <title> [--slug <slug>] [--draft]`: a static page from a file, for
// scripts and migrations. The same write path and checks as the admin's page editor: Markdown (or HTML for a
// .html file), published at once unless --draft, comments off, and a slug neither another page's or post's nor
// one of the blog's own addresses (/feed.rss, /admin…: the route names are read from the app, given by the caller).
import { readFile, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { z } from 'zod'
import { loadConfig } from '../config.ts'
import { openBlog } from '../blog.ts'
import { createPost, uniqueSlug } from '../content/posts.write.ts'
import { slugify } from '../lib/slug.ts'
import { pagePath } from '../lib/urls.ts'
import { storedSiteUrl } from '../settings/settings.ts'
import { pageSlugProblem } from './pages.repository.ts'

export const PAGE_ADD_USAGE = 'Usage: npm run cli -- page add <file.md> --title <title> [--slug <slug>] [--draft]'

const MAX_BODY_BYTES = 500_000

const argsSchema = z.object({
  file: z.string().min(1),
  title: z
    .string()
    .transform((t) => t.normalize('NFC').trim())
    .pipe(z.string().min(1, { error: 'The title is empty.' }).max(200, { error: 'The title has 200 characters at most.' })),
  slug: z.string().optional(),
  draft: z.boolean().default(false),
})

function parseArgs(args: string[]): z.infer<typeof argsSchema> | string {
  const raw: { file?: string; title?: string; slug?: string; draft?: boolean } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const option = /^--(title|slug)(?:=(.*))?$/.exec(arg)
    if (option) {
      const value = option[2] ?? args[++i]
      if (value === undefined) return `--${option[1]} needs a value.`
      raw[option[1] as 'title' | 'slug'] = value
    } else if (arg === '--draft') raw.draft = true
    else if (arg.startsWith('--')) return `Unknown option ${arg}.`
    else if (raw.file === undefined) raw.file = arg
    else return `One file at a time (got ${raw.file} and ${arg}).`
  }
  if (raw.file === undefined) return 'Give the file that holds the page’s text.'
  if (raw.title === undefined) return 'Give the page’s title with --title.'
  const parsed = argsSchema.safeParse(raw)
  return parsed.success ? parsed.data : (parsed.error.issues[0]!.message ?? 'Bad arguments.')
}

export async function pageAdd(args: string[], routeNames: () => Promise<ReadonlySet<string>>): Promise<number> {
  const parsed = parseArgs(args)
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n${PAGE_ADD_USAGE}`)
    return 2
  }
  const info = await stat(parsed.file).catch(() => null)
  if (!info?.isFile()) {
    console.error(`No file at ${parsed.file}.`)
    return 1
  }
  if (info.size > MAX_BODY_BYTES) {
    console.error(`${parsed.file} is too long for a page (${MAX_BODY_BYTES.toLocaleString('en')} bytes at most). Nothing was added.`)
    return 1
  }
  const body = (await readFile(parsed.file, 'utf8')).replace(/\r\n/g, '\n')
  const format = ['.html', '.htm'].includes(extname(parsed.file).toLowerCase()) ? 'html' : 'markdown'
  const typedSlug = parsed.slug === undefined ? '' : slugify(parsed.slug)
  if (parsed.slug !== undefined && typedSlug === '') {
    console.error(`--slug ${JSON.stringify(parsed.slug)} has no letter or digit to make an address of. Nothing was added.`)
    return 1
  }
  const names = await routeNames()
  const blog = await openBlog({ ...loadConfig(), demoContent: false })
  try {
    const slug = typedSlug || (await uniqueSlug(blog.db, parsed.title))
    const problem = await pageSlugProblem(blog.db, names, slug)
    if (problem) {
      console.error(
        problem === 'reserved'
          ? `"${slug}" is one of the blog's own addresses (/${slug}…): choose another with --slug. Nothing was added.`
          : `Another page or post already has the address "${slug}": choose another with --slug. Nothing was added.`,
      )
      return 1
    }
    const created = await createPost(blog.db, {
      kind: 'page',
      title: parsed.title,
      slug,
      body,
      format,
      status: parsed.draft ? 'draft' : 'published',
    })
    await blog.db
      .insertInto('audit_log')
      .values({
        user_id: null,
        username: 'cli',
        action: 'post.create',
        target: `post ${created.id}`,
        details: JSON.stringify({ title: parsed.title, kind: 'page', slug: created.slug, by: 'command line' }),
        created_at: new Date().toISOString(),
      })
      .execute()
    const site = (await storedSiteUrl(blog.db)) ?? ''
    const address = `${site}${pagePath(created.slug)}`
    console.log(parsed.draft ? `Saved the draft page "${parsed.title}" (${address} once published).` : `Published ${address}`)
    return 0
  } finally {
    await blog.close()
  }
}
