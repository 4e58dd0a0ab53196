// What writers moving in from WordPress met (issue 30): WordPress's own theme unit test data (https namespaces,
// posts sharing a guid, a password-protected post), files that are not WordPress exports, and where a malformed
// file breaks. Each test imports into a real, empty database of its own.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importWxr } from '../../src/transfer/wxr-import.ts'
import { summaryLines } from '../../src/transfer/summary.ts'
import { ImportFileError } from '../../src/transfer/xml-records.ts'
import { postPath } from '../../src/lib/urls.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { runCli } from '../helpers/cli.ts'
import { otherConnection } from '../helpers/other-connection.ts'
import { OWN, WP_WXR, snapshot } from '../helpers/transfer.ts'

const options = { timeZone: 'Europe/Paris', anonymous: 'Anonyme' }
const THEME_DATA = join(WP_WXR, 'theme-unit-test-shape.xml')

describe('importing WordPress’s theme unit test data', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())
  const db = () => blog.app.db
  const titles = async () => (await db().selectFrom('posts').select('title').orderBy('title').execute()).map((r) => r.title)

  it('reads the https namespaces of WXR 1.2: posts, authors, categories, its page as a page; attachments and menus skipped', async () => {
    const s = await importWxr(db(), THEME_DATA, options)
    expect(s).toMatchObject({ posts: 4, pages: 1, comments: 2, alreadyImported: 0 })
    expect(s.skipped).toEqual({ 'not-a-post:attachment': 1, 'not-a-post:nav_menu_item': 1 })
    const hello = await db().selectFrom('posts').selectAll().where('title', '=', 'Hello World').executeTakeFirstOrThrow()
    expect(hello).toMatchObject({ signature: 'Theme Reviewer', status: 'published', published_at: '2013-01-11T20:22:19.000Z' })
    const categories = (await db().selectFrom('categories').select('name').orderBy('name').execute()).map((c) => c.name)
    expect(categories).toEqual(['Child Category 01', 'Parent Category', 'Post Formats'])
  })

  it('imports two posts sharing a guid as two posts, and importing again adds nothing', async () => {
    await importWxr(db(), THEME_DATA, options)
    expect(await titles()).toEqual(expect.arrayContaining(['Post Format: Image', 'Post Format: Image (Linked)']))
    const linked = await db().selectFrom('posts').selectAll().where('title', '=', 'Post Format: Image (Linked)').executeTakeFirstOrThrow()
    const comments = await db().selectFrom('comments').select(['post_id', 'author_name']).where('author_name', '=', 'Anon').execute()
    expect(comments).toEqual([{ post_id: linked.id, author_name: 'Anon' }])
    const before = await snapshot(blog)
    const again = await importWxr(db(), THEME_DATA, options)
    expect(again).toMatchObject({ posts: 0, pages: 0, comments: 0, alreadyImported: 7 })
    expect(await snapshot(blog)).toEqual(before)
  })

  it('imports a password-protected post as a draft, never published, and says so', async () => {
    const s = await importWxr(db(), THEME_DATA, options)
    const title = 'Template: Password Protected (the password is "enter")'
    const post = await db().selectFrom('posts').selectAll().where('title', '=', title).executeTakeFirstOrThrow()
    expect(post).toMatchObject({ status: 'draft', published_at: null })
    expect(s).toMatchObject({ protectedDrafts: 1, protectedTitles: [title] })
    expect(summaryLines(s)).toContain(
      '1 post was password-protected in WordPress: imported as a draft, never published; read it before publishing.',
    )
    expect(summaryLines(s)).toContain(`  ${title}`)
    // Neither the post nor its comment is shown to readers.
    expect((await blog.app.inject({ url: postPath(post, 'Europe/Paris') })).statusCode).toBe(404)
    const home = await blog.app.inject({ url: '/' })
    expect(home.body).not.toContain('Password Protected')
    expect(home.body).toContain('Hello World')
  })
})

describe('a file that is not a WordPress export, or is malformed', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterEach(() => blog.close())
  const refusal = async (file: string) => {
    const err = await importWxr(blog.app.db, file, options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportFileError)
    expect(await blog.app.db.selectFrom('posts').select('id').execute()).toEqual([])
    return err as ImportFileError
  }

  it('says an RSS feed is a feed, not an export', async () => {
    const err = await refusal(join(OWN, 'rss-feed.xml'))
    expect(err.message).toBe('line 7: this is an RSS feed, not a WordPress export (no <wp:wxr_version> before the first item)')
    expect(err.describe('fr')).toBe(
      'ligne 7 : c’est un flux RSS, pas un export WordPress (aucun <wp:wxr_version> avant le premier article)',
    )
  })

  it('names the root element it found: an HTML page, with or without a DOCTYPE', async () => {
    expect((await refusal(join(OWN, 'page.xhtml'))).message).toBe('line 2, column 1: root element <html>: this is not a WordPress export')
    expect((await refusal(join(OWN, 'page.html'))).message).toBe('root element <html>: this is not a WordPress export')
  })

  it('points at the character at fault: line and column', async () => {
    // Line 9 starts with U+0001, which XML does not allow.
    const err = await refusal(join(OWN, 'control-character.xml'))
    expect([err.line, err.column]).toEqual([9, 1])
    expect(err.message).toBe('line 9, column 1: a character XML does not allow')
    expect(err.describe('fr')).toBe('ligne 9, colonne 1 : caractère interdit en XML')
  })

  it('points at the first byte that is not UTF-8 (a Latin-1 "é")', async () => {
    const err = await refusal(join(OWN, 'latin-1.xml'))
    expect(err.message).toBe('line 7, column 13: the file is not valid UTF-8')
  })

  it('says where an element left open was opened', async () => {
    const err = await refusal(join(WP_WXR, 'malformed-simple.xml'))
    expect(err.message).toMatch(/^line 14, column \d+: unclosed tag: item \(opened at line 9, column 1\)$/)
  })
})

describe('npm run cli -- import wxr, on a new blog', () => {
  let blog: TestBlog
  beforeEach(async () => {
    blog = await buildTestApp({ demo: false })
    // A blog never started: no settings yet (what makes it new, and the demo content load).
    await blog.app.db.deleteFrom('settings').execute()
    await blog.app.close()
  })
  afterEach(() => blog.close())

  it('brings no demo content: a dry run writes nothing, the import only the file’s posts', async () => {
    const env = { DATABASE_URL: blog.config.databasePath, DEMO_CONTENT: 'true', LOG_LEVEL: 'silent' }
    const other = await otherConnection(blog.config.databasePath)
    const posts = async () => (await other.all<{ title: string }>('select title from posts order by title')).map((r) => r.title)
    try {
      const dry = await runCli(['import', 'wxr', THEME_DATA, '--dry-run'], env)
      expect(dry.code).toBe(0)
      expect(dry.stdout).toContain('Would import: 4 posts')
      expect(await posts()).toEqual([])
      const real = await runCli(['import', 'wxr', THEME_DATA], env)
      expect(real.stdout).toContain('Imported: 4 posts')
      expect(await posts()).toEqual([
        'About The Tests',
        'Hello World',
        'Post Format: Image',
        'Post Format: Image (Linked)',
        'Template: Password Protected (the password is "enter")',
      ])
    } finally {
      await other.close()
    }
  })
})
