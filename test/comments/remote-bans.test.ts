// Bans by actor and by domain from the admin's ban form (/admin/bans): typed as people have them, checked, listed,
// offered from a remote comment's "Ban" link, and applied to comments already there ("hide all").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAdmin, signedIn, type AdminClient } from '../helpers/admin.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsOf, inputValue, openPost } from '../helpers/comments.ts'
import { receiveRemoteComment } from '../../src/comments/remote.ts'

let blog: TestBlog
let admin: AdminClient
beforeAll(async () => {
  blog = await buildTestApp({ demo: false })
  await createAdmin(blog.app)
  admin = await signedIn(blog.app)
})
afterAll(() => blog.close())
beforeEach(async () => {
  await blog.app.db.deleteFrom('bans').execute()
})

async function ban(fields: Record<string, string>) {
  await admin.get('/admin/bans')
  return admin.post('/admin/bans', fields)
}

let n = 0
function from(postId: number, actor: string) {
  n += 1
  return receiveRemoteComment(blog.app, {
    postId,
    parentId: null,
    origin: 'fediverse',
    originUrl: `${actor}/statuses/${n}`,
    permalink: null,
    author: { name: `Quelqu’un ${n}`, url: null, actor, handle: null },
    text: `Une réponse, numéro ${n}.`,
  })
}

describe('bans of remote authors', () => {
  it('bans an actor and a domain (typed in Unicode), lists them by kind, and hides what they wrote', async () => {
    const post = await openPost(blog)
    await from(post.id, 'https://mastodon.example/users/troll')
    await from(post.id, 'https://eu.xn--sp-wia.example/users/x')
    await from(post.id, 'https://mastodon.example/users/friend')
    const res = await ban({ actor: ' https://mastodon.example/users/troll ', domain: 'spä.example', hide: '1', note: 'raid' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/admin/bans?done=hidden&n=2')
    const rows = await blog.app.db.selectFrom('bans').select(['kind', 'value', 'shown']).orderBy('id').execute()
    expect(rows).toEqual([
      { kind: 'actor', value: 'https://mastodon.example/users/troll', shown: 'https://mastodon.example/users/troll' },
      { kind: 'domain', value: 'xn--sp-wia.example', shown: 'spä.example' },
    ])
    const page = visibleText(mainOf((await admin.get('/admin/bans')).body))
    expect(page).toContain('Compte distant https://mastodon.example/users/troll')
    expect(page).toContain('Domaine spä.example')
    expect((await commentsOf(blog, post.id)).map((c) => c.status)).toEqual(['spam', 'spam', 'approved'])
    // New ones are covered too (banAction spam by default).
    expect(await from(post.id, 'https://a.eu.xn--sp-wia.example/u/y')).toMatchObject({ status: 'spam' })
  })

  it('answers a bad actor or domain with 400, the form as typed and the messages beside the fields, storing nothing', async () => {
    const res = await ban({ actor: 'ftp://mastodon.example/users/x', domain: 'pas un domaine', note: 'à garder' })
    expect(res.statusCode).toBe(400)
    const text = visibleText(mainOf(res.body))
    expect(text).toContain('Adresse de compte invalide')
    expect(text).toContain('Domaine invalide')
    expect(res.body).toContain('aria-describedby="ban-actor-help actor-error" aria-invalid="true"')
    expect(res.body).toContain('aria-describedby="ban-domain-help domain-error" aria-invalid="true"')
    expect(inputValue(res.body, 'actor')).toBe('ftp://mastodon.example/users/x')
    expect(inputValue(res.body, 'domain')).toBe('pas un domaine')
    for (const domain of ['203.0.113.7', 'localhost', 'https://', 'a..b']) {
      expect((await ban({ domain })).statusCode, domain).toBe(400)
    }
    expect(await blog.app.db.selectFrom('bans').selectAll().execute()).toEqual([])
  })

  it('offers the actor of a remote comment from its "Ban" link, the domain left to type', async () => {
    const post = await openPost(blog)
    const stored = (await from(post.id, 'https://mastodon.example/users/someone')) as { id: number }
    const page = await admin.get(`/admin/bans?comment=${stored.id}`)
    expect(inputValue(page.body, 'actor')).toBe('https://mastodon.example/users/someone')
    expect(inputValue(page.body, 'domain')).toBe('')
  })
})
