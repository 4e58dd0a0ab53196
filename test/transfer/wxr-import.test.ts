// Importing WordPress exports: every file of the WordPress importer's own test data, and Carnet's fixtures for
// what those lack. Each test imports into a real, empty database of its own and looks at rows and pages.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { generateWxr } from '../../bench/wxr-generate.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { ImportFileError } from '../../src/transfer/xml-records.ts'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { OWN, WP_WXR, snapshot } from '../helpers/transfer.ts'

const ROOT = resolve(import.meta.dirname, '../..')

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }

describe('importing WXR', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())
  const db = () => blog.app.db
  const post = (title: string) => db().selectFrom('posts').selectAll().where('title', '=', title).executeTakeFirstOrThrow()

  describe('the WordPress importer’s files', () => {
    const files = readdirSync(WP_WXR).filter((f) => f.endsWith('.xml') && f !== 'malformed-simple.xml')
    it('are all there', () => expect(files.length).toBeGreaterThanOrEqual(8))
    for (const file of files) {
      it(`${file} imports, and importing it again adds nothing`, async () => {
        const first = await importWxr(db(), join(WP_WXR, file), options)
        expect(first.posts).toBeGreaterThan(0)
        const rows = await db().selectFrom('posts').select(['title', 'body_html', 'format']).execute()
        // Pages (WordPress's `page` items) are rows of posts too (kind 'page').
        expect(rows.length).toBe(first.posts + first.pages)
        expect(rows.every((r) => r.format === 'html')).toBe(true)
        const before = await snapshot(blog)
        const second = await importWxr(db(), join(WP_WXR, file), options)
        expect(second).toMatchObject({ posts: 0, pages: 0, comments: 0, categories: 0, redirects: 0 })
        expect(second.alreadyImported).toBeGreaterThan(0)
        expect(await snapshot(blog)).toEqual(before)
      })
    }

    it('valid-wxr-1.1.xml: posts, categories, tags, comments, author; its page as a page', async () => {
      const s = await importWxr(db(), join(WP_WXR, 'valid-wxr-1.1.xml'), options)
      expect(s.pages).toBe(1)
      expect(s.skipped['page']).toBeUndefined()
      expect((await db().selectFrom('posts').select('kind').where('kind', '=', 'page').execute()).length).toBe(1)
      const hello = await post('Hello world!')
      expect(hello).toMatchObject({
        slug: 'hello-world',
        status: 'published',
        published_at: '2010-10-16T20:53:18.000Z',
        signature: 'John Doe',
      })
      const comments = await db().selectFrom('comments').selectAll().where('post_id', '=', hello.id).execute()
      expect(comments).toHaveLength(1)
      expect(comments[0]).toMatchObject({
        author_name: 'Mr WordPress',
        author_url: 'http://wordpress.org/',
        status: 'approved',
        origin: 'import',
      })
      expect(comments[0]!.body).toContain("view the post's comments")
      expect(comments[0]!.body).toContain('comment.\nTo delete')
      const cats = await db().selectFrom('categories').select('name').execute()
      expect(cats.map((c) => c.name)).toContain('alpha')
    })

    it('slashes.xml keeps backslashes and quotes as they are', async () => {
      await importWxr(db(), join(WP_WXR, 'slashes.xml'), options)
      const row = await db().selectFrom('posts').select('body_source').executeTakeFirstOrThrow()
      expect(row.body_source).toContain('\\')
    })

    it('cdata-edge.xml keeps a "]] >" inside CDATA', async () => {
      await importWxr(db(), join(WP_WXR, 'cdata-edge.xml'), options)
      const row = await db().selectFrom('posts').select('body_source').executeTakeFirstOrThrow()
      expect(row.body_source).toBe('ends with sequence ]] >')
    })

    it('namespace-edge-cases.xml reads only WordPress’s own namespace as wp:', async () => {
      await importWxr(db(), join(WP_WXR, 'namespace-edge-cases.xml'), options)
      const rows = await db().selectFrom('posts').select(['title', 'signature']).execute()
      expect(rows.length).toBeGreaterThan(0)
      expect(rows.map((r) => r.signature)).not.toContain('fake_ns_user')
    })

    it('malformed-simple.xml is refused with its line and column, and changes nothing', async () => {
      await importWxr(db(), join(OWN, 'threads.xml'), options)
      const before = await snapshot(blog)
      const err = await importWxr(db(), join(WP_WXR, 'malformed-simple.xml'), options).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ImportFileError)
      expect((err as ImportFileError).line).toBe(14)
      expect((err as Error).message).toMatch(/^line 14, column \d+: unclosed tag: item/)
      expect(await snapshot(blog)).toEqual(before)
    })
  })

  describe('Carnet’s own fixture', () => {
    beforeEach(async () => {
      const s = await importWxr(db(), join(OWN, 'threads.xml'), options)
      expect(s).toMatchObject({ posts: 5, pages: 1, comments: 4, categories: 3, tags: 2, dryRun: false })
      expect(s.skipped).toEqual({
        'comment-status:trash': 1,
        'link-notice:pingback': 1,
      })
    })

    it('keeps a post’s dates, slug, signature, excerpt, categories (flattened) and tags', async () => {
      const p = await post('Arrivée à Palmyre')
      expect(p).toMatchObject({
        slug: 'arrivee-a-palmyre',
        status: 'published',
        format: 'html',
        published_at: '2015-05-21T08:30:00.000Z',
        created_at: '2015-05-21T08:30:00.000Z',
        updated_at: '2015-05-22T09:00:00.000Z',
        signature: 'Jean-René B.',
        excerpt: 'Le résumé écrit à la main.',
        comments_open: 1,
      })
      const cats = await db()
        .selectFrom('post_categories as pc')
        .innerJoin('categories as c', 'c.id', 'pc.category_id')
        .select(['c.name', 'c.slug'])
        .where('pc.post_id', '=', p.id)
        .execute()
      expect(cats).toEqual([{ name: 'Syrie', slug: 'syrie' }])
      const all = await db().selectFrom('categories').select('name').orderBy('name').execute()
      expect(all.map((c) => c.name)).toEqual(['Catégorie vide', 'Syrie', 'Voyages'])
      const tags = await db().selectFrom('post_tags').select('name').where('post_id', '=', p.id).orderBy('position').execute()
      expect(tags.map((t) => t.name)).toEqual(['Palmyre', 'تدمر'])
    })

    it('renders the post as WordPress showed it, the image kept at its address', async () => {
      const p = await post('Arrivée à Palmyre')
      const page = await blog.app.inject({ url: postPath(p, 'Europe/Paris') })
      expect(page.statusCode).toBe(200)
      const main = mainOf(page.body)
      expect(main).toContain('<p>Première ligne<br>\ndeuxième ligne</p>')
      expect(main).toContain('<a href="https://example.org/x">un lien</a>')
      expect(main).toContain('src="https://old.example.org/wp-content/uploads/2015/05/palmyre.jpg"')
      expect(main).not.toContain('[caption')
      expect(main).not.toContain('wp:paragraph')
    })

    it('keeps threads, statuses, e-mails, addresses, IPs and GMT dates of comments', async () => {
      const p = await post('Arrivée à Palmyre')
      const rows = await db().selectFrom('comments').selectAll().where('post_id', '=', p.id).orderBy('id').execute()
      const by = (name: string) => rows.find((r) => r.author_name === name)!
      expect(rows.map((r) => r.author_name).sort()).toEqual(['Alice', 'Bob', 'Carole', 'Spammeur'])
      expect(by('Alice')).toMatchObject({
        parent_id: null,
        status: 'approved',
        author_email: 'alice@example.org',
        ip: '192.0.2.1',
        created_at: '2015-05-21T10:00:00.000Z',
        body: 'Premier commentaire.\nSur deux lignes.',
      })
      expect(by('Bob')).toMatchObject({
        parent_id: by('Alice').id,
        author_url: 'https://bob.example.org/',
        body: 'Une réponse à Alice & merci.',
      })
      // Held, with only a local date: read in the blog's zone (Paris, UTC+2 in May).
      expect(by('Carole')).toMatchObject({
        parent_id: by('Bob').id,
        status: 'pending',
        created_at: '2015-05-21T12:00:00.000Z',
        ip: null,
        author_email: null,
      })
      const page = await blog.app.inject({ url: postPath(p, 'Europe/Paris') })
      expect(page.body).toContain('Premier commentaire.')
      expect(page.body).not.toContain('En attente de modération.')
    })

    it('imports spam as spam, and not the trash nor the pingback', async () => {
      const spam = await db().selectFrom('comments').selectAll().where('status', '=', 'spam').execute()
      expect(spam.map((c) => [c.author_name, c.ip])).toEqual([['Spammeur', '198.51.100.9']])
      const names = (await db().selectFrom('comments').select('author_name').execute()).map((c) => c.author_name)
      expect(names).not.toContain('Corbeille')
      expect(names).not.toContain('Un autre blog')
    })

    it('closes a closed thread, keeps drafts (private too) as drafts and scheduled posts scheduled', async () => {
      expect((await post('Fil fermé')).comments_open).toBe(0)
      const draft = await post('Brouillon sans date GMT')
      // No GMT date: the local one in the blog's zone (Paris, UTC+2 in July).
      expect(draft).toMatchObject({
        status: 'draft',
        published_at: null,
        created_at: '2016-07-14T20:15:00.000Z',
        slug: 'brouillon-sans-date-gmt',
      })
      expect(await post('Privée')).toMatchObject({ status: 'draft', published_at: null })
      expect(await post('Programmée')).toMatchObject({ status: 'published', published_at: '2099-01-01T09:00:00.000Z' })
      const home = await blog.app.inject({ url: '/' })
      expect(home.body).not.toContain('Programmée')
      expect(home.body).toContain('Arrivée à Palmyre')
    })

    it('makes the old addresses answer 301 to the new permanent link', async () => {
      const p = await post('Arrivée à Palmyre')
      const permalink = postPath(p, 'Europe/Paris')
      for (const url of ['/2015/05/21/arrivee-a-palmyre/', '/?p=10', '/arrivee-a-palmyre/', '/arrivee-a-palmyre?replytocom=3']) {
        const res = await blog.app.inject({ url })
        expect([url, res.statusCode, res.headers.location]).toEqual([url, 301, permalink])
      }
      const closed = await post('Fil fermé')
      expect((await blog.app.inject({ url: '/?p=20' })).headers.location).toBe(postPath(closed, 'Europe/Paris'))
    })

    it('says so when the same file comes again, and adds nothing', async () => {
      const before = await snapshot(blog)
      const again = await importWxr(db(), join(OWN, 'threads.xml'), options)
      expect(again).toMatchObject({ posts: 0, pages: 0, comments: 0, categories: 0, tags: 0, redirects: 0, alreadyImported: 10 })
      expect(await snapshot(blog)).toEqual(before)
    })
  })

  it('a dry run reports what would be imported and writes nothing', async () => {
    const before = await snapshot(blog)
    const s = await importWxr(db(), join(OWN, 'threads.xml'), { ...options, dryRun: true })
    expect(s).toMatchObject({ dryRun: true, posts: 5, comments: 4 })
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuses a billion-laughs file at its DOCTYPE, importing nothing', async () => {
    const before = await snapshot(blog)
    const err = await importWxr(db(), join(OWN, 'billion-laughs.xml'), options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportFileError)
    expect((err as Error).message).toMatch(/^line \d+, column \d+: a DOCTYPE is not allowed/)
    expect(await snapshot(blog)).toEqual(before)
  })

  it('refuses an XXE file: nothing read from disk, nothing imported', async () => {
    const err = await importWxr(db(), join(OWN, 'xxe.xml'), options).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/DOCTYPE is not allowed/)
    expect(await db().selectFrom('posts').select('id').execute()).toEqual([])
  })

  it('refuses a file with one bad field after a good item, with its line, importing neither', async () => {
    const err = await importWxr(db(), join(OWN, 'bad-field.xml'), options).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/^line 7, column \d+: item: dateGmt: a date as YYYY-MM-DD HH:MM:SS/)
    expect(await db().selectFrom('posts').select('id').execute()).toEqual([])
  })

  it('refuses a file that is not a WordPress export', async () => {
    const err = await importWxr(db(), join(ROOT, 'package.json'), options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportFileError)
  })
})

describe('npm run cli -- import wxr', () => {
  let dir: string
  let blog: TestBlog
  // The command runs on the test's own database (a SQLite file, or the postgres project's database).
  let env: NodeJS.ProcessEnv
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    dir = blog.dir
    env = { ...process.env, DATABASE_URL: blog.config.databasePath, DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }
    await blog.app.close()
  })
  afterEach(() => blog.close())
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', env })

  it('prints a dry run, then imports with a summary, then says the file was imported already', async () => {
    const other = await otherConnection(blog.config.databasePath)
    const count = async (table: 'posts' | 'comments') =>
      Number((await other.all<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n)
    try {
      const dry = cli('import', 'wxr', join(OWN, 'threads.xml'), '--dry-run')
      expect(dry.status).toBe(0)
      expect(dry.stdout).toContain('Would import: 5 posts, 4 comments, 3 new categories, 2 tags, 15 old addresses redirected.')
      expect(dry.stdout).toContain(
        'Would import 1 page (about, contact…), each at its own /<slug>.html address, outside the lists of posts.',
      )
      expect(dry.stdout).toContain('Dry run: nothing was written.')
      expect([await count('posts'), await count('comments')]).toEqual([0, 0])
      const real = cli('import', 'wxr', join(OWN, 'threads.xml'))
      expect(real.stdout).toContain('Imported: 5 posts, 4 comments')
      // Written into the test's own database (the page is a row of posts).
      expect([await count('posts'), await count('comments')]).toEqual([6, 4])
      const again = cli('import', 'wxr', join(OWN, 'threads.xml'))
      expect(again.stdout).toContain('Nothing new to import: this file was imported already.')
      expect([await count('posts'), await count('comments')]).toEqual([6, 4])
    } finally {
      await other.close()
    }
  })

  it('refuses a malformed file with exit code 1 and where it broke', () => {
    const res = cli('import', 'wxr', join(WP_WXR, 'malformed-simple.xml'))
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/malformed-simple\.xml was refused, nothing imported: line 14, column \d+: unclosed tag: item/)
  })

  it('shows its progress: plain lines when piped, one line rewritten in place on a terminal', async () => {
    const file = join(dir, 'big.xml')
    await generateWxr(file, 2)
    const piped = cli('import', 'wxr', file, '--dry-run')
    expect(piped.status).toBe(0)
    const lines = piped.stdout.split('\n').filter((l) => l.startsWith('Importing: '))
    expect(lines.length).toBeGreaterThanOrEqual(5)
    expect(lines[0]).toMatch(/^Importing: \d+ % of 2\.\d MB, \d+ posts, \d+ comments$/)
    expect(piped.stdout).not.toContain('\r')
    // A real pseudo-terminal (util-linux's script): the line is redrawn with a carriage return and cleared at the
    // end, so that the summary starts on a clean line.
    const command = [process.execPath, '--import', 'tsx', 'src/cli.ts', 'import', 'wxr', file, '--dry-run']
    const tty = spawnSync('script', ['-qec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    })
    expect(tty.status).toBe(0)
    expect(tty.stdout).toMatch(/\r\x1b\[KImporting: \d+ % of 2\.\d MB/)
    expect(tty.stdout).toMatch(/\r\x1b\[KWould import: \d+ posts/)
  })

  it('answers a missing file and missing arguments with usage', () => {
    expect(cli('import', 'wxr').status).toBe(2)
    expect(cli('import', 'wxr', '/nonexistent.xml').stderr).toContain('No file at /nonexistent.xml')
  })
})
