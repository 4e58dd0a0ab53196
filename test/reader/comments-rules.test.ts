// The link limit and the word lists through the real app and a real SQLite file: a held comment waits for
// moderation like any other, a refused one is not stored and comes back in the form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Settings } from '../../src/settings/settings.ts'
import { buildTestApp, mainOf, visibleText, type TestBlog } from '../helpers/app.ts'
import { commentsArea, commentsOf, inputValue, openPost, send, textareaValue, type Fields } from '../helpers/comments.ts'

const VALID: Fields = {
  author: 'Camille',
  email: 'camille@example.org',
  url: 'https://camille.example.org/',
  body: 'Merci pour cette note.',
}

describe('links and word lists', () => {
  let blog: TestBlog
  beforeAll(async () => {
    blog = await buildTestApp({ env: { COMMENT_RATE_LIMIT: '0' } })
  })
  afterAll(() => blog.close())

  /** Runs `test` with some settings changed, then puts the defaults back. */
  async function withSettings(patch: Partial<Settings>, test: () => Promise<void>) {
    await blog.app.settings.update(patch)
    try {
      await test()
    } finally {
      await blog.app.settings.update({ maxLinks: 2, holdWords: '', refuseWords: '', language: 'fr' })
    }
  }

  /** Posts a comment; returns where it went and the row stored. */
  async function post(fields: Fields, ip?: string) {
    const target = await openPost(blog)
    const res = await send(blog, target.url, fields, { ip })
    expect(res.statusCode, res.body).toBe(303)
    const row = (await commentsOf(blog, target.id)).at(-1)!
    return { target, res, row }
  }

  async function expectHeld(fields: Fields, ip?: string) {
    const { target, res, row } = await post(fields, ip)
    expect(row.status).toBe('pending')
    expect(res.headers.location).toBe(`${target.url}?moderation=pending#respond`)
    const back = await blog.app.inject(res.headers.location as string)
    expect(commentsArea(back.body)).toContain('Votre commentaire est en attente de modération.')
    expect(back.body).not.toContain(fields.body!)
  }

  async function expectPublished(fields: Fields, ip?: string) {
    const { res, row } = await post(fields, ip)
    expect(row.status).toBe('approved')
    expect(res.headers.location).toMatch(/#comment-\d+$/)
  }

  it('hold a comment with more than 2 links by default, and publish one with 2', async () => {
    expect(blog.app.settings.get()).toMatchObject({ maxLinks: 2, holdWords: '', refuseWords: '' })
    await expectPublished({ ...VALID, body: 'Voir https://a.example/x et www.b.example pour la suite.' })
    await expectHeld({ ...VALID, body: 'Voir https://a.example/x, http://b.example et www.c.example.' })
  })

  it('do not count the website field among the links', async () => {
    await withSettings({ maxLinks: 0 }, async () => {
      await expectPublished({ ...VALID, url: 'https://camille.example.org/', body: 'Sans lien dans le texte.' })
    })
  })

  it('hold any comment with a link when the limit is 0', async () => {
    await withSettings({ maxLinks: 0 }, async () => {
      await expectHeld({ ...VALID, body: 'Un seul lien : www.example.org' })
    })
  })

  it('hold a comment with a hold word in its text (whatever the case and accents), its e-mail or its IP', async () => {
    await withSettings({ holdWords: '  viagra \n\nbad-mail.example\n198.51.100.' }, async () => {
      await expectHeld({ ...VALID, body: 'Du VIÁGRA pas cher.' })
      await expectHeld({ ...VALID, email: 'spam@Bad-Mail.example', body: 'Un commentaire poli.' })
      await expectHeld({ ...VALID, body: 'Un commentaire venu d’ailleurs.' }, '198.51.100.23')
      await expectPublished({ ...VALID, body: 'Un commentaire ordinaire.' })
    })
  })

  it('refuse a comment with a refuse word: 400, the form as typed with the message, nothing stored', async () => {
    await withSettings({ refuseWords: 'casino\nViagra' }, async () => {
      const target = await openPost(blog)
      const before = await blog.app.db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const fields = { ...VALID, author: 'Marchand', body: 'Achetez du viÀgra ici, <b>vite</b>.' }
      const res = await send(blog, target.url, fields)
      expect(res.statusCode).toBe(400)
      const area = commentsArea(res.body)
      expect(visibleText(area)).toContain('Ce commentaire ne peut pas être publié sur ce blog.')
      expect(textareaValue(res.body, 'body')).toBe(fields.body)
      expect(inputValue(res.body, 'author')).toBe('Marchand')
      expect(inputValue(res.body, 'email')).toBe(VALID.email)
      expect(mainOf(res.body)).not.toContain('<b>vite</b>')
      const after = await blog.app.db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      expect(after.n).toBe(before.n)
      expect(await commentsOf(blog, target.id)).toHaveLength(0)
    })
  })

  it('refuse in English on an English blog, and before any hold rule', async () => {
    await withSettings({ language: 'en', maxLinks: 0, holdWords: 'casino', refuseWords: 'casino en ligne' }, async () => {
      const target = await openPost(blog)
      const res = await send(blog, target.url, { ...VALID, body: 'Le meilleur CASINO EN LIGNE : https://casino.example' })
      expect(res.statusCode).toBe(400)
      expect(visibleText(commentsArea(res.body))).toContain('This comment cannot be published on this blog.')
      expect(await commentsOf(blog, target.id)).toHaveLength(0)
    })
  })
})
