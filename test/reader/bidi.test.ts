// Text a person wrote (post titles and bodies, categories, tags, comment names and bodies, search terms shown
// back) is marked so that right-to-left words keep their own direction and do not reorder the French around
// them: dir="auto" on a block of such text, <bdi> around a name inside a sentence or a meta line. The browser
// side (what the reader sees) is test/e2e/bidi.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'
import { htmlErrors } from '../helpers/browser-checks.ts'
import { addRtlContent, RTL } from '../helpers/rtl-content.ts'

describe('right-to-left text is isolated in the markup', () => {
  let blog: TestBlog
  let post: { id: number; slug: string }
  let postUrl: string
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp()
    post = await addRtlContent(blog.app)
    const row = await blog.app.db.selectFrom('posts').select(['slug', 'published_at']).where('id', '=', post.id).executeTakeFirstOrThrow()
    postUrl = postPath(row, blog.app.settings.get().timezone)
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
  })
  afterAll(() => blog?.close())

  async function get(url: string) {
    const res = await blog.app.inject(url)
    expect(res.statusCode, url).toBe(200)
    return res.body
  }

  it('on the post page: title, tags, body, categories, the comment and its author, the form', async () => {
    const html = await get(postUrl)
    expect(html).toContain(`<h1 class="post-title p-name" dir="auto">${RTL.title}</h1>`)
    expect(html).toContain(`<li class="p-category" dir="auto">${RTL.tag}</li>`)
    expect(html).toMatch(/<div class="post-body e-content" dir="auto">\s*<p>هذه ملاحظة/)
    expect(html).toMatch(new RegExp(`<bdi><a class="p-category" href="/category/[^"]+">${RTL.category}</a></bdi>`))
    expect(html).toMatch(/<div class="comment-body e-content" dir="auto">\s*<p>شكرا/)
    expect(html).toContain(`Écrit par : <bdi><span class="comment-author p-author h-card">${RTL.author}</span></bdi> | `)
    // The sidebar's latest comments: "<name> sur <title>", each isolated.
    expect(html).toContain(`<bdi>${RTL.author}</bdi> sur <bdi>${RTL.title}</bdi>`)
    for (const field of ['author', 'email', 'url']) expect(html).toMatch(new RegExp(`<input [^>]*id="comment-${field}"[^>]* dir="auto">`))
    expect(html).toMatch(/<textarea [^>]*id="comment-body"[^>]* dir="auto">/)
  })

  it('on lists: the title link, the excerpt, the category in the heading and in the sidebar', async () => {
    const home = await get('/')
    expect(home).toMatch(new RegExp(`<h2 class="post-title"><a class="p-name u-url" href="${postUrl}" dir="auto">${RTL.title}</a></h2>`))
    expect(home).toContain(`<p class="post-excerpt p-summary" dir="auto">${RTL.body}</p>`)
    expect(home).toMatch(new RegExp(`<li><a href="/category/[^"]+" dir="auto">${RTL.category}</a> <span class="count">\\(1\\)</span></li>`))
    expect(home).toContain(`<li dir="auto"><a href="${postUrl}">${RTL.title}</a></li>`)
    const slug = (await blog.app.db.selectFrom('categories').select('slug').where('name', '=', RTL.category).executeTakeFirstOrThrow()).slug
    expect(mainOf(await get(`/category/${slug}`))).toContain(`<h1 class="page-heading">Catégorie : <bdi>${RTL.category}</bdi></h1>`)
  })

  it('on search: the terms shown back, the result title and excerpt, the search box', async () => {
    const html = mainOf(await get(`/search?q=${encodeURIComponent(RTL.query)}`))
    expect(html).toContain(`<h1 class="page-heading">Recherche : « <bdi>${RTL.query}</bdi> »</h1>`)
    expect(html).toContain(`1 résultat pour « <bdi>${RTL.query}</bdi> »`)
    expect(html).toMatch(/<h3 class="post-title"><a href="[^"]+"><bdi>.*المتوسط.*<\/bdi><\/a><\/h3>/)
    expect(html).toContain('<p class="search-excerpt" dir="auto">')
    expect(html).toMatch(/<input type="search" id="search-main-q" [^>]* dir="auto">/)
    const none = mainOf(await get(`/search?q=${encodeURIComponent('لا شيء هنا')}`))
    expect(none).toContain('Aucune note ne correspond à « <bdi>لا شيء هنا</bdi> ».')
  })

  it('in the admin: posts, moderation, the editor and the delete confirmation', async () => {
    const posts = (await admin.get('/admin/posts')).body
    expect(posts).toMatch(new RegExp(`<a href="/admin/posts/${post.id}" aria-label="[^"]*" dir="auto">${RTL.title}</a>`))
    const comments = (await admin.get('/admin/comments?status=approved')).body
    expect(comments).toContain(`<strong><bdi>${RTL.author}</bdi></strong>`)
    expect(comments).toContain(`<bdi>${RTL.title}</bdi></a>`)
    expect(comments).toMatch(/<div class="comment-body" dir="auto"><p>شكرا/)
    // The post filter names the post it shows, its title isolated inside the sentence.
    const filtered = (await admin.get(`/admin/comments?status=approved&post=${post.id}`)).body
    expect(filtered).toContain(`Commentaires de la note « <bdi>${RTL.title}</bdi> »`)
    const editor = (await admin.get(`/admin/posts/${post.id}`)).body
    expect(editor).toMatch(/<input id="title" [^>]*dir="auto"/)
    expect(editor).toMatch(/<textarea id="body" [^>]*dir="auto"/)
    expect(editor).toContain(`<label dir="auto"><input type="checkbox" name="categories[]"`)
    const del = (await admin.get(`/admin/posts/${post.id}/delete`)).body
    expect(del).toContain(`<h1>Supprimer « <bdi>${RTL.title}</bdi> » ?</h1>`)
  })

  it('every page with right-to-left content is valid HTML', async () => {
    const slug = (await blog.app.db.selectFrom('categories').select('slug').where('name', '=', RTL.category).executeTakeFirstOrThrow()).slug
    for (const url of [postUrl, '/', `/category/${slug}`, `/search?q=${encodeURIComponent(RTL.query)}`]) {
      expect(await htmlErrors(await get(url), url), url).toEqual([])
    }
    for (const url of [
      '/admin/posts',
      '/admin/comments?status=approved',
      `/admin/posts/${post.id}`,
      `/admin/posts/${post.id}/delete`,
      '/admin',
    ]) {
      expect(await htmlErrors((await admin.get(url)).body, url), url).toEqual([])
    }
  })
})
