// Announcing posts to channels (the fediverse, webmentions, mails by the post), on a real database: once per
// post and channel, whatever instance checks, with the changes and withdrawals that follow; never the posts
// that were public before the channel began, nor one the writer skipped.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { type PublishedPost, skipPublication } from '../../src/content/publications.ts'
import { enqueueJob } from '../../src/jobs/jobs.ts'
import { setClock } from '../../src/lib/time.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { testDialect } from '../helpers/database.ts'

const START = Date.parse('2026-12-06T10:00:00.000Z')
let clock = START
const iso = (ms: number) => new Date(ms).toISOString()
const blogs: TestBlog[] = []
const dirs: string[] = []

afterEach(async () => {
  setClock(null)
  clock = START
  for (const blog of blogs.splice(0).reverse()) await blog.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

type Heard = [string, number | string, ...unknown[]]

/** A channel that writes down what it hears, and queues a job in the same transaction (as real ones do). */
function listen(app: FastifyInstance, heard: Heard[], name = 'test') {
  app.publications.channel(name, {
    async published(trx, post) {
      heard.push(['published', post.slug, post.version])
      await enqueueJob(trx, { kind: 'announce', payload: post.id })
    },
    async updated(trx, post) {
      heard.push(['updated', post.slug, post.version])
    },
    async withdrawn(_trx, postId) {
      heard.push(['withdrawn', postId])
    },
    async republished(_trx, post) {
      heard.push(['republished', post.slug])
    },
  })
}

async function blogWith(heard: Heard[], dir?: string) {
  const blog = await buildTestApp({ demo: false, dir })
  blogs.push(blog)
  listen(blog.app, heard)
  return blog
}

async function addPost(app: FastifyInstance, slug: string, fields: { status?: 'draft' | 'published'; published_at?: string | null } = {}) {
  const row = await app.db
    .insertInto('posts')
    .values({
      slug,
      title: `Titre ${slug}`,
      body_html: `<p>Voir <a href="/archive/2026/12/06/autre.html">l’autre</a> <img src="/media/photo.jpg" alt="x"></p>`,
      status: fields.status ?? 'published',
      published_at: fields.published_at === undefined ? iso(clock) : fields.published_at,
      created_at: iso(clock),
      updated_at: iso(clock),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

describe('publications', () => {
  it('tells a channel once of a post made public, then of its changes, withdrawal and return', async () => {
    setClock(() => clock)
    const heard: Heard[] = []
    const blog = await blogWith(heard)
    const { app } = blog
    await app.publications.check()
    clock += 1000
    const id = await addPost(app, 'premier')
    // Told to this channel and to the app's own (the fediverse's, webmentions').
    expect(await app.publications.check()).toBeGreaterThanOrEqual(1)
    expect(await app.publications.check()).toBe(0)
    expect(heard).toEqual([['published', 'premier', 1]])
    // Its job was queued with it.
    expect(await app.db.selectFrom('jobs').select('payload').where('kind', '=', 'announce').execute()).toEqual([{ payload: String(id) }])

    await app.db.updateTable('posts').set({ title: 'Autre titre', version: 2 }).where('id', '=', id).execute()
    await app.publications.check()
    await app.db.updateTable('posts').set({ status: 'draft' }).where('id', '=', id).execute()
    await app.publications.check()
    await app.db.updateTable('posts').set({ status: 'published' }).where('id', '=', id).execute()
    await app.publications.check()
    await app.db.deleteFrom('posts').where('id', '=', id).execute()
    await app.publications.check()
    expect(heard.slice(1)).toEqual([
      ['updated', 'premier', 2],
      ['withdrawn', id],
      ['republished', 'premier'],
      ['withdrawn', id],
    ])
  })

  it('gives the post with absolute addresses, its categories, tags and first image', async () => {
    setClock(() => clock)
    const posts: PublishedPost[] = []
    const blog = await buildTestApp({ demo: false })
    blogs.push(blog)
    const { app } = blog
    app.publications.channel('look', {
      published: async (_trx, post) => void posts.push(post),
      updated: async () => {},
      withdrawn: async () => {},
    })
    await app.publications.check()
    const id = await addPost(app, 'avec-tout')
    const category = await app.db
      .insertInto('categories')
      .values({ name: 'Voyages', slug: 'voyages', created_at: iso(clock) })
      .returning('id')
      .executeTakeFirstOrThrow()
    await app.db.insertInto('post_categories').values({ post_id: id, category_id: category.id }).execute()
    await app.db.insertInto('post_tags').values({ post_id: id, position: 0, name: 'été' }).execute()
    await app.publications.check()
    const site = app.config.siteUrl
    expect(posts).toHaveLength(1)
    expect(posts[0]).toMatchObject({
      title: 'Titre avec-tout',
      url: `${site}/archive/2026/12/06/avec-tout.html`,
      categories: [{ name: 'Voyages', url: `${site}/category/voyages` }],
      tags: ['été'],
      firstImage: `${site}/media/photo.jpg`,
      language: 'fr',
    })
    expect(posts[0]!.bodyHtml).toContain(`href="${site}/archive/2026/12/06/autre.html"`)
  })

  it('never announces what was public before the channel began, a draft, a page, or a skipped post', async () => {
    setClock(() => clock)
    const heard: Heard[] = []
    const blog = await blogWith(heard)
    const { app } = blog
    await addPost(app, 'ancien', { published_at: iso(clock - 86_400_000) })
    await app.publications.check()
    clock += 1000
    await addPost(app, 'brouillon', { status: 'draft', published_at: null })
    const page = await addPost(app, 'a-propos')
    await app.db.updateTable('posts').set({ kind: 'page' }).where('id', '=', page).execute()
    const skipped = await addPost(app, 'sans-annonce', { status: 'draft', published_at: null })
    await skipPublication(app.db, 'test', skipped)
    await app.db
      .updateTable('posts')
      .set({ status: 'published', published_at: iso(clock) })
      .where('id', '=', skipped)
      .execute()
    await app.publications.check()
    expect(heard).toEqual([])
  })

  it('counts a channel as begun when the app is ready: a post published before the first check is announced', async () => {
    setClock(() => clock)
    const heard: Heard[] = []
    const blog = await buildTestApp({ demo: false, beforeReady: (app) => listen(app, heard) })
    blogs.push(blog)
    // No check yet: the post comes right after the start, as a writer's first post after an upgrade would.
    clock += 1
    await addPost(blog.app, 'tout-de-suite')
    clock += 1000
    await blog.app.publications.check()
    expect(heard).toEqual([['published', 'tout-de-suite', 1]])
  })

  it('announces a scheduled post when its minute comes, without a write', async () => {
    setClock(() => clock)
    const heard: Heard[] = []
    const blog = await blogWith(heard)
    await blog.app.publications.check()
    await addPost(blog.app, 'programme', { published_at: iso(clock + 60_000) })
    await blog.app.publications.check()
    expect(heard).toEqual([])
    clock += 60_000
    await blog.app.publications.check()
    expect(heard).toEqual([['published', 'programme', 1]])
  })

  it('announces a post once when two instances check together', async () => {
    setClock(() => clock)
    const dir = mkdtempSync(join(tmpdir(), 'carnet-publications-'))
    dirs.push(dir)
    const heard: Heard[] = []
    const one = await blogWith(heard, dir)
    const two = await blogWith(heard, dir)
    await one.app.publications.check()
    await two.app.publications.check()
    clock += 1000
    for (let i = 0; i < 12; i++) await addPost(one.app, `billet-${i}`)
    // On PostgreSQL both check at once. SQLite's instances are processes whose writes the file's lock takes in
    // turn; two in one process would block each other (the driver waits for the lock synchronously): in turn.
    if (testDialect() === 'postgres') await Promise.all([one.app.publications.check(), two.app.publications.check()])
    else for (const blog of [two, one]) await blog.app.publications.check()
    expect(heard.filter((h) => h[0] === 'published')).toHaveLength(12)
    expect(await one.app.db.selectFrom('jobs').select('id').where('kind', '=', 'announce').execute()).toHaveLength(12)
  })

  it('tries again at the next check when the channel failed (nothing recorded)', async () => {
    const blog = await buildTestApp({ demo: false })
    blogs.push(blog)
    const { app } = blog
    let fail = true
    const heard: string[] = []
    app.publications.channel('flaky', {
      async published(trx, post) {
        await enqueueJob(trx, { kind: 'x', payload: post.id })
        if (fail) throw new Error('queue full')
        heard.push(post.slug)
      },
      updated: async () => {},
      withdrawn: async () => {},
    })
    await app.publications.check()
    await addPost(app, 'retente', { published_at: new Date(Date.now() + 10).toISOString() })
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(app.publications.check()).rejects.toThrow('queue full')
    expect(await app.db.selectFrom('jobs').select('id').where('kind', '=', 'x').execute()).toEqual([])
    fail = false
    await app.publications.check()
    expect(heard).toEqual(['retente'])
  })
})
