// Settings changed by another connection (a second instance, the command line) show at the next request: the
// app reads them again when the database's data version moves, before the page cache is looked up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'
import { otherConnection, type OtherConnection } from '../helpers/other-connection.ts'

describe.each(['on', 'off'] as const)('settings changed by another connection (PAGE_CACHE=%s)', (mode) => {
  let blog: TestBlog
  let other: OtherConnection
  beforeAll(async () => {
    blog = await buildTestApp({ env: { PAGE_CACHE: mode, BLOG_TITLE: 'Premier titre' } })
    other = await otherConnection(blog.config.databasePath)
  })
  afterAll(async () => {
    await other.close()
    await blog.close()
  })

  const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1]

  it('the next GET / shows the new title', async () => {
    await blog.app.inject('/')
    const before = await blog.app.inject('/')
    expect(title(before.body)).toContain('Premier titre')
    if (mode === 'on') expect(before.headers['x-page-cache']).toBe('hit')

    await other.run("update settings set value = ? where key = 'title'", JSON.stringify('Titre changé ailleurs'))
    const after = await blog.app.inject('/')
    expect(after.statusCode).toBe(200)
    expect(title(after.body)).toContain('Titre changé ailleurs')
    expect(after.body).not.toContain('Premier titre')
    expect(blog.app.settings.get().title).toBe('Titre changé ailleurs')
  })

  it('other settings too: the language', async () => {
    await other.run("update settings set value = ? where key = 'language'", JSON.stringify('en'))
    const page = await blog.app.inject('/')
    expect(page.body).toContain('<html lang="en"')
  })

  it('unreadable settings from elsewhere keep the last good ones', async () => {
    await other.run("update settings set value = ? where key = 'postsPerPage'", JSON.stringify(-3))
    const page = await blog.app.inject('/')
    expect(page.statusCode).toBe(200)
    expect(blog.app.settings.get().postsPerPage).toBe(10)
  })
})
