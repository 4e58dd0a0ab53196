// The site image setting: typed in the admin's settings page (checked there), kept in the settings table, and
// shown by post pages without an image of their own (link previews) and as the publisher's logo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { signedIn, createAdmin, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, SEED_PATH, visibleText, type TestBlog } from '../helpers/app.ts'

function metaOf(html: string, attr: 'property' | 'name', key: string): string[] {
  const re = new RegExp(`<meta ${attr}="${key.replace(/[.+]/g, '\\$&')}" content="([^"]*)">`, 'g')
  return [...html.matchAll(re)].map((m) => m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'))
}

function jsonLdOf(html: string): any {
  return JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1]!)
}

const form = (patch: Record<string, string> = {}) => ({
  title: 'Carnet',
  description: '',
  language: 'fr',
  timezone: 'Europe/Paris',
  postsPerPage: '10',
  moderation: 'none',
  commentsAutoCloseDays: '0',
  siteImage: '',
  maxLinks: '2',
  ipRetentionDays: '90',
  commentEditMinutes: '15',
  reportHoldThreshold: '3',
  ...patch,
})

async function storedSiteImage(blog: TestBlog): Promise<unknown> {
  const row = await blog.app.db.selectFrom('settings').select('value').where('key', '=', 'siteImage').executeTakeFirst()
  return row ? JSON.parse(row.value) : undefined
}

describe('the site image', () => {
  let blog: TestBlog
  let admin: AdminClient
  let withImage: string
  beforeAll(async () => {
    blog = await buildTestApp()
    await createAdmin(blog.app)
    admin = await signedIn(blog.app)
    const { slug } = await createPost(blog.app.db, {
      title: 'Avec image',
      body: '![Sa photo](/static/sa-photo.jpg)',
      status: 'published',
      publishedAt: '2017-10-02T10:00:00.000Z',
    })
    withImage = `/archive/2017/10/02/${slug}.html`
  })
  afterAll(() => blog.close())

  it('is offered on the settings page with a label and help, in French and in English', async () => {
    const fr = await admin.get('/admin/settings')
    expect(fr.body).toMatch(/<label for="siteImage">Image du site<\/label>/)
    expect(fr.body).toContain('aria-describedby="siteImage-help"')
    expect(visibleText(mainOf(fr.body))).toContain('Montrée dans les aperçus de liens')
    expect((await admin.post('/admin/settings', form({ language: 'en' }))).statusCode).toBe(303)
    try {
      const en = await admin.get('/admin/settings')
      expect(en.body).toMatch(/<label for="siteImage">Site image<\/label>/)
      expect(visibleText(mainOf(en.body))).toContain('Shown in link previews')
    } finally {
      await admin.post('/admin/settings', form())
    }
  })

  it('is shown by a post without an image, and as the logo; a post keeps its own image; the cached page follows', async () => {
    // Pages are cached (PAGE_CACHE is on): these copies must not outlive the change.
    const stored = await blog.app.inject(SEED_PATH)
    expect(stored.headers['x-page-cache']).toBe('miss')
    expect(metaOf(stored.body, 'property', 'og:image')).toEqual([])
    const hit = await blog.app.inject(SEED_PATH)
    expect(hit.headers['x-page-cache']).toBe('hit')
    expect(hit.body).toBe(stored.body)

    const res = await admin.post('/admin/settings', form({ siteImage: ' /static/logo.png ' }))
    expect(res.statusCode).toBe(303)
    expect(await storedSiteImage(blog)).toBe('/static/logo.png')

    const after = (await blog.app.inject(SEED_PATH)).body
    expect(metaOf(after, 'property', 'og:image')).toEqual(['http://blog.test/static/logo.png'])
    expect(metaOf(after, 'name', 'twitter:image')).toEqual(['http://blog.test/static/logo.png'])
    expect(metaOf(after, 'name', 'twitter:card')).toEqual(['summary_large_image'])
    const ld = jsonLdOf(after)
    expect(ld.image).toEqual(['http://blog.test/static/logo.png'])
    expect(ld.publisher).toEqual({
      '@type': 'Organization',
      name: 'Carnet',
      url: 'http://blog.test/',
      logo: { '@type': 'ImageObject', url: 'http://blog.test/static/logo.png' },
    })

    const own = (await blog.app.inject(withImage)).body
    expect(metaOf(own, 'property', 'og:image')).toEqual(['http://blog.test/static/sa-photo.jpg'])
    expect(jsonLdOf(own).image).toEqual(['http://blog.test/static/sa-photo.jpg'])
    expect(jsonLdOf(own).publisher.logo.url).toBe('http://blog.test/static/logo.png')

    // An absolute address elsewhere; then none again, and the post says nothing.
    await admin.post('/admin/settings', form({ siteImage: 'https://cdn.example.org/carnet.png?v=2&x=1' }))
    expect(metaOf((await blog.app.inject(SEED_PATH)).body, 'property', 'og:image')).toEqual(['https://cdn.example.org/carnet.png?v=2&x=1'])
    await admin.post('/admin/settings', form())
    expect(await storedSiteImage(blog)).toBe('')
    const none = (await blog.app.inject(SEED_PATH)).body
    expect(none).not.toMatch(/og:image|twitter:image/)
    expect(jsonLdOf(none)).not.toHaveProperty('image')
    expect(jsonLdOf(none).publisher).not.toHaveProperty('logo')
  })

  it('refuses what is not an http(s) address or a path on the site, with the message beside the field and the text kept', async () => {
    await admin.post('/admin/settings', form({ siteImage: '/static/garde.png' }))
    for (const bad of [
      'javascript:alert(1)',
      'ftp://example.org/a.png',
      '//cdn.example.org/a.png',
      'logo.png',
      'https://example.org/a b.png',
      'data:image/png;base64,AAAA',
      `/${'x'.repeat(2000)}`,
    ]) {
      const res = await admin.post('/admin/settings', form({ siteImage: bad, title: 'Titre gardé' }))
      expect(res.statusCode, bad).toBe(400)
      expect(res.body).toContain('id="siteImage-error"')
      expect(res.body).toContain('aria-describedby="siteImage-help siteImage-error"')
      expect(visibleText(mainOf(res.body))).toContain('Une adresse http(s) complète ou un chemin commençant par /')
      expect(res.body).toContain(`value="${bad.replace(/&/g, '&amp;')}"`)
      expect(res.body).toContain('value="Titre gardé"')
      // Nothing changed.
      expect(await storedSiteImage(blog)).toBe('/static/garde.png')
      expect(blog.app.settings.get().title).toBe('Carnet')
    }
    await admin.post('/admin/settings', form())
  })
})

describe('the site image setting in an existing blog', () => {
  it('is added, empty, to a database made before it existed, which keeps its other settings', async () => {
    const first = await buildTestApp({ demo: false })
    await first.app.settings.update({ title: 'Ancien blog' })
    await first.app.db.deleteFrom('settings').where('key', '=', 'siteImage').execute()
    await first.app.close()
    const again = await buildTestApp({ demo: false, dir: first.dir })
    try {
      expect(await storedSiteImage(again)).toBe('')
      expect(again.app.settings.get()).toMatchObject({ title: 'Ancien blog', siteImage: '' })
    } finally {
      await again.close()
      await first.close().catch(() => {})
    }
  })
})
