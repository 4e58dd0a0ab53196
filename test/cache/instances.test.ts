// Two instances of the app on one database (two processes behind a proxy, in production): a write through one
// is on the pages the other serves at its next request, page cache, memos and settings included. Runs on SQLite
// (two processes on one file) and on PostgreSQL (two instances on one server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { buildTestApp, listedTitles, type TestBlog } from '../helpers/app.ts'

describe('two instances on one database', () => {
  let a: TestBlog
  let b: TestBlog
  beforeAll(async () => {
    a = await buildTestApp({ demo: false, env: { BLOG_TITLE: 'Instance commune' } })
    // The same folder: the same SQLite file, or the same PostgreSQL database (test/helpers/app.ts).
    b = await buildTestApp({ demo: false, dir: a.dir, env: { SESSION_KEY: a.config.sessionKey ?? '' } })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
  })

  const home = async (blog: TestBlog) => {
    const res = await blog.app.inject('/')
    expect(res.statusCode).toBe(200)
    return res
  }
  const sidebarCount = (html: string, name: string) =>
    Number(new RegExp(`>${name}</a> <span class="count">\\((\\d+)\\)`).exec(html)?.[1] ?? 0)

  it("shows a post written through one on the other's cached home page at once, counts included", async () => {
    await createPost(a.app.db, {
      title: 'Première',
      body: 'Un.',
      status: 'published',
      publishedAt: '2026-01-01T00:00:00.000Z',
      categories: ['Commune'],
    })
    await home(b)
    expect((await home(b)).headers['x-page-cache']).toBe('hit')
    const { id } = await createPost(a.app.db, {
      title: 'Écrite par A',
      body: 'Deux.',
      status: 'published',
      publishedAt: '2026-01-02T00:00:00.000Z',
      categories: ['Commune'],
    })
    const after = await home(b)
    expect(after.headers['x-page-cache']).not.toBe('hit')
    expect(listedTitles(after.body)).toEqual(['Écrite par A', 'Première'])
    expect(sidebarCount(after.body, 'Commune')).toBe(2)
    // And back: an edit through B reaches A.
    await home(a)
    await b.app.db.updateTable('posts').set({ title: 'Corrigée par B' }).where('id', '=', id).execute()
    expect(listedTitles((await home(a)).body)).toEqual(['Corrigée par B', 'Première'])
  })

  it('carries a settings change through one to the other', async () => {
    expect((await home(b)).body).toContain('<title>Instance commune</title>')
    await a.app.settings.update({ title: 'Titre changé sur A' })
    expect((await home(b)).body).toContain('<title>Titre changé sur A</title>')
    expect(b.app.settings.get().title).toBe('Titre changé sur A')
  })
})
