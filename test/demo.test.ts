import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/plugin.ts'
import { buildTestApp } from './helper.ts'

const settings = { title: 'Test', description: '', language: 'fr' as const, timezone: 'Europe/Paris' }

describe('demo content', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carnet-demo-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const open = () => openDatabase({ databasePath: join(dir, 'blog.db'), initialSettings: settings, demoContent: true })

  it('loads once into an empty database, with the seed post and its closed thread', async () => {
    const first = await open()
    const posts = await first.db.selectFrom('posts').select(['title', 'comments_open', 'published_at', 'signature', 'created_at', 'updated_at']).execute()
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
    const { n } = await second.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
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
    const first = await openDatabase({ databasePath: join(dir, 'blog.db'), initialSettings: settings, demoContent: false })
    await first.db
      .insertInto('posts')
      .values({ slug: 'mien', title: 'Le mien', status: 'published', published_at: '2020-01-01T00:00:00.000Z', created_at: '2020-01-01T00:00:00.000Z', updated_at: '2020-01-01T00:00:00.000Z' })
      .execute()
    await first.db.deleteFrom('settings').execute()
    await first.db.destroy()
    const second = await open()
    const titles = (await second.db.selectFrom('posts').select('title').execute()).map((p) => p.title)
    expect(titles).toEqual(['Le mien'])
    await second.db.destroy()
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
})
