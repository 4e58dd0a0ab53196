// The sidebar the admin arranges (Sidebar screen) and the blogroll (Links screen), through the real admin forms:
// blocks added, moved, removed, free text in sanitised Markdown; links validated and ordered; a change on every
// instance at its next request, the page cache included.
import { afterEach, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'

let blog: TestBlog | undefined
let other: TestBlog | undefined
afterEach(async () => {
  await other?.close()
  await blog?.close()
  blog = other = undefined
})

async function adminBlog(): Promise<{ blog: TestBlog; admin: AdminClient }> {
  blog = await buildTestApp({ demo: false, env: { BLOG_LANGUAGE: 'en' } })
  await createAdmin(blog.app)
  await createPost(blog.app.db, {
    title: 'Tagged',
    body: 'Text.',
    status: 'published',
    publishedAt: '2026-01-01T00:00:00.000Z',
    categories: ['Travel'],
    tags: ['Syria', 'Desert'],
  })
  return { blog, admin: await signedIn(blog.app) }
}

/** The sidebar's headings, in order. */
function sidebarHeadings(html: string): string[] {
  const aside = /<aside class="sidebar">([\s\S]*?)<\/aside>/.exec(html)?.[1] ?? ''
  return [...aside.matchAll(/<h2[^>]*>([\s\S]*?)<\/h2>|<form class="search-form"/g)].map((m) =>
    m[1] === undefined ? 'search' : visibleText(m[1]),
  )
}

/** The id of the block of this type, read from the Sidebar screen (the hidden field of its buttons' form). */
async function blockIds(admin: AdminClient): Promise<string[]> {
  const html = (await admin.get('/admin/sidebar')).body
  return [...html.matchAll(/<input type="hidden" name="id" value="([^"]+)">\s*<span class="visually-hidden">/g)].map((m) => m[1]!)
}

describe('the sidebar', () => {
  it('is today’s sidebar on a blog nobody arranged', async () => {
    const { blog } = await adminBlog()
    const home = (await blog.app.inject('/')).body
    expect(sidebarHeadings(home)).toEqual(['search', 'Categories', 'Archives', 'Recent posts'])
    expect(home).toContain('class="subscribe"')
  })

  it('takes blocks added, moved and removed from the admin, in that order, and shows them at once', async () => {
    const { blog, admin } = await adminBlog()
    await blog.app.inject('/')
    expect((await blog.app.inject('/')).headers['x-page-cache']).toBe('hit')

    let res = await admin.post('/admin/sidebar', { action: 'add', type: 'tags', title: '', markdown: '' })
    expect(res.statusCode).toBe(303)
    res = await admin.post('/admin/sidebar', { action: 'add', type: 'text', title: 'About me', markdown: 'I *write* here.' })
    expect(res.statusCode).toBe(303)
    let ids = await blockIds(admin)
    // search, subscribe, categories, archives, recent posts, recent comments, tags, text: the text goes up one.
    expect(ids).toHaveLength(8)
    expect((await admin.post('/admin/sidebar', { action: 'up', id: ids[7]! })).statusCode).toBe(303)
    // The search block goes.
    expect((await admin.post('/admin/sidebar', { action: 'remove', id: ids[0]! })).statusCode).toBe(303)
    ids = await blockIds(admin)
    // Categories down one (below archives).
    expect((await admin.post('/admin/sidebar', { action: 'down', id: ids[1]! })).statusCode).toBe(303)

    const home = await blog.app.inject('/')
    expect(home.headers['x-page-cache']).not.toBe('hit')
    expect(sidebarHeadings(home.body)).toEqual(['Archives', 'Categories', 'Recent posts', 'About me', 'Tags'])
    expect(home.body).toContain('<p>I <em>write</em> here.</p>')
    expect(home.body).toMatch(/<a href="\/search\?q=Desert" dir="auto">Desert<\/a> <span class="count">\(1\)<\/span>/)
    expect(home.body).not.toContain('class="search-form"')
  })

  it('sanitises a text block’s Markdown like a post’s, and keeps a refused one as typed', async () => {
    const { blog, admin } = await adminBlog()
    await admin.post('/admin/sidebar', {
      action: 'add',
      type: 'text',
      title: '',
      markdown: 'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))',
    })
    const home = (await blog.app.inject('/')).body
    const aside = /<aside class="sidebar">[\s\S]*<\/aside>/.exec(home)![0]
    expect(aside).toContain('Hi ')
    expect(aside).not.toMatch(/<script|onerror|javascript:/i)

    const before = blog.app.settings.get().sidebarBlocks
    const refused = await admin.post('/admin/sidebar', { action: 'add', type: 'text', title: 'T'.repeat(101), markdown: '   ' })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Write the block’s text.')
    expect(refused.body).toContain('The title is longer than 100 characters.')
    expect(refused.body).toContain(`value="${'T'.repeat(101)}"`)
    expect(blog.app.settings.get().sidebarBlocks).toEqual(before)
  })

  it('refuses a second block of a kind, an unknown kind, and a move of a block gone meanwhile', async () => {
    const { blog, admin } = await adminBlog()
    const before = blog.app.settings.get().sidebarBlocks
    const twice = await admin.post('/admin/sidebar', { action: 'add', type: 'categories' })
    expect(twice.statusCode).toBe(400)
    expect(twice.body).toContain('This block is already in the sidebar')
    expect((await admin.post('/admin/sidebar', { action: 'add', type: 'widget<script>' })).statusCode).toBe(400)
    const gone = await admin.post('/admin/sidebar', { action: 'up', id: 'nosuchblock' })
    expect(gone.statusCode).toBe(409)
    expect(gone.body).toContain('This block no longer exists')
    expect(blog.app.settings.get().sidebarBlocks).toEqual(before)
  })

  it('can be emptied: pages then show no blocks', async () => {
    const { blog, admin } = await adminBlog()
    for (const id of await blockIds(admin)) expect((await admin.post('/admin/sidebar', { action: 'remove', id })).statusCode).toBe(303)
    const home = (await blog.app.inject('/')).body
    expect(sidebarHeadings(home)).toEqual([])
    expect((await admin.get('/admin/sidebar')).body).toContain('The sidebar is empty')
  })
})

describe('the blogroll', () => {
  it('keeps links in the admin’s order, with their descriptions, in the Links block', async () => {
    const { blog, admin } = await adminBlog()
    await admin.post('/admin/sidebar', { action: 'add', type: 'links' })
    expect(
      (await admin.post('/admin/links', { action: 'add', name: 'Alpha', url: 'https://alpha.example/', description: 'First friend' }))
        .statusCode,
    ).toBe(303)
    expect(
      (await admin.post('/admin/links', { action: 'add', name: 'Beta', url: 'http://beta.example/blog', description: '' })).statusCode,
    ).toBe(303)
    const ids = blog.app.settings.get().links.map((l) => l.id)
    expect((await admin.post('/admin/links', { action: 'up', id: ids[1]! })).statusCode).toBe(303)
    const home = (await blog.app.inject('/')).body
    expect(sidebarHeadings(home).at(-1)).toBe('Links')
    const blogroll = /<ul class="blogroll">([\s\S]*?)<\/ul>/.exec(home)![1]!
    expect(visibleText(blogroll)).toBe('Beta Alpha First friend')
    expect(blogroll).toContain('href="https://alpha.example/"')

    // Edited in place.
    expect(
      (await admin.post('/admin/links', { action: 'edit', id: ids[0]!, name: 'Alpha 2', url: 'https://alpha.example/2', description: '' }))
        .statusCode,
    ).toBe(303)
    expect((await blog.app.inject('/')).body).toContain('<a href="https://alpha.example/2" dir="auto">Alpha 2</a>')
  })

  it('refuses an address that is not http or https, with the form kept, and changes nothing', async () => {
    const { blog, admin } = await adminBlog()
    for (const url of [
      'javascript:alert(1)',
      'ftp://files.example/',
      'data:text/html,hi',
      'example.com',
      'https://',
      'http://a b.example/',
    ]) {
      const res = await admin.post('/admin/links', { action: 'add', name: 'Bad', url, description: 'kept' })
      expect(res.statusCode, url).toBe(400)
      expect(res.body).toContain('Give a full http:// or https:// address')
      expect(res.body).toContain('aria-invalid="true"')
      expect(res.body).toContain('value="kept"')
    }
    const noName = await admin.post('/admin/links', { action: 'add', name: '  ', url: 'https://ok.example/', description: '' })
    expect(noName.statusCode).toBe(400)
    expect(noName.body).toContain('value="https://ok.example/"')
    expect(blog.app.settings.get().links).toEqual([])
  })

  it('changed through one instance shows on the other’s cached page at its next request', async () => {
    const { blog, admin } = await adminBlog()
    other = await buildTestApp({ demo: false, dir: blog.dir, env: { SESSION_KEY: blog.config.sessionKey ?? '' } })
    await admin.post('/admin/sidebar', { action: 'add', type: 'links' })
    await other.app.inject('/')
    expect((await other.app.inject('/')).headers['x-page-cache']).toBe('hit')
    await admin.post('/admin/links', { action: 'add', name: 'Gamma', url: 'https://gamma.example/', description: '' })
    const page = await other.app.inject('/')
    expect(page.headers['x-page-cache']).not.toBe('hit')
    expect(page.body).toContain('<a href="https://gamma.example/" dir="auto">Gamma</a>')
  })
})
