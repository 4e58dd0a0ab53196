// What readers and the admin see of the fediverse on the site itself: the home page and a post's page answer
// ActivityPub clients with the actor and the Article while browsers keep the HTML (Vary: Accept), the page cache
// keeping the two apart on every instance; the footer's line to follow the blog; the handle setting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPost } from '../../src/content/posts.write.ts'
import { createAdmin, signedIn } from '../helpers/admin.ts'
import { buildTestApp, visibleText, type TestBlog } from '../helpers/app.ts'

const AP = 'application/activity+json'
const LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

describe('content negotiation and the page cache, on two instances', () => {
  let a: TestBlog
  let b: TestBlog
  let post: string
  beforeAll(async () => {
    a = await buildTestApp({ demo: false, env: { BLOG_TITLE: 'Carnet de notes' } })
    b = await buildTestApp({ demo: false, dir: a.dir, env: { SESSION_KEY: a.config.sessionKey ?? '' } })
    await createPost(a.app.db, { title: 'Négociation', body: 'Du texte.', status: 'published', publishedAt: '2026-03-04T10:00:00.000Z' })
    post = '/archive/2026/03/04/negociation.html'
    // The blog's keys are made at the first request that needs them (a write, which empties the page cache).
    await a.app.inject({ url: '/', headers: { accept: AP } })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
  })
  const get = (blog: TestBlog, url: string, accept?: string) => blog.app.inject({ url, headers: accept ? { accept } : {} })

  for (const [name, url, type] of [
    ['the home page', '/', 'Person'],
    ['a post', '/archive/2026/03/04/negociation.html', 'Article'],
  ] as const) {
    it(`${name}: HTML first then ActivityPub, on either instance`, async () => {
      const html = await get(a, url)
      expect(html.headers['content-type']).toMatch(/^text\/html/)
      expect(html.headers.vary).toMatch(/^Accept, accept-encoding$/i)
      expect((await get(a, url)).headers['x-page-cache']).toBe('hit')
      for (const blog of [a, b]) {
        const json = await get(blog, url, AP)
        expect(json.statusCode).toBe(200)
        expect(json.headers['content-type']).toMatch(/^application\/activity\+json/)
        expect(JSON.parse(json.body).type).toBe(type)
      }
      // And the cached HTML is still HTML, with its Vary.
      const again = await get(a, url)
      expect(again.headers['x-page-cache']).toBe('hit')
      expect(again.headers['content-type']).toMatch(/^text\/html/)
      expect(again.headers.vary).toMatch(/^Accept, accept-encoding$/i)
    })

    it(`${name}: ActivityPub first then HTML, on either instance`, async () => {
      await a.app.settings.update({ description: `Changé pour ${name}` })
      const json = await get(b, url, LD)
      expect(json.headers['content-type']).toMatch(/^application\/(activity|ld)\+json/)
      expect(JSON.parse(json.body).type).toBe(type)
      for (const blog of [b, a]) {
        const html = await get(blog, url)
        expect(html.statusCode).toBe(200)
        expect(html.headers['content-type']).toMatch(/^text\/html/)
        expect(html.body).toContain('<!DOCTYPE html>')
        expect((await get(blog, url, AP)).headers['content-type']).toMatch(/^application\/activity\+json/)
      }
    })
  }

  it('gives the Article its canonical address only; a wrong date still redirects readers and clients alike', async () => {
    const article = JSON.parse((await get(a, post, AP)).body)
    expect(article.id).toBe(`http://blog.test${post}`)
    expect(article.name).toBe('Négociation')
    const wrong = await get(a, '/archive/2026/03/05/negociation.html', AP)
    expect(wrong.statusCode).toBe(301)
    expect(wrong.headers.location).toBe(post)
    expect((await get(a, '/archive/2026/03/04/absent.html', AP)).statusCode).toBe(404)
  })

  it('sends a browser that opens the actor’s address to the home page', async () => {
    const res = await get(a, '/fediverse/users/blog')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/')
  })

  it('lists the recent posts in the outbox, as Creates of their Articles', async () => {
    const outbox = JSON.parse((await get(a, '/fediverse/users/blog/outbox', AP)).body)
    expect(outbox.type).toBe('OrderedCollection')
    expect(outbox.totalItems).toBe(1)
    expect(outbox.orderedItems).toMatchObject([
      { type: 'Create', object: { type: 'Article', id: `http://blog.test${post}`, name: 'Négociation' } },
    ])
  })

  it('answers NodeInfo with the software, its version and the number of posts', async () => {
    const links = JSON.parse((await get(a, '/.well-known/nodeinfo')).body)
    expect(links.links[0].href).toBe('http://blog.test/nodeinfo/2.1')
    const info = JSON.parse((await get(a, '/nodeinfo/2.1')).body)
    expect(info.software).toMatchObject({ name: 'carnet', version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    expect(info.protocols).toEqual(['activitypub'])
    expect(info.usage.localPosts).toBe(1)
  })
})

describe('the admin’s list of followers', () => {
  it('counts them and shows 50 a page, oldest first, with the next page after the last one shown', async () => {
    const blog = await buildTestApp({ demo: false })
    try {
      await blog.app.db
        .insertInto('fedi_followers')
        .values(
          Array.from({ length: 51 }, (_, i) => ({
            actor_id: `https://social${i}.example/users/u${i}`,
            inbox: `https://social${i}.example/users/u${i}/inbox`,
            shared_inbox: null,
            handle: `@u${i}@social${i}.example`,
            instance: `social${i}.example`,
            follow_id: null,
            followed_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          })),
        )
        .execute()
      await createAdmin(blog.app)
      const admin = await signedIn(blog.app)
      const first = await admin.get('/admin/fediverse')
      expect(visibleText(first.body)).toContain('51 abonnés')
      expect(first.body).toContain('@u0@social0.example')
      expect(first.body).toContain('@u49@social49.example')
      expect(first.body).not.toContain('@u50@')
      const next = /href="(\/admin\/fediverse\?after=\d+)" rel="next"/.exec(first.body)![1]!
      const second = await admin.get(next)
      expect(second.body).toContain('@u50@social50.example')
      expect(second.body).not.toContain('@u49@')
      expect(second.body).not.toContain('rel="next"')
      expect(second.body).toContain('href="/admin/fediverse"')
    } finally {
      await blog.close()
    }
  })
})

describe('the footer and the handle setting', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ demo: false })
  })
  afterAll(() => blog.close())

  it('shows the address to follow, with a copy button that only JavaScript reveals, in French and in English', async () => {
    const fr = await blog.app.inject('/')
    expect(visibleText(fr.body)).toContain('Suivre dans le fédivers @blog@blog.test')
    expect(fr.body).toMatch(/<button type="button" data-copy="fediverse-handle"[^>]* hidden>Copier<\/button>/)
    expect(fr.body).toMatch(/<script src="\/static\/js\/copy-handle\.js\?v=[0-9a-f]{12}" defer><\/script>/)
    expect((await blog.app.inject('/static/js/copy-handle.js')).statusCode).toBe(200)
    await blog.app.settings.update({ language: 'en' })
    const en = await blog.app.inject('/')
    expect(visibleText(en.body)).toContain('Follow on the fediverse @blog@blog.test')
    expect(en.body).toContain('>Copy</button>')
    await blog.app.settings.update({ language: 'fr' })
  })

  it('takes a new handle from the settings page, and refuses a bad one with the form as typed', async () => {
    await createAdmin(blog.app)
    const admin = await signedIn(blog.app)
    const page = await admin.get('/admin/settings')
    const form = Object.fromEntries(
      [...page.body.matchAll(/<input id="(\w+)" name="\w+" type="(?:text|number)" [^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    )
    const fields = {
      ...form,
      description: '',
      language: 'fr',
      timezone: 'Europe/Paris',
      moderation: 'none',
      holdWords: '',
      refuseWords: '',
      banAction: 'spam',
      bylines: 'auto',
    }
    const bad = await admin.post('/admin/settings', { ...fields, fediverseHandle: 'mon blog!' })
    expect(bad.statusCode).toBe(400)
    expect(visibleText(bad.body)).toContain('De 1 à 30 caractères')
    expect(bad.body).toContain('value="mon blog!"')
    expect(blog.app.settings.get().fediverseHandle).toBe('blog')
    const good = await admin.post('/admin/settings', { ...fields, fediverseHandle: 'Carnet_1' })
    expect(good.statusCode).toBe(303)
    expect(blog.app.settings.get().fediverseHandle).toBe('carnet_1')
    expect(visibleText((await blog.app.inject('/')).body)).toContain('@carnet_1@blog.test')
    const wf = await blog.app.inject('/.well-known/webfinger?resource=acct:carnet_1@blog.test')
    expect(JSON.parse(wf.body).links[0].href).toBe('http://blog.test/fediverse/users/blog')
  })
})
