// `npm run cli -- page add`: a page from a file, published (or a draft), refused with a clear message and exit code
// when its file, title or slug will not do, nothing written then.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, mainOf, useTempDir, visibleText, type TestBlog } from '../helpers/app.ts'
import { runCli } from '../helpers/cli.ts'

describe('npm run cli -- page add', () => {
  let blog: TestBlog
  let env: Record<string, string>
  const tmp = useTempDir('page-cli')
  const pages = () =>
    blog.app.db
      .selectFrom('posts')
      .select(['slug', 'title', 'kind', 'status', 'format', 'comments_open'])
      .where('kind', '=', 'page')
      .orderBy('id')
      .execute()
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    env = { DATABASE_URL: blog.config.databasePath, MEDIA_DIR: join(blog.dir, 'media'), DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }
  })
  afterAll(() => blog.close())

  it('publishes a Markdown file as a page at /<slug>.html', async () => {
    const file = join(tmp.path, 'about.md')
    writeFileSync(file, '# Bonjour\n\nQui **écrit** ici.\n')
    const run = await runCli(['page', 'add', file, '--title', 'À propos', '--slug', 'about'], env)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Published .*\/about\.html\n$/)
    expect(await pages()).toEqual([
      { slug: 'about', title: 'À propos', kind: 'page', status: 'published', format: 'markdown', comments_open: 0 },
    ])
    const res = await blog.app.inject('/about.html')
    expect(res.statusCode).toBe(200)
    expect(visibleText(mainOf(res.body))).toContain('Qui écrit ici.')
  })

  it('keeps an HTML file as HTML, makes the slug from the title, and saves a draft with --draft', async () => {
    const file = join(tmp.path, 'mentions.html')
    writeFileSync(file, '<p>Hébergé chez nous.</p>')
    const run = await runCli(['page', 'add', file, '--title', 'Mentions légales', '--draft'], env)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Saved the draft page "Mentions légales"')
    expect((await pages()).at(-1)).toEqual({
      slug: 'mentions-legales',
      title: 'Mentions légales',
      kind: 'page',
      status: 'draft',
      format: 'html',
      comments_open: 0,
    })
    expect((await blog.app.inject('/mentions-legales.html')).statusCode).toBe(404)
  })

  it('refuses a slug the blog’s own routes use, or another page’s, with exit code 1 and nothing written', async () => {
    const file = join(tmp.path, 'x.md')
    writeFileSync(file, 'Texte.')
    const before = await pages()
    for (const [args, message] of [
      [
        ['--title', 'Plan', '--slug', 'sitemap'],
        '"sitemap" is one of the blog\'s own addresses (/sitemap…): choose another with --slug. Nothing was added.',
      ],
      [['--title', 'Flux', '--slug', 'feed'], '"feed" is one of the blog\'s own addresses'],
      [['--title', 'Admin'], '"admin" is one of the blog\'s own addresses'],
      [['--title', 'Autre', '--slug', 'about'], 'Another page or post already has the address "about"'],
    ] as const) {
      const run = await runCli(['page', 'add', file, ...args], env)
      expect(run.code, args.join(' ')).toBe(1)
      expect(run.stderr).toContain(message)
    }
    expect(await pages()).toEqual(before)
  })

  it('answers a missing file, title or value with usage, exit code 2 (a missing file: 1)', async () => {
    const noFile = await runCli(['page', 'add', join(tmp.path, 'nope.md'), '--title', 'X'], env)
    expect(noFile.code).toBe(1)
    expect(noFile.stderr).toContain('No file at')
    for (const args of [
      [],
      [join(tmp.path, 'x.md')],
      [join(tmp.path, 'x.md'), '--title'],
      [join(tmp.path, 'x.md'), '--title', 'X', '--bogus'],
    ]) {
      const run = await runCli(['page', 'add', ...args], env)
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr).toContain('Usage: npm run cli -- page add <file.md> --title <title> [--slug <slug>] [--draft]')
    }
    const usage = await runCli([], env)
    expect(usage.stderr).toContain('page add <file.md> --title <title> [--slug <slug>] [--draft]')
  })
})
