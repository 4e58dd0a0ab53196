// The header's menu: arranged in the admin without JavaScript (add, label, up, down, remove), shown on every public
// page in a <nav> with aria-current on the page being read; empty by default (the blog looks as it did).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, type TestBlog } from '../helpers/app.ts'

/** The menu's links as readers see them: [label, href, current]. */
function menuOf(html: string): Array<[string, string, boolean]> {
  const nav = /<nav class="site-menu" aria-label="([^"]+)">([\s\S]*?)<\/nav>/.exec(html)
  if (!nav) return []
  return [...nav[2]!.matchAll(/<a href="([^"]+)" dir="auto"( aria-current="page")?>([^<]*)<\/a>/g)].map((m) => [
    m[3]!,
    m[1]!,
    m[2] !== undefined,
  ])
}

describe('the menu', () => {
  let blog: TestBlog
  let admin: AdminClient
  beforeAll(async () => {
    blog = await buildTestApp({ demo: true })
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    for (const [title, slug] of [
      ['À propos', 'about'],
      ['Contact', 'contact'],
    ] as const) {
      const res = await admin.post('/admin/posts', {
        kind: 'page',
        title,
        slug,
        body: `Le texte de ${title}.`,
        format: 'markdown',
        signature: '',
        publishedAt: '',
        action: 'publish',
      })
      expect(res.statusCode).toBe(303)
    }
  })
  afterAll(() => blog.close())

  const pageId = async (slug: string) =>
    String((await blog.app.db.selectFrom('posts').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id)
  const items = () => blog.app.db.selectFrom('menu_items').selectAll().orderBy('position').execute()

  it('is empty by default: no <nav> in the header', async () => {
    const home = await blog.app.inject('/')
    expect(home.body).not.toContain('class="site-menu"')
    expect((await admin.get('/admin/menu')).body).toContain('Le menu est vide')
  })

  it('takes pages, a category, the archives and an address, in the order added', async () => {
    expect((await admin.post('/admin/menu/add', { type: 'page', postId: await pageId('about'), label: '' })).statusCode).toBe(303)
    const category = await blog.app.db.selectFrom('categories').select(['id', 'slug']).orderBy('id').executeTakeFirstOrThrow()
    expect((await admin.post('/admin/menu/add', { type: 'category', categoryId: String(category.id), label: 'Sujets' })).statusCode).toBe(
      303,
    )
    expect((await admin.post('/admin/menu/add', { type: 'archives' })).statusCode).toBe(303)
    expect((await admin.post('/admin/menu/add', { type: 'url', url: 'https://example.org/amis', label: 'Les amis' })).statusCode).toBe(303)
    const home = await blog.app.inject('/')
    expect(menuOf(home.body)).toEqual([
      ['À propos', '/about.html', false],
      ['Sujets', `/category/${category.slug}`, false],
      ['Archives', '/archive', false],
      ['Les amis', 'https://example.org/amis', false],
    ])
  })

  it('marks the page being read with aria-current', async () => {
    const about = await blog.app.inject('/about.html')
    expect(menuOf(about.body)[0]).toEqual(['À propos', '/about.html', true])
    expect(menuOf(about.body).filter((i) => i[2])).toHaveLength(1)
    const archives = await blog.app.inject('/archive')
    expect(archives.statusCode).toBe(200)
    expect(menuOf(archives.body)[2]).toEqual(['Archives', '/archive', true])
    expect(archives.body).toContain('href="/archive/2017/10/"')
  })

  it('moves items up and down, renames and removes them, without JavaScript', async () => {
    const [about, sujets] = await items()
    expect((await admin.post(`/admin/menu/${sujets!.id}`, { op: 'up', label: '' })).statusCode).toBe(303)
    expect(menuOf((await blog.app.inject('/')).body).map((i) => i[0])).toEqual(['Sujets', 'À propos', 'Archives', 'Les amis'])
    expect((await admin.post(`/admin/menu/${sujets!.id}`, { op: 'down', label: '' })).statusCode).toBe(303)
    expect((await admin.post(`/admin/menu/${about!.id}`, { op: 'label', label: 'Qui suis-je ?' })).statusCode).toBe(303)
    expect(menuOf((await blog.app.inject('/')).body).map((i) => i[0])).toEqual(['Qui suis-je ?', 'Sujets', 'Archives', 'Les amis'])
    expect((await admin.post(`/admin/menu/${sujets!.id}`, { op: 'remove', label: '' })).statusCode).toBe(303)
    expect(menuOf((await blog.app.inject('/')).body).map((i) => i[0])).toEqual(['Qui suis-je ?', 'Archives', 'Les amis'])
    // The first item's "up" changes nothing.
    expect((await admin.post(`/admin/menu/${about!.id}`, { op: 'up', label: '' })).statusCode).toBe(303)
    expect(menuOf((await blog.app.inject('/')).body)[0]![0]).toBe('Qui suis-je ?')
  })

  it('refuses a bad address or a missing label beside the field, keeping what was typed and changing nothing', async () => {
    const before = await items()
    const bad = await admin.post('/admin/menu/add', { type: 'url', url: 'javascript:alert(1)', label: 'Piège' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('id="add-url-url-error"')
    expect(bad.body).toContain('value="javascript:alert(1)"')
    expect(bad.body).toContain('value="Piège"')
    const nolabel = await admin.post('/admin/menu/add', { type: 'url', url: '/contact.html', label: '' })
    expect(nolabel.statusCode).toBe(400)
    expect(nolabel.body).toContain('id="add-url-label-error"')
    expect(nolabel.body).toContain('value="/contact.html"')
    const tooLong = await admin.post(`/admin/menu/${before[0]!.id}`, { op: 'label', label: 'x'.repeat(101) })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.body).toContain(`id="menu-item-${before[0]!.id}-label-error"`)
    expect(tooLong.body).toContain(`value="${'x'.repeat(101)}"`)
    const unknown = await admin.post('/admin/menu/add', { type: 'page', postId: '999999', label: '' })
    expect(unknown.statusCode).toBe(400)
    expect(await items()).toEqual(before)
  })

  it('leaves out a page that is not published, and forgets a deleted one', async () => {
    const contact = await pageId('contact')
    await admin.post('/admin/menu/add', { type: 'page', postId: contact, label: '' })
    expect(menuOf((await blog.app.inject('/')).body).map((i) => i[0])).toContain('Contact')
    await admin.post(`/admin/posts/${contact}`, {
      title: 'Contact',
      slug: 'contact',
      body: 'Le texte.',
      format: 'markdown',
      signature: '',
      publishedAt: '',
      action: 'draft',
    })
    expect(menuOf((await blog.app.inject('/')).body).map((i) => i[0])).not.toContain('Contact')
    expect((await admin.post(`/admin/posts/${contact}/delete`)).statusCode).toBe(303)
    expect((await items()).some((i) => i.post_id === Number(contact))).toBe(false)
  })

  it('is in English on an English blog', async () => {
    await blog.app.settings.update({ language: 'en' })
    const home = await blog.app.inject('/')
    expect(home.body).toContain('<nav class="site-menu" aria-label="Main navigation">')
    await blog.app.settings.update({ language: 'fr' })
  })
})
