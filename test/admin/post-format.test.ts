// An HTML post (imported from WordPress) is edited as HTML: the editor shows its source and format, saving keeps
// both, and the page shows it with WordPress's paragraphs, sanitized.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { postPath } from '../../src/lib/urls.ts'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, type TestBlog } from '../helpers/app.ts'

describe('an HTML post in the admin', () => {
  let blog: TestBlog
  let admin: AdminClient
  let id: number
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    ;({ id } = await createPost(blog.app.db, {
      title: 'Importée',
      body: 'Première ligne\nseconde\n\n<!-- wp:paragraph --><em>Deux</em><!-- /wp:paragraph -->',
      format: 'html',
      status: 'published',
      publishedAt: '2020-01-02T10:00:00.000Z',
    }))
  })
  afterAll(() => blog.close())

  it('shows the HTML source and the HTML format in the editor', async () => {
    const page = await admin.get(`/admin/posts/${id}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<option value="html" selected>HTML</option>')
    expect(page.body).toContain('Première ligne\nseconde\n\n&lt;!-- wp:paragraph --&gt;&lt;em&gt;Deux&lt;/em&gt;')
  })

  it('saves an edit as HTML and renders it as WordPress would', async () => {
    const res = await admin.post(`/admin/posts/${id}`, {
      title: 'Importée',
      body: 'Ligne un\nligne deux\n\n<strong>Gras</strong><script>alert(1)</script>',
      format: 'html',
      tags: '',
      slug: 'importee',
      signature: '',
      publishedAt: '2020-01-02T11:00',
      action: 'publish',
    })
    expect(res.statusCode).toBe(303)
    const row = await blog.app.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.format).toBe('html')
    expect(row.body_source).toBe('Ligne un\nligne deux\n\n<strong>Gras</strong><script>alert(1)</script>')
    const page = await blog.app.inject({ url: postPath(row, 'Europe/Paris') })
    const main = mainOf(page.body)
    expect(main).toContain('<p>Ligne un<br>\nligne deux</p>')
    expect(main).toContain('<p><strong>Gras</strong></p>')
    expect(main).not.toContain('alert(1)')
  })

  it('previews an HTML body as HTML', async () => {
    const res = await admin.post(`/admin/posts/${id}`, {
      title: 'Importée',
      body: 'a\nb',
      format: 'html',
      tags: '',
      slug: 'importee',
      signature: '',
      publishedAt: '',
      action: 'preview',
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<p>a<br>\nb</p>')
  })
})
