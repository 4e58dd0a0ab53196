// The demo blog `npm start` makes of a new, empty database, on SQLite and on PostgreSQL alike: loaded once, never
// over someone's writing, in the blog's language.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openBlog } from '../../src/blog.ts'
import { seedPostEn, demoPostsEn } from '../../src/demo/posts.en.ts'
import { demoPosts } from '../../src/demo/posts.ts'
import { seedPost } from '../../src/demo/seed-post.ts'
import { buildTestApp, listedTitles, mainOf, SEED_PATH, visibleText } from '../helpers/app.ts'
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'

const settings = { title: 'Test', description: '', language: 'fr' as const, timezone: 'Europe/Paris' }

describe('demo content', () => {
  let dir: string
  let database: TestDatabase
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-demo-'))
    database = await createTestDatabase(dir)
  })
  afterEach(async () => {
    await database.drop()
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  })

  const open = (demoContent = true) => openBlog({ databasePath: database.url, initialSettings: settings, demoContent })

  it('loads once into an empty database, with the seed post and its closed thread', async () => {
    const first = await open()
    const posts = await first.db
      .selectFrom('posts')
      .select(['title', 'comments_open', 'published_at', 'signature', 'created_at', 'updated_at'])
      .execute()
    expect(posts.length).toBe(13)
    const seed = posts.find((p) => p.title.startsWith('Syrie : Daech'))!
    expect(seed.comments_open).toBe(0)
    expect(seed.published_at).toBe('2017-10-01T17:08:00.000Z')
    expect(seed.signature).toBe('Jean René Belliard')
    // Written when it was published, not when the demo was loaded (feeds, sitemap and JSON-LD show these dates).
    expect([seed.created_at, seed.updated_at]).toEqual(['2017-10-01T17:08:00.000Z', '2017-10-01T17:08:00.000Z'])
    const comments = await first.db.selectFrom('comments').select('author_name').orderBy('id').limit(2).execute()
    expect(comments.map((c) => c.author_name)).toEqual(['Daniel', 'Belliard'])
    await first.db.destroy()

    const second = await open()
    const { n } = await second.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(n)).toBe(13)
    await second.db.destroy()
  })

  it('is not loaded again after an admin deleted every post', async () => {
    const first = await open()
    await first.db.deleteFrom('posts').execute()
    await first.db.destroy()
    const second = await open()
    expect(await second.db.selectFrom('posts').select('id').execute()).toEqual([])
    await second.db.destroy()
  })

  it('never goes into a database that has posts, even without settings', async () => {
    const first = await open(false)
    await first.db
      .insertInto('posts')
      .values({
        slug: 'mien',
        title: 'Le mien',
        status: 'published',
        published_at: '2020-01-01T00:00:00.000Z',
        created_at: '2020-01-01T00:00:00.000Z',
        updated_at: '2020-01-01T00:00:00.000Z',
      })
      .execute()
    await first.db.deleteFrom('settings').execute()
    await first.db.destroy()
    const second = await open()
    const titles = (await second.db.selectFrom('posts').select('title').execute()).map((p) => p.title)
    expect(titles).toEqual(['Le mien'])
    await second.db.destroy()
  })

  it('the server started on a database without a table migrates it and serves the demo blog', async () => {
    const empty = await createEmptyDatabase(dir, 'nouveau.db')
    try {
      expect(await empty.db.introspection.getTables()).toEqual([])
      const server = await startServer({ DATABASE_URL: empty.url, ...empty.env })
      try {
        const home = await fetch(server.url + '/')
        expect(home.status).toBe(200)
        expect(listedTitles(await home.text())).toContain('Cartes : un an de recul de l’État islamique')
        const seed = await fetch(server.url + SEED_PATH)
        expect(visibleText(mainOf(await seed.text()))).toContain('Les commentaires sont fermés.')
      } finally {
        server.child.kill('SIGTERM')
        expect(await server.exited).toBe(0)
      }
      // Nothing went wrong on the way (warnings and errors are pino's levels 40 and 50).
      expect(server.output()).not.toMatch(/"level":[45]0/)
    } finally {
      await empty.drop()
    }
  })

  it('the app serves the demo blog on a new database', async () => {
    const blog = await buildTestApp()
    try {
      const home = await blog.app.inject('/')
      expect(home.statusCode).toBe(200)
      expect(home.body).toContain('Cartes : un an de recul de l’État islamique')
      expect(home.body).toContain('href="/?page=2"')
    } finally {
      await blog.close()
    }
  })

  it('is in English on a new English blog: posts, categories, tags and comments, no French demo text', async () => {
    const blog = await buildTestApp({ env: { BLOG_LANGUAGE: 'en' } })
    try {
      const frenchTitles = [seedPost.title, ...demoPosts.map((p) => p.title)]
      const pages: string[] = []
      const home = await blog.app.inject('/')
      expect(home.statusCode).toBe(200)
      expect(home.body).toContain('<html lang="en"')
      expect(listedTitles(home.body)).toEqual([
        'Maps: a year of retreat for the Islamic State',
        "Iraq: Al-Qaim, the Islamic State's last town on the border",
        "Readers' questions: how do you check a piece of news?",
        "Lebanon: the Prime Minister's surprise resignation",
        'Syria: Deir ez-Zor fully retaken',
        'Syria: Al-Qaryatayn, the end of the story',
        'Iraq: after Mosul, the battle for Hawija',
        'Syria: ISIS seizes Al-Qaryatayn, a symbolic town in central Syria',
        'Reading notes: a history of modern Syria',
        'Map: the front lines in September',
      ])
      pages.push(home.body)
      const second = await blog.app.inject('/?page=2')
      expect(listedTitles(second.body)).toEqual([
        'Iraq: the Kurdish referendum, questions and answers',
        'Syria: understanding the battle for the Euphrates valley',
        'Welcome to this notebook',
      ])
      pages.push(second.body)
      // The sidebar lists the English categories.
      expect(visibleText(home.body)).toContain('Islamic State')

      // The model post: its English text, categories, tags and closed thread of two comments.
      const seed = await blog.app.inject('/archive/2017/10/01/syria-isis-seizes-al-qaryatayn-a-symbolic-town-in-central-syria.html')
      expect(seed.statusCode).toBe(200)
      const seedText = visibleText(mainOf(seed.body))
      expect(seedText).toContain('The town of al-Qaryatayn lies south-east of Homs, in the Syrian desert.')
      expect(seedText).toContain('The Syrian Arab Army counter-attacks to take the town back')
      for (const name of [...seedPostEn.categories, ...seedPostEn.tags]) expect(seedText).toContain(name)
      expect(seedText).toContain('A slightly different take:')
      expect(seedText).toContain('You would probably need to subscribe to the full newsletter')
      pages.push(seed.body)

      // A post with a thread: English comments, the reply nested.
      const welcome = await blog.app.inject('/archive/2017/09/02/welcome-to-this-notebook.html')
      expect(welcome.statusCode).toBe(200)
      const welcomeText = visibleText(mainOf(welcome.body))
      expect(welcomeText).toContain('How to read this blog')
      expect(welcomeText).toContain('Good luck with this new notebook!')
      expect(welcomeText).toContain('Thank you, Claire!')
      pages.push(welcome.body)

      const text = pages.map(visibleText).join('\n')
      for (const title of frenchTitles) expect(text).not.toContain(title)
      for (const french of ['Etat Islamique', 'Vie du blog', 'Cartes', 'Daech', 'Bonne route', 'Comment lire ce blog']) {
        expect(text).not.toContain(french)
      }
      // Every category and tag of the database is an English one.
      const categories = (await blog.app.db.selectFrom('categories').select('name').execute()).map((c) => c.name)
      const english = new Set([...seedPostEn.categories, ...demoPostsEn.flatMap((p) => p.categories)])
      expect(new Set(categories)).toEqual(english)
      const tags = (await blog.app.db.selectFrom('post_tags').select('name').distinct().execute()).map((t) => t.name)
      expect(new Set(tags)).toEqual(new Set([...seedPostEn.tags, ...demoPostsEn.flatMap((p) => p.tags)]))
    } finally {
      await blog.close()
    }
  })
})
